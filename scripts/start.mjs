// `npm start`: build, then open the desktop app; where Electron's binary is missing, say so plainly.
import { existsSync, readFileSync } from 'node:fs'
import { spawn, spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const electronDir = join(root, 'node_modules', 'electron')

function electronBinary() {
  if (process.env.ELECTRON_EXEC_PATH) return existsSync(process.env.ELECTRON_EXEC_PATH) ? process.env.ELECTRON_EXEC_PATH : null
  const pathTxt = join(electronDir, 'path.txt')
  if (!existsSync(pathTxt)) return null
  const exe = join(electronDir, 'dist', readFileSync(pathTxt, 'utf8').trim())
  return existsSync(exe) ? exe : null
}

let exe = electronBinary()
if (!exe && existsSync(join(electronDir, 'install.js'))) {
  // Electron ≥ 42 downloads its binary on first use; try once, quietly.
  spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'ignore', timeout: 600_000 })
  exe = electronBinary()
}
if (!exe) {
  console.error(
    `LR Lab cannot open its desktop window: Electron's program is not installed on this machine ` +
      `(its download during "npm install" failed or was blocked, which happens offline or behind a firewall). ` +
      `Everything the app does also works in a browser: run "npm run serve" and open the address it prints. ` +
      `To get the desktop app, run "npx install-electron" once the machine can reach Electron's download server, then "npm start" again.`,
  )
  process.exit(1)
}
const build = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const child = spawn(exe, [join(root, 'out', 'main', 'index.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
child.on('exit', (code) => process.exit(code ?? 0))
