/**
 * The foundation path through the browser bridge: the built renderer in Chromium, real
 * training in a trainer process, real run folders: start, watch the charts grow, stop,
 * reload, find the run, open it, export its CSV.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Papa from 'papaparse'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { tempDir } from '../helpers/service'
import { ARTIFACTS, launchChromium, startServe, type ServeProcess } from './browser'

let serve: ServeProcess
let browser: Browser
let page: Page
const dataDir = tempDir('lrlab-e2e-')

const points = async (testId: string): Promise<number> => Number((await page.getByTestId(testId).getAttribute('data-points')) ?? 0)

beforeAll(async () => {
  serve = await startServe(dataDir)
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
  page.on('pageerror', (e) => console.error('page error:', e.message))
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

describe('browser bridge: the foundation path', () => {
  it('trains live, stops, survives a reload and exports a CSV', async () => {
    await page.goto(serve.url)
    await expect.poll(() => page.getByTestId('backend-badge').textContent(), { timeout: 30_000 }).toMatch(/wasm|cpu|tensorflow/)
    await page.getByTestId('lr-input').fill('0.01')
    await page.getByTestId('schedule-select').selectOption('exponential')
    await page.getByTestId('gamma-input').fill('0.9999')
    await page.getByTestId('epochs-input').fill('200000')
    await page.getByTestId('start-button').click()

    // The charts gain points while the run streams. A trainer on native TensorFlow first loads
    // its ~600 MB library: seconds on a quiet machine, far more on a busy one.
    const firstPoints = process.env.LRLAB_BACKEND === 'tensorflow' ? 150_000 : 30_000
    await expect.poll(() => points('chart-loss'), { timeout: firstPoints }).toBeGreaterThan(0)
    const first = await points('chart-loss')
    await expect.poll(() => points('chart-loss'), { timeout: 30_000 }).toBeGreaterThan(first)
    expect(await points('chart-lr')).toBeGreaterThan(0)
    await expect.poll(() => page.getByTestId('progress').textContent(), { timeout: 10_000 }).toMatch(/steps\/s/)
    // The run's backend; on wasm, LR Lab's fast kernels are marked and named in the tooltip.
    const badge = page.getByTestId('backend-badge')
    if (process.env.LRLAB_BACKEND === 'tensorflow') {
      // npm run test:tensorflow: the run trains on native TensorFlow, forced, and the badge says so.
      await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toMatch(/tensorflow\s*forced/)
    } else {
      // auto: the badge says how it chose for this model (measured, or why only one backend loads).
      await expect.poll(() => page.getByTestId('backend-choice').textContent(), { timeout: 10_000 }).toMatch(/× faster than (tensorflow|wasm)|only one loads/)
      await expect.poll(() => badge.getAttribute('title')).toMatch(/auto chose (wasm \(tuned\)|tensorflow) — /)
    }
    if (/wasm/.test((await badge.textContent()) ?? '')) {
      await expect.poll(() => badge.getAttribute('title')).toMatch(/fast kernels[^\n]*BatchMatMul: SIMD GEMM/)
      expect(await page.getByTestId('backend-tuned').textContent()).toBe('tuned')
    }
    await page.screenshot({ path: join(ARTIFACTS, 'foundation-live.png') })

    await page.getByTestId('stop-button').click()
    await expect.poll(() => page.getByTestId('status-text').textContent(), { timeout: 30_000 }).toMatch(/stopped/)

    const runs = new RunStore(dataDir).list()
    expect(runs.length).toBe(1)
    const run = runs[0]!
    expect(run.status).toBe('stopped')

    await page.reload()
    const item = page.locator(`[data-testid="run-item"][data-run-id="${run.id}"]`)
    await expect.poll(() => item.count(), { timeout: 30_000 }).toBe(1)
    expect(await item.textContent()).toMatch(/stopped/)
    await item.click()
    await expect.poll(() => points('chart-loss'), { timeout: 30_000 }).toBe(run.steps)

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv-button').click()])
    const path = join(ARTIFACTS, 'foundation-export.csv')
    await download.saveAs(path)
    const parsed = Papa.parse<Record<string, string>>(readFileSync(path, 'utf8').trim(), { header: true })
    expect(parsed.errors).toEqual([])
    expect(parsed.data.length).toBe(run.steps)
    expect(parsed.meta.fields!.slice(0, 5)).toEqual(['step', 'epoch', 'elapsed', 'lr', 'loss'])
    parsed.data.forEach((row, i) => expect(Number(row.step)).toBe(i))
    // The exponential decay per epoch, as configured: lr = 0.01 · 0.9999^epoch.
    const last = parsed.data[parsed.data.length - 1]!
    expect(Number(last.lr)).toBeCloseTo(0.01 * 0.9999 ** Number(last.epoch), 12)
    await page.screenshot({ path: join(ARTIFACTS, 'foundation-reloaded.png') })
  })
})
