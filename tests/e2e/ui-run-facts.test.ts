/**
 * What practitioners look for first (issue 15, items 5 and 6), in the built renderer through
 * the real `serve`: a classifier's validation accuracy charted, in the library, the summary
 * and the CSV; a saved run's config and summary in its details; the overlaid runs' config diff.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { tempDir } from '../helpers/service'
import { appReady, ARTIFACTS, launchChromium, type ServeProcess, startServe } from './browser'

let serve: ServeProcess
let browser: Browser
let page: Page
const dataDir = tempDir('lrlab-ui-run-facts-')
const finished = (): number => new RunStore(dataDir).list().filter((r) => r.status === 'finished').length

beforeAll(async () => {
  serve = await startServe(dataDir)
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
  page.on('pageerror', (e) => console.error('page error:', e.message))
  await page.goto(serve.url)
  await appReady(page)
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

describe('a classifier run', () => {
  it('charts, lists, summarises and exports its validation accuracy', async () => {
    await page.getByTestId('preset-digits-mlp').click()
    await page.getByTestId('epochs-input').fill('3')
    await page.getByTestId('start-button').click()
    const chart = page.getByTestId('chart-metric')
    await chart.waitFor({ timeout: 60_000 })
    expect(await page.locator('section[aria-label^="Validation accuracy"]').count()).toBe(1)
    await expect.poll(() => chart.getAttribute('data-series'), { timeout: 60_000 }).toBe('val|train')
    await expect.poll(finished, { timeout: 120_000 }).toBe(1)
    await expect.poll(() => page.getByTestId('status-text').textContent(), { timeout: 30_000 }).toBe('finished')

    expect(await page.getByTestId('sort-finalValMetric').textContent()).toMatch(/^val accuracy/)
    await expect.poll(async () => Number(await page.getByTestId('run-val-metric').first().textContent()), { timeout: 10_000 }).toBeGreaterThan(0)
    await expect.poll(() => page.getByTestId('run-summary').textContent(), { timeout: 10_000 }).toMatch(/final val accuracy\s*0\.\d+/)

    await page.getByTestId('export-level').selectOption('epoch')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-run-button').click()])
    const header = readFileSync((await download.path())!, 'utf8')
      .split('\n')[0]!
      .split(',')
    expect(header).toContain('val_accuracy')
    expect(header).toContain('train_accuracy')
    expect(header).not.toContain('val_metric')
  })

  it("shows a run's config in its details, and the overlaid runs' config diff", async () => {
    const config = page.getByTestId('run-config')
    expect(await config.textContent()).toMatch(/optimizer\s*adam/)
    expect(await config.textContent()).toMatch(/schedule\.maxLr\s*0\.01/)
    expect(await config.textContent()).toMatch(/clipping\.maxNorm\s*1/)
    expect(await page.getByTestId('rerun-button').textContent()).toMatch(/Fill builder/)

    // Two more runs that differ in lr and in batch size, then all three overlaid.
    await page.getByTestId('lr-input').fill('0.005')
    await page.getByTestId('start-button').click()
    await expect.poll(finished, { timeout: 120_000 }).toBe(2)
    await page.getByTestId('batch-size-input').fill('64')
    await page.getByTestId('rerun-now-button').waitFor()
    await page.getByTestId('start-button').click()
    await expect.poll(finished, { timeout: 120_000 }).toBe(3)
    const boxes = page.getByTestId('run-select')
    for (let i = 0; i < 3; i++) if (!(await boxes.nth(i).isChecked())) await boxes.nth(i).check()
    const diff = page.getByTestId('config-diff')
    await diff.waitFor({ timeout: 10_000 })
    await expect
      .poll(async () => (await diff.locator('[data-testid=config-diff-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')))).sort(), { timeout: 10_000 })
      .toEqual(['batchSize', 'optimizer.lr'])
    await page.screenshot({ path: join(ARTIFACTS, 'ui-run-facts-overlay.png'), fullPage: true })
  })
})
