/**
 * The run library in the built renderer through the real `serve`: two saved runs overlaid
 * (legend shows both, toggling hides one), rename, delete and undo (checked on disk), and
 * CSV exports (one run long-format per epoch, the comparison of both) read back.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Papa from 'papaparse'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { tempDir } from '../helpers/service'
import { appReady, ARTIFACTS, launchChromium, type ServeProcess, startServe } from './browser'

let serve: ServeProcess
let browser: Browser
let page: Page
const dataDir = tempDir('lrlab-ui-library-')
const store = new RunStore(dataDir)

async function trainRun(name: string, lr: string): Promise<string> {
  await page.getByTestId('name-input').fill(name)
  await page.getByTestId('lr-input').fill(lr)
  await page.getByTestId('schedule-select').selectOption('constant')
  await page.getByTestId('epochs-input').fill('30')
  await page.getByTestId('start-button').click()
  // The run is on disk as finished, and the page shows it so.
  const deadline = Date.now() + 30_000
  for (;;) {
    const run = store.list().find((r) => r.name === name && r.status === 'finished')
    if (run) {
      await row(run.id).locator('.status', { hasText: 'finished' }).waitFor({ timeout: 10_000 })
      return run.id
    }
    if (Date.now() > deadline) throw new Error(`run ${name} did not finish in 30 s`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const row = (id: string) => page.locator(`[data-testid="run-item"][data-run-id="${id}"]`)
const chartSeries = async (): Promise<string> => (await page.getByTestId('chart-loss').getAttribute('data-series')) ?? ''

async function csvOf(click: () => Promise<void>, file: string): Promise<Papa.ParseResult<Record<string, string>>> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()])
  const path = join(ARTIFACTS, file)
  await download.saveAs(path)
  return Papa.parse<Record<string, string>>(readFileSync(path, 'utf8').trim(), { header: true })
}

let alpha = ''
let beta = ''

beforeAll(async () => {
  serve = await startServe(dataDir)
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
  page.on('pageerror', (e) => console.error('page error:', e.message))
  await page.goto(serve.url)
  await appReady(page)
  alpha = await trainRun('alpha', '0.01')
  beta = await trainRun('beta', '0.02')
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

describe('run library', () => {
  it('overlays two saved runs; the legend toggles one off and on', async () => {
    await page.reload()
    await row(alpha).click()
    await row(beta).getByTestId('run-select').check()
    const legend = page.getByTestId('run-legend').locator('li')
    await expect.poll(() => legend.count()).toBe(2)
    expect(await page.getByTestId('run-legend').textContent()).toMatch(/alpha[\s\S]*beta/)
    await expect.poll(chartSeries).toMatch(/alpha/)
    expect(await chartSeries()).toMatch(/beta/)
    await page.screenshot({ path: join(ARTIFACTS, 'ui-library-overlay.png') })

    await legend.filter({ hasText: 'beta' }).locator('button.toggle').click()
    await expect.poll(chartSeries).not.toMatch(/beta/)
    expect(await chartSeries()).not.toBe('')
    await legend.filter({ hasText: 'beta' }).locator('button.toggle').click()
    await expect.poll(chartSeries).toMatch(/beta/)
  })

  it('renames a run in place and saves it to the run folder', async () => {
    await row(alpha).click()
    const input = page.getByTestId('rename-input')
    await input.fill('alpha renamed')
    await input.press('Enter')
    await expect.poll(() => store.load(alpha).manifest.name).toBe('alpha renamed')
    await expect.poll(() => row(alpha).textContent()).toMatch(/alpha renamed/)
  })

  it('deletes a run and brings it back with Undo', async () => {
    await row(beta).click()
    await page.getByTestId('delete-run-button').click()
    await expect.poll(() => row(beta).count()).toBe(0)
    expect(store.list().map((r) => r.id)).not.toContain(beta)
    await page.getByTestId('undo-button').click()
    await expect.poll(() => row(beta).count()).toBe(1)
    expect(store.list().map((r) => r.id)).toContain(beta)
  })

  it('exports one run per epoch in long format and the comparison of two runs', async () => {
    await row(alpha).click()
    await page.getByTestId('export-level').selectOption('epoch')
    await page.getByTestId('export-format').selectOption('long')
    const long = await csvOf(() => page.getByTestId('export-run-button').click(), 'ui-library-alpha-epochs-long.csv')
    expect(long.errors).toEqual([])
    expect(long.meta.fields).toEqual(['step', 'epoch', 'metric', 'value'])
    const losses = long.data.filter((r) => r.metric === 'loss')
    expect(losses.map((r) => Number(r.epoch))).toEqual(Array.from({ length: 30 }, (_, i) => i))
    const saved = store.load(alpha).epochs
    losses.forEach((r, i) => expect(Number(r.value)).toBe(saved['loss']![i]))

    await row(beta).getByTestId('run-select').check()
    const cmp = await csvOf(() => page.getByTestId('export-comparison-button').click(), 'ui-library-comparison.csv')
    expect(cmp.errors).toEqual([])
    expect(cmp.data.map((r) => r.name).sort()).toEqual(['alpha renamed', 'beta'])
    expect(cmp.data.find((r) => r.name === 'beta')!.lr).toBe('0.02')
  })
})
