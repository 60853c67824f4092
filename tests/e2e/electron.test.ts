/**
 * The desktop app itself, through Playwright's Electron driver. Runs where Electron's
 * binary is installed; elsewhere (offline machines, our CI) it is skipped with the reason.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { _electron as electron } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/service'
import { ARTIFACTS, ROOT } from './browser'

function electronBinary(): string | null {
  if (process.env.ELECTRON_EXEC_PATH) return existsSync(process.env.ELECTRON_EXEC_PATH) ? process.env.ELECTRON_EXEC_PATH : null
  const dir = join(ROOT, 'node_modules', 'electron')
  try {
    const exe = join(dir, 'dist', readFileSync(join(dir, 'path.txt'), 'utf8').trim())
    return existsSync(exe) ? exe : null
  } catch {
    return null
  }
}

const exe = electronBinary()
const reason = "Electron's binary is not installed here (its download fails on this machine); run `npx install-electron` where it can download"

describe.skipIf(!exe)(`desktop app via Electron${exe ? '' : ` — skipped: ${reason}`}`, () => {
  it('opens the window, trains through IPC and lists the run', async () => {
    const app = await electron.launch({ executablePath: exe!, args: [join(ROOT, 'out', 'main', 'index.js')], env: { ...process.env, LRLAB_DATA_DIR: tempDir('lrlab-electron-') } })
    try {
      const page = await app.firstWindow()
      // The preload exposes exactly one typed API and no ipcRenderer.
      expect(await page.evaluate(() => typeof (globalThis as any).lrlab?.startRun)).toBe('function')
      expect(await page.evaluate(() => typeof (globalThis as any).require)).toBe('undefined')
      await page.getByTestId('epochs-input').fill('300')
      await page.getByTestId('start-button').click()
      await expect.poll(() => page.getByTestId('status-text').textContent(), { timeout: 60_000 }).toMatch(/finished/)
      expect(Number(await page.getByTestId('chart-loss').getAttribute('data-points'))).toBeGreaterThan(0)
      await expect.poll(() => page.getByTestId('run-item').count()).toBeGreaterThan(0)
      await page.screenshot({ path: join(ARTIFACTS, 'electron-window.png') })
    } finally {
      await app.close()
    }
  })
})

if (!exe) console.warn(`[skipped] Electron end-to-end test: ${reason}`)
