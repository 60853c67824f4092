/**
 * What a path handed to the app asks for: from a second launch's command line, macOS's
 * open-file, or a file dropped on the window. A folder or a .zip is a run to open; a .csv
 * starts the dataset import; anything else is refused with the reason.
 */
import { statSync } from 'node:fs'
import { extname, isAbsolute, resolve } from 'node:path'

export type OpenTarget = { kind: 'run-folder' | 'run-zip' | 'csv'; path: string } | { kind: 'unsupported'; path: string; reason: string }

export function classifyPath(path: string, cwd = process.cwd()): OpenTarget {
  const abs = isAbsolute(path) ? path : resolve(cwd, path)
  let st
  try {
    st = statSync(abs)
  } catch {
    return { kind: 'unsupported', path: abs, reason: 'it does not exist' }
  }
  if (st.isDirectory()) return { kind: 'run-folder', path: abs }
  if (!st.isFile()) return { kind: 'unsupported', path: abs, reason: 'it is not a file or folder' }
  const ext = extname(abs).toLowerCase()
  if (ext === '.zip') return { kind: 'run-zip', path: abs }
  if (ext === '.csv') return { kind: 'csv', path: abs }
  return { kind: 'unsupported', path: abs, reason: 'LR Lab opens run folders, .zip runs and .csv datasets' }
}

/**
 * The paths in a launch's argv: Electron puts the executable first and, unpackaged, the app's
 * entry script as the first non-switch (switches such as --inspect may come before it);
 * what is left are the user's paths.
 */
export function pathsFromArgv(argv: readonly string[], packaged: boolean): string[] {
  const rest = argv.slice(1).filter((a) => a.length > 0 && !a.startsWith('-'))
  if (!packaged) rest.shift()
  return rest
}

export function targetsFromArgv(argv: readonly string[], packaged: boolean, cwd: string): OpenTarget[] {
  return pathsFromArgv(argv, packaged).map((p) => classifyPath(p, cwd))
}
