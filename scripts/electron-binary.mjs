/** Where Electron's binary is, or null: ELECTRON_EXEC_PATH, else what `electron`'s install left in node_modules. */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

export function electronBinary() {
  if (process.env.ELECTRON_EXEC_PATH) return existsSync(process.env.ELECTRON_EXEC_PATH) ? process.env.ELECTRON_EXEC_PATH : null
  const dir = join(ROOT, 'node_modules', 'electron')
  try {
    const exe = join(dir, 'dist', readFileSync(join(dir, 'path.txt'), 'utf8').trim())
    return existsSync(exe) ? exe : null
  } catch {
    return null
  }
}
