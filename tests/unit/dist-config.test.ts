/**
 * The installer configuration, checked as far as it can be without downloading Electron or the
 * packagers' tools: electron-builder's own schema validation, the fuses, targets, what is
 * unpacked from asar, that the files the app loads at run time are packed, and that
 * `npm run dist` stops with a clear message where Electron's binary is missing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(__dirname, '..', '..')
const require = createRequire(import.meta.url)
const config = JSON.parse(readFileSync(join(ROOT, 'electron-builder.json'), 'utf8'))
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))

/** The glob matcher electron-builder itself uses for `files` and `asarUnpack`. */
const { minimatch } = require(require.resolve('minimatch', { paths: [require.resolve('app-builder-lib')] })) as { minimatch: (file: string, pattern: string) => boolean }
const packed = (file: string): boolean => {
  let inc = false
  for (const pattern of config.files as string[]) {
    if (pattern.startsWith('!')) inc = inc && !minimatch(file, pattern.slice(1))
    else inc = inc || minimatch(file, pattern)
  }
  return inc
}

describe('electron-builder configuration', () => {
  it("passes electron-builder's own schema validation", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js')
    const { DebugLogger } = require('builder-util')
    const { $comment: _c, ...cfg } = config
    await expect(validateConfiguration(cfg, new DebugLogger(false))).resolves.toBeUndefined()
    // And refuses a wrong one, so the check is real.
    await expect(validateConfiguration({ ...cfg, electronFuses: { runAsNode: 'no' } }, new DebugLogger(false))).rejects.toThrow(/runAsNode/)
  })

  it('sets the production fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
    })
    // RunAsNode off breaks child_process.fork from main: trainers must be utility processes.
    const main = readFileSync(join(ROOT, 'electron', 'main', 'index.ts'), 'utf8')
    expect(main).toMatch(/utilityProcess\.fork\(/)
    expect(main).not.toMatch(/child_process|nodeTrainerSpawner/)
  })

  it('builds AppImage and .deb on Linux, dmg on macOS, nsis on Windows', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.mac.target).toEqual(['dmg'])
    expect(config.win.target).toEqual(['nsis'])
    expect(existsSync(join(ROOT, config.linux.icon))).toBe(true)
  })

  it('unpacks the native TensorFlow addon and the wasm files from asar', () => {
    const unpacked = (f: string) => (config.asarUnpack as string[]).some((p) => minimatch(f, p))
    expect(unpacked('node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node')).toBe(true)
    expect(unpacked('node_modules/@tensorflow/tfjs-node/deps/lib/libtensorflow.so.2')).toBe(true)
    const wasmDir = join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')
    const wasm = readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))
    expect(wasm.length).toBeGreaterThan(0)
    for (const f of wasm) expect(unpacked(`node_modules/@tensorflow/tfjs-backend-wasm/dist/${f}`), f).toBe(true)
    // The packages themselves ship as production dependencies (electron-builder packs those).
    expect(pkg.dependencies['@tensorflow/tfjs-backend-wasm']).toBeDefined()
    expect(pkg.optionalDependencies['@tensorflow/tfjs-node']).toBeDefined()
  })

  it('packs every file the app loads at run time, and no source maps', () => {
    for (const f of [pkg.main, 'out/main/trainer.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'out/renderer/assets/index-abc.js', 'build/icon.png', 'package.json'])
      expect(packed(f), f).toBe(true)
    expect(packed('out/main/index.js.map')).toBe(false)
    expect(packed('electron/main/index.ts')).toBe(false)
    expect(packed('tests/unit/dist-config.test.ts')).toBe(false)
  })
})

describe('npm run dist', () => {
  it("fails fast, naming what is missing, where Electron's binary is not installed", () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'dist.mjs')], { encoding: 'utf8', env: { ...process.env, ELECTRON_EXEC_PATH: join(ROOT, 'no-such-electron') } })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/Electron's binary is not installed/)
    expect(r.stderr).toMatch(/npx install-electron/)
    expect(existsSync(join(ROOT, 'dist'))).toBe(false)
  })
})
