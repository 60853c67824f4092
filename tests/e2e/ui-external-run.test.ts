/**
 * A run the CLI trains in another process, watched in an open page (issue 15, item 2): the
 * page streams it live from its files with the same charts, says another process controls it
 * (Pause/Stop disabled with the reason), keeps streaming after a reload mid-run, and shows
 * the status the run ends with.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/service'
import { ARTIFACTS, openApp, ROOT, type ServeProcess } from './browser'

let serve: ServeProcess
let browser: Browser
let page: Page
const dataDir = tempDir('lrlab-ui-external-')

beforeAll(async () => {
  ;({ serve, browser, page } = await openApp(dataDir))
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

const points = async (): Promise<number> => Number((await page.getByTestId('chart-loss').getAttribute('data-points')) ?? 0)

describe('a run started by the CLI', () => {
  it('streams live in the open page, controlled elsewhere, through a reload, to its end', async () => {
    const cfg = join(dataDir, 'cli.json')
    writeFileSync(cfg, JSON.stringify({ name: 'from the CLI', data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1_000_000 }))
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'lrlab.mjs'), 'train', '--config', cfg, '--data-dir', dataDir, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>((r) => child.on('exit', r))
    try {
      await expect.poll(() => page.getByTestId('status-text').textContent(), { timeout: 60_000 }).toBe('running')
      await expect.poll(points, { timeout: 30_000 }).toBeGreaterThan(0)
      const first = await points()
      await expect.poll(points, { timeout: 30_000 }).toBeGreaterThan(first)
      expect(await page.getByTestId('external-note').textContent()).toMatch(/controlled by another process/)
      expect(await page.getByTestId('stop-button').isDisabled()).toBe(true)
      expect(await page.getByTestId('pause-button').isDisabled()).toBe(true)
      expect(await page.getByTestId('stop-button').getAttribute('title')).toMatch(/stop it there/)
      await page.screenshot({ path: join(ARTIFACTS, 'ui-external-run-live.png') })

      // A reload mid-run: the rows so far from the files, then live again (not a frozen snapshot).
      await page.reload()
      await expect.poll(() => page.getByTestId('status-text').textContent(), { timeout: 30_000 }).toBe('running')
      await expect.poll(points, { timeout: 30_000 }).toBeGreaterThan(first)
      const afterReload = await points()
      await expect.poll(points, { timeout: 30_000 }).toBeGreaterThan(afterReload)
      // The stream joined mid-run adds to the loaded rows without a gap: steps 0…n-1, each once.
      const held = (await page.evaluate(`(() => {
        const canvas = document.querySelector('[data-testid=chart-loss]')
        const last = canvas.closest('section').querySelector('.readout .rx')?.textContent ?? ''
        return { rows: Number(canvas.getAttribute('data-points')), lastStep: Number(last.replace(/[^0-9]/g, '')) }
      })()`)) as { rows: number; lastStep: number }
      // The readout's x is the newest point of any line: the last step, or the end of the last epoch (its val point, one step on).
      expect(held.rows).toBeGreaterThanOrEqual(held.lastStep)
      expect(held.rows).toBeLessThanOrEqual(held.lastStep + 1)

      child.kill('SIGINT')
      expect(await exited).toBe(4)
      await expect.poll(() => page.getByTestId('status-text').textContent(), { timeout: 30_000 }).toBe('stopped')
      expect(await page.getByTestId('external-note').count()).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
