/**
 * A 1,000,000-step run opened through the page (real `serve`, real Chromium): the loss and
 * gradient-norm charts show the file's true min and max over the whole run, and after a
 * zoom (dragged on the chart) over the zoomed range, both for a ~10k-step window (every
 * row) and a wide one (min/max per pixel): no planted spike or dip is lost.
 */
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { writeSyntheticRun } from '../../electron/bench/synthetic-runs'
import type { LoadedRun } from '../../shared/api'
import { tempDir } from '../helpers/service'
import { ARTIFACTS, openApp, type ServeProcess } from './browser'

const STEPS = 1_000_000
const PLANT = [
  { step: 777_777, column: 'loss', value: 1e4 }, // the run's max
  { step: 333_333, column: 'loss', value: 1e-4 }, // the run's min
  { step: 200_000, column: 'loss', value: 2_000 }, // max of the wide zoom
  { step: 505_050, column: 'loss', value: 3_000 }, // max of the narrow zoom
  { step: 505_500, column: 'loss', value: 2e-3 }, // min of the narrow zoom
  { step: 600_001, column: 'grad_norm', value: 1e3 },
]

let serve: ServeProcess
let browser: Browser
let page: Page
let id = ''
let run: LoadedRun
// A second, short run of the same columns: opening it after the big one redraws the same charts.
let otherId = ''
let other: LoadedRun

/** True min,max of a column over the steps in [lo, hi] (step = row here), as the chart formats them. */
function truth(column: string, lo = -Infinity, hi = Infinity, of: LoadedRun = run): string {
  const y = of.steps[column]!
  const step = of.steps.step!
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < y.length; i++) {
    if (step[i]! < lo || step[i]! > hi || Number.isNaN(y[i]!)) continue
    min = Math.min(min, y[i]!)
    max = Math.max(max, y[i]!)
  }
  return `${min},${max}`
}

const attr = async (testid: string, name: string): Promise<string> => (await page.getByTestId(testid).getAttribute(name)) ?? ''

/** Drag across the loss chart from one step to another (the x range the page then zooms to). */
async function zoomTo(fromStep: number, toStep: number): Promise<[number, number]> {
  await page.dblclick('[data-testid="chart-loss"] .u-over')
  await expect.poll(() => attr('chart-loss', 'data-x-range')).toBe(`0,${STEPS - 1}`)
  const box = (await page.locator('[data-testid="chart-loss"] .u-over').boundingBox())!
  const px = (s: number) => box.x + (s / (STEPS - 1)) * box.width
  const y = box.y + box.height / 2
  await page.mouse.move(px(fromStep), y)
  await page.mouse.down()
  await page.mouse.move((px(fromStep) + px(toStep)) / 2, y, { steps: 3 })
  await page.mouse.move(px(toStep), y, { steps: 3 })
  await page.mouse.up()
  await expect.poll(() => attr('chart-loss', 'data-x-range')).not.toBe(`0,${STEPS - 1}`)
  const [lo, hi] = (await attr('chart-loss', 'data-x-range')).split(',').map(Number) as [number, number]
  return [lo, hi]
}

beforeAll(async () => {
  const dataDir = tempDir('lrlab-big-run-')
  const store = new RunStore(dataDir)
  id = writeSyntheticRun(store, { steps: STEPS, plant: PLANT, name: 'million steps' })
  run = store.load(id)
  otherId = writeSyntheticRun(store, { steps: 5_000, seed: 7, name: 'five thousand steps' })
  other = store.load(otherId)
  ;({ serve, browser, page } = await openApp(dataDir))
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

describe('a million-step run in the page', () => {
  it("draws the file's true min and max of the whole run", async () => {
    await page.locator(`[data-testid="run-item"][data-run-id="${id}"]`).click()
    await expect.poll(() => attr('chart-loss', 'data-y-range'), { timeout: 60_000 }).toBe(truth('loss'))
    expect(truth('loss')).toBe('0.0001,10000')
    await expect.poll(() => attr('chart-grad-norm', 'data-y-range')).toBe(truth('grad_norm'))
    expect(await attr('chart-loss', 'data-x-range')).toBe(`0,${STEPS - 1}`)
    // The page holds a few thousand rows per chart, not a million.
    expect(Number(await attr('chart-loss', 'data-points'))).toBeLessThan(50_000)
    await page.screenshot({ path: join(ARTIFACTS, 'big-run-full.png') })
  })

  it('shows every row of a ~10k-step zoom, the planted spike and dip included', async () => {
    const [lo, hi] = await zoomTo(500_000, 511_000)
    expect(lo).toBeLessThan(505_050)
    expect(hi).toBeGreaterThan(505_500)
    expect(hi - lo).toBeLessThan(20_000)
    // Every step of the window is in the chart's data (the first zoom reads the run from disk).
    await expect.poll(() => attr('chart-loss', 'data-points'), { timeout: 60_000 }).toBe(String(Math.floor(hi) - Math.ceil(lo) + 1))
    await expect.poll(() => attr('chart-loss', 'data-y-range'), { timeout: 30_000 }).toBe(truth('loss', lo, hi))
    expect(truth('loss', lo, hi)).toBe('0.002,3000')
    await page.screenshot({ path: join(ARTIFACTS, 'big-run-zoomed.png') })
  })

  it("keeps each pixel's extremes over a wide zoom", async () => {
    const [lo, hi] = await zoomTo(150_000, 400_000)
    expect(lo).toBeLessThan(200_000)
    expect(hi).toBeGreaterThan(333_333)
    await expect.poll(() => attr('chart-loss', 'data-y-range'), { timeout: 30_000 }).toBe(truth('loss', lo, hi))
    expect(truth('loss', lo, hi)).toBe('0.0001,2000')
    await expect.poll(() => attr('chart-grad-norm', 'data-y-range')).toBe(truth('grad_norm', lo, hi))
    await page.setViewportSize({ width: 1024, height: 700 })
    await page.screenshot({ path: join(ARTIFACTS, 'big-run-wide-zoom-1024.png') })
  })

  it('draws another run of the same columns into the charts it has (no new plot per run)', async () => {
    // uPlot's root element of each chart: a rebuilt chart would replace it.
    const plots = await Promise.all(['chart-loss', 'chart-lr', 'chart-grad-norm'].map((t) => page.locator(`[data-testid="${t}"] .uplot`).elementHandle()))
    await page.locator(`[data-testid="run-item"][data-run-id="${otherId}"]`).click()
    // The click scrolled the library into view: charts off screen draw when they are back.
    await page.getByTestId('chart-loss').scrollIntoViewIfNeeded()
    await expect.poll(() => attr('chart-loss', 'data-y-range'), { timeout: 30_000 }).toBe(truth('loss', -Infinity, Infinity, other))
    await expect.poll(() => attr('chart-grad-norm', 'data-y-range')).toBe(truth('grad_norm', -Infinity, Infinity, other))
    expect(await attr('chart-loss', 'data-x-range')).toBe(`0,${5_000 - 1}`)
    for (const p of plots) expect(await p!.evaluate((el) => el.isConnected)).toBe(true)
  })
})
