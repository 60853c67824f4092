/** `npm run serve`: LR Lab's UI in a browser on 127.0.0.1, for machines without a display or Electron. */
import { Command, InvalidArgumentError } from 'commander'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import { defaultDataDir } from '../core/paths'
import { createNodeService } from '../core/node-host'
import { describeBackend } from '../trainer/backend'
import { startBridge } from './http-bridge'

function portNumber(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 picks a free one)')
  return n
}

const program = new Command('lrlab-serve')
  .description('Serve the LR Lab UI and API on a local address')
  .option('--port <n>', 'port to listen on (0 picks a free port)', portNumber, 5317)
  .option('--host <addr>', 'address to bind', '127.0.0.1')
  .option('--data-dir <dir>', 'where runs are stored', defaultDataDir())
  .option('--max-parallel <n>', 'runs training at once; more wait as queued (default: LRLAB_MAX_PARALLEL or the number of cores)', wholeCount)
  .parse()

function wholeCount(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number ≥ 1')
  return n
}

const opts = program.opts<{ port: number; host: string; dataDir: string; maxParallel?: number }>()
const rendererDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'renderer')
if (!existsSync(join(rendererDir, 'index.html'))) {
  console.error(`The renderer is not built (${rendererDir} has no index.html). Run "npm run build" first.`)
  process.exit(1)
}
const service = await createNodeService(resolve(opts.dataDir), 'browser-bridge', { maxParallel: opts.maxParallel })
const info = await service.getInfo()
const bridge = await startBridge({ service, rendererDir, host: opts.host, port: opts.port })
console.error(`LR Lab ${info.version} · data in ${info.dataDir} · ${info.backend ? describeBackend(info.backend) : 'no backend could be loaded'}`)
// The one line a user (or a test) needs: the address to open.
console.log(bridge.url)

const shutdown = async (): Promise<void> => {
  await service.shutdown()
  await bridge.close()
  process.exit(0)
}
process.on('SIGINT', () => void shutdown())
process.on('SIGTERM', () => void shutdown())
