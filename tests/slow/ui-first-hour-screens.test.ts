/**
 * Screenshots for issue 15's "done when", at 1280×800 and 1024×700, light and dark: the
 * builder, a classifier's live dashboard (val accuracy), a CLI run streaming live in an open
 * page, the run details with config, three runs overlaid with their config diff, the range
 * test mid-sweep. Written to artifacts/first-hour/ to be looked at.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { tempDir } from '../helpers/service'
import { appReady, ARTIFACTS, launchChromium, ROOT, type ServeProcess, startServe } from '../e2e/browser'

const OUT = join(ARTIFACTS, 'first-hour')
mkdirSync(OUT, { recursive: true })
const SIZES = [
  [1280, 800],
  [1024, 700],
] as const

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

async function shoot(page: Page, theme: string, name: string, focus?: string): Promise<void> {
  for (const [w, h] of SIZES) {
    await page.setViewportSize({ width: w, height: h })
    await new Promise((r) => setTimeout(r, 400))
    if (focus) await page.getByTestId(focus).scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(OUT, `${name}-${w}x${h}-${theme}.png`) })
  }
}

describe.each(['light', 'dark'])('screens, %s theme', (theme) => {
  let serve: ServeProcess
  let page: Page
  const dataDir = tempDir(`lrlab-screens-${theme}-`)
  beforeAll(async () => {
    serve = await startServe(dataDir)
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    await context.addInitScript(`if (!localStorage.getItem('lrlab.prefs.v1')) localStorage.setItem('lrlab.prefs.v1', JSON.stringify({ theme: '${theme}' }))`)
    page = await context.newPage()
    await page.goto(serve.url)
    await appReady(page)
  })
  afterAll(async () => {
    await serve?.stop()
  })

  it('takes them', async () => {
    await page.getByTestId('preset-digits-mlp').click()
    await shoot(page, theme, '1-builder')

    await page.getByTestId('epochs-input').fill('12')
    await page.getByTestId('start-button').click()
    await expect
      .poll(
        async () =>
          Number(
            await page
              .getByTestId('chart-metric')
              .getAttribute('data-points')
              .catch(() => 0),
          ),
        { timeout: 180_000 },
      )
      .toBeGreaterThan(1)
    await shoot(page, theme, '2-classifier-live')
    await expect.poll(() => page.getByTestId('status-text').textContent(), { timeout: 300_000 }).toBe('finished')

    const cfg = join(dataDir, 'cli.json')
    writeFileSync(
      cfg,
      JSON.stringify({ name: 'from the CLI', data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, schedule: { type: 'cosine-restarts', t0: 100, stepUnit: 'epoch' }, epochs: 1_000_000 }),
    )
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'lrlab.mjs'), 'train', '--config', cfg, '--data-dir', dataDir, '--json'], { cwd: ROOT, stdio: 'ignore' })
    try {
      // Another run has the focus: open the CLI's from the library, where it shows up live.
      const row = page.getByTestId('run-item').filter({ hasText: 'from the CLI' })
      await row.waitFor({ timeout: 60_000 })
      await row.click()
      await expect.poll(async () => (await page.getByTestId('external-note').count()) > 0, { timeout: 60_000 }).toBe(true)
      await new Promise((r) => setTimeout(r, 4000))
      await shoot(page, theme, '3-cli-run-live')
    } finally {
      child.kill('SIGINT')
    }
    await expect.poll(() => page.getByTestId('status-text').textContent(), { timeout: 30_000 }).toBe('stopped')

    // Two more digits runs that differ, for the overlay.
    for (const lr of ['0.003', '0.03']) {
      await page.getByTestId('epochs-input').fill('4')
      await page.getByTestId('schedule-maxLr-input').fill(lr)
      const before = new RunStore(dataDir).list().length
      await page.getByTestId('start-button').click()
      await expect.poll(() => new RunStore(dataDir).list().filter((r) => r.status === 'finished').length, { timeout: 300_000 }).toBe(before)
    }
    await page.getByTestId('run-item').filter({ hasText: 'digits' }).last().click()
    await page.getByTestId('run-config').waitFor()
    await shoot(page, theme, '4-run-details', 'run-config')

    const digits = page.getByTestId('run-item').filter({ hasText: 'digits' })
    for (let i = 0; i < 3; i++) {
      const box = digits.nth(i).getByTestId('run-select')
      if (!(await box.isChecked()) && !(await box.isDisabled())) await box.check()
    }
    await page.getByTestId('config-diff').waitFor()
    await page.getByTestId('view-dashboard').click()
    await shoot(page, theme, '5-overlay-charts')
    await shoot(page, theme, '5-overlay-config-diff', 'config-diff')

    await page.getByTestId('view-finder').click()
    await page.getByTestId('finder-num-iter').fill('3000')
    await page.getByTestId('finder-run').click()
    await page.getByTestId('finder-progress').waitFor({ timeout: 60_000 })
    await new Promise((r) => setTimeout(r, 1500))
    await shoot(page, theme, '6-range-test-mid-sweep')
    await page.getByTestId('finder-suggestions').waitFor({ timeout: 300_000 })
    await shoot(page, theme, '6-range-test-done')
  })
})
