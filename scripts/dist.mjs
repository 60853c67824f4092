#!/usr/bin/env node
/**
 * `npm run dist [-- --mac | --win | --linux AppImage]`: installers with electron-builder
 * (config: electron-builder.json). Linux AppImage and .deb by default.
 *
 * It packages the Electron binary already in node_modules/electron/dist (electronDist) rather
 * than downloading one, so it fails fast, before building anything, where that binary is missing.
 * electron-builder still fetches its AppImage tools and fpm (for .deb) on first use; set
 * USE_SYSTEM_FPM=true to use an installed fpm.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { electronBinary, ROOT } from './electron-binary.mjs'

const exe = electronBinary()
if (!exe) {
  console.error(`npm run dist: Electron's binary is not installed, so there is nothing to package.
  Looked at ELECTRON_EXEC_PATH and node_modules/electron/dist (from node_modules/electron/path.txt).
  On a machine that can download it: run "npx install-electron" (Electron 42+ downloads on first use),
  then "npm run dist". Machines without that download (ours, CI) cannot build installers.`)
  process.exit(1)
}

const args = process.argv.slice(2)
const targets = args.length ? args : ['--linux', 'AppImage', 'deb']
const run = (cmd, argv) => {
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
run('npx', ['electron-vite', 'build'])
// The unpacked Electron (on macOS the folder holding Electron.app), not the executable's own folder.
const shipped = join(ROOT, 'node_modules', 'electron', 'dist')
const electronDist = process.env.ELECTRON_EXEC_PATH || !existsSync(shipped) ? dirname(exe) : shipped
run('npx', ['electron-builder', '--config', 'electron-builder.json', `-c.electronDist=${electronDist}`, ...targets])
console.log(`Installers are in ${join(ROOT, 'dist')}`)
