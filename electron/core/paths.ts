/** Where LR Lab keeps its data when no --data-dir is given: the same folder Electron's userData uses. */
import { homedir } from 'node:os'
import { join } from 'node:path'

export const APP_DIR_NAME = 'lr-lab'

export function defaultDataDir(): string {
  if (process.env.LRLAB_DATA_DIR) return process.env.LRLAB_DATA_DIR
  switch (process.platform) {
    case 'win32':
      return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_DIR_NAME)
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', APP_DIR_NAME)
    default:
      return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_DIR_NAME)
  }
}

/**
 * The unpacked twin of a path inside a packaged app's app.asar (electron-builder's asarUnpack
 * puts the wasm files and tfjs-node there): native code and wasm are loaded from real files.
 * Paths outside an asar come back as they are.
 */
export function asarUnpacked(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2')
}
