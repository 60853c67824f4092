/**
 * The desktop app itself, through Playwright's Electron driver. Runs where Electron's binary is
 * installed; elsewhere (offline machines, our CI) it is skipped with the reason. The built app's
 * entry points are checked everywhere.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { _electron as electron } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { tempDir } from '../helpers/service'
import { ARTIFACTS, ROOT } from './browser'
// @ts-expect-error: a plain .mjs helper shared with scripts/dist.mjs
import { electronBinary } from '../../scripts/electron-binary.mjs'

const exe = (electronBinary as () => string | null)()
const reason = "Electron's binary is not installed here (its download fails on this machine); run `npx install-electron` where it can download"

describe("the built app's entry points", () => {
  it('has the files electron/main loads, at the paths it loads them from', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    const main = readFileSync(join(ROOT, pkg.main), 'utf8')
    for (const [ref, file] of [
      ['../preload/index.cjs', 'out/preload/index.cjs'],
      ['trainer.js', 'out/main/trainer.js'],
      ['../renderer/index.html', 'out/renderer/index.html'],
      ['../../build/icon.png', 'build/icon.png'],
    ] as const) {
      expect(main, ref).toContain(`"${ref}"`)
      expect(existsSync(join(ROOT, file)), file).toBe(true)
    }
    // A sandboxed preload can require only electron.
    const preload = readFileSync(join(ROOT, 'out', 'preload', 'index.cjs'), 'utf8')
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron'])
  })
})

describe.skipIf(!exe)(`desktop app via Electron${exe ? '' : ` — skipped: ${reason}`}`, () => {
  it('trains a preset live, lists it, exports CSV through the save dialog, and quits with a run active without losing it', async () => {
    const dataDir = tempDir('lrlab-electron-')
    const app = await electron.launch({ executablePath: exe!, args: [join(ROOT, 'out', 'main', 'index.js')], env: { ...process.env, LRLAB_DATA_DIR: dataDir } })
    let closed = false
    app.on('close', () => (closed = true))
    try {
      const page = await app.firstWindow()
      // The preload exposes exactly one typed API and no ipcRenderer.
      expect(await page.evaluate(() => typeof (globalThis as any).lrlab?.startRun)).toBe('function')
      expect(await page.evaluate(() => typeof (globalThis as any).require)).toBe('undefined')
      expect(await page.evaluate(() => typeof (globalThis as any).lrlab?.send)).toBe('undefined')
      // The menu bar is ours.
      const menus = await app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.items.map((i) => i.label))
      expect(menus).toEqual(expect.arrayContaining(['File', 'Run', 'View', 'Help']))

      // A preset, trained live: the loss chart gains points while it runs.
      await page.getByTestId('presets').locator('summary').click()
      await page.locator('[data-testid^="preset-"]').first().click()
      await page.getByTestId('epochs-input').fill('400')
      await page.getByTestId('start-button').click()
      const points = async () => Number(await page.getByTestId('chart-loss').getAttribute('data-points'))
      await expect.poll(points, { timeout: 60_000 }).toBeGreaterThan(0)
      const first = await points()
      await expect.poll(points, { timeout: 60_000 }).toBeGreaterThan(first)
      await expect.poll(() => page.getByTestId('status-text').textContent(), { timeout: 120_000 }).toMatch(/finished/)
      await page.screenshot({ path: join(ARTIFACTS, 'electron-window.png') })

      // The library lists it.
      await page.getByTestId('view-library').click()
      await expect.poll(() => page.getByTestId('run-item').count()).toBeGreaterThan(0)

      // Export CSV: the save dialog is stubbed to answer with a path; main writes the file there.
      const csvPath = join(dataDir, 'export.csv')
      await app.evaluate(({ dialog }, path) => {
        dialog.showSaveDialog = (async () => ({ canceled: false, filePath: path })) as typeof dialog.showSaveDialog
      }, csvPath)
      await page.getByTestId('export-csv-button').click()
      await expect.poll(() => existsSync(csvPath)).toBe(true)
      expect(readFileSync(csvPath, 'utf8').split('\n')[0]).toMatch(/^step,/)

      // Quit while a run trains: the close question is answered "Stop runs and quit"; the run is kept, stopped.
      await page.getByTestId('epochs-input').fill('100000')
      await page.getByTestId('start-button').click()
      await expect.poll(() => page.getByTestId('status-text').textContent(), { timeout: 60_000 }).toMatch(/running/)
      await app.evaluate(({ dialog }) => {
        dialog.showMessageBox = (async () => ({ response: 0, checkboxChecked: false })) as typeof dialog.showMessageBox
      })
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close())
      await expect.poll(() => closed, { timeout: 30_000 }).toBe(true)
      const runs = new RunStore(dataDir).list()
      expect(runs.length).toBe(2)
      expect(runs.map((r) => r.status).sort()).toEqual(['finished', 'stopped'])
    } finally {
      if (!closed) await app.close()
    }
  })
})

if (!exe) console.warn(`[skipped] Electron end-to-end test: ${reason}`)
