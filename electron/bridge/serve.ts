/** `npm run serve`: LR Lab's UI in a browser on 127.0.0.1, for machines without a display or Electron. */
import { Command, InvalidArgumentError } from 'commander'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
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
  .option('--new-token', 'make a new access token (links with the old one stop working)')
  .option('--max-parallel <n>', 'runs training at once; more wait as queued (default: LRLAB_MAX_PARALLEL or the number of cores)', wholeCount)
  .parse()

function wholeCount(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number ≥ 1')
  return n
}

const opts = program.opts<{ port: number; host: string; dataDir: string; newToken?: boolean; maxParallel?: number }>()
const rendererDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'renderer')
if (!existsSync(join(rendererDir, 'index.html'))) {
  console.error(`The renderer is not built (${rendererDir} has no index.html). Run "npm run build" first.`)
  process.exit(1)
}
/**
 * The access token, kept per data dir (owner-only file) so a bookmarked address survives a
 * restart; --new-token replaces it. A token that cannot be stored is used for this session only.
 */
function sessionToken(dataDir: string, rotate: boolean): string {
  const file = join(dataDir, 'serve-token')
  if (!rotate) {
    try {
      const t = readFileSync(file, 'utf8').trim()
      if (/^[A-Za-z0-9_-]{32,}$/.test(t)) return t
    } catch {
      // none yet
    }
  }
  const t = randomBytes(24).toString('base64url')
  try {
    writeFileSync(file, t + '\n', { mode: 0o600 })
    chmodSync(file, 0o600) // a file that existed keeps its mode through writeFileSync
  } catch (e) {
    console.error(`LR Lab: could not store the access token in ${file} (${e instanceof Error ? e.message : String(e)}); it lasts this session only`)
  }
  return t
}

const service = await createNodeService(resolve(opts.dataDir), 'browser-bridge', { maxParallel: opts.maxParallel })
const info = await service.getInfo()
const bridge = await startBridge({ service, rendererDir, host: opts.host, port: opts.port, token: sessionToken(resolve(opts.dataDir), !!opts.newToken) })
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
