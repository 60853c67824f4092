/** Builds the service for plain-Node hosts (serve bridge, tests) from the built or source tree. */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { selectBackend } from '../trainer/backend'
import { LrLabService } from './service'
import { nodeTrainerSpawner } from './trainer-process'

const here = dirname(fileURLToPath(import.meta.url))

/** out/main/trainer.js next to the built entry, or the TypeScript entry run through tsx. */
export function trainerEntry(): { entry: string; execArgv: string[] } {
  // Bundled, this module sits in out/main or in out/main/chunks (when shared by several entries).
  const built = [join(here, 'trainer.js'), join(here, '..', 'trainer.js')].find((p) => existsSync(p))
  if (built) return { entry: built, execArgv: [] }
  const source = join(here, '..', 'trainer', 'entry.ts')
  if (existsSync(source)) return { entry: source, execArgv: ['--import', 'tsx'] }
  throw new Error(`cannot find the trainer entry next to ${here} (run "npm run build")`)
}

export async function createNodeService(dataDir: string, host: 'browser-bridge' | 'electron' = 'browser-bridge', options: { maxParallel?: number } = {}): Promise<LrLabService> {
  const backend = await selectBackend('auto').catch(() => null) // a failure is reported per run by the trainer
  return new LrLabService({ dataDir, host, backend, spawnTrainer: nodeTrainerSpawner(trainerEntry()), ...options })
}
