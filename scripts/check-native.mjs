// Runs after `npm install`: make sure the native parts (Electron's binary, tfjs-node's
// libtensorflow) are present, download Electron's where the network allows, and say
// plainly what is missing and what still works. It never fails the install.
import { existsSync, readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const notes = []

const electronDir = join(root, 'node_modules', 'electron')
const haveElectron = () => {
  try {
    const p = readFileSync(join(electronDir, 'path.txt'), 'utf8').trim()
    return existsSync(join(electronDir, 'dist', p))
  } catch {
    return false
  }
}
if (existsSync(join(electronDir, 'install.js')) && !haveElectron() && !process.env.LRLAB_SKIP_ELECTRON_DOWNLOAD) {
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { encoding: 'utf8', timeout: 600_000 })
  if (r.status !== 0) {
    const why = ((r.stderr || '').split('\n').find((l) => /Error|error/.test(l)) || 'download failed').trim().slice(0, 200)
    notes.push(`Electron's binary could not be downloaded (${why}). "npm start" will explain; "npm run serve" gives the same app in a browser. Retry later with "npx install-electron".`)
  }
}

try {
  require('@tensorflow/tfjs-node')
} catch (e) {
  const missing = !existsSync(join(root, 'node_modules', '@tensorflow', 'tfjs-node'))
  notes.push(
    missing
      ? `@tensorflow/tfjs-node (native TensorFlow) could not be installed: its libtensorflow download failed, so npm skipped this optional package. LR Lab trains on the WebAssembly backend instead and says so in the app and the CLI. Retry with "npm install @tensorflow/tfjs-node".`
      : `@tensorflow/tfjs-node is installed but does not load (${String(e.message).split('\n')[0]}). LR Lab will use the WebAssembly backend.`,
  )
}

if (notes.length) {
  console.warn('\nLR Lab install notes:')
  for (const n of notes) console.warn(`  - ${n}`)
  console.warn('')
} else {
  console.log('LR Lab: Electron and tfjs-node (native TensorFlow) are installed.')
}
