/**
 * What got in a practitioner's way in their first hour (issue 15), in the built renderer
 * through the real `serve` and Chromium: only Start and Ctrl+Enter start a run.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { tempDir } from '../helpers/service'
import { appReady, launchChromium, type ServeProcess, startServe } from './browser'

let serve: ServeProcess
let browser: Browser
let page: Page
const dataDir = tempDir('lrlab-ui-first-hour-')
const runCount = (): number => new RunStore(dataDir).list().length

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

/** A start in flight shows "Starting…" at once (the trainer may take seconds to create the run's folder). */
const startReason = (): Promise<string | null> => page.locator('.start-reason').textContent()
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 1000))

describe('starting a run', () => {
  it('Enter in a builder field and the PNG buttons do not start a run; Start and Ctrl+Enter do', async () => {
    await page.getByTestId('epochs-input').fill('3')
    await page.getByTestId('lr-input').fill('0.02')
    for (const id of ['lr-input', 'epochs-input', 'seed-input', 'name-input']) {
      await page.getByTestId(id).press('Enter')
      await settle()
      expect(await startReason(), `Enter in ${id}`).toMatch(/Ready/)
    }
    await page.getByTestId('schedule-preview-png').click()
    await settle()
    expect(await startReason(), 'PNG click').toMatch(/Ready/)
    await page.getByTestId('schedule-preview-png').press('Enter')
    await settle()
    expect(await startReason(), 'Enter on PNG').toMatch(/Ready/)
    expect(runCount()).toBe(0)

    await page.getByTestId('seed-input').press('Control+Enter')
    await expect.poll(runCount, { timeout: 20_000 }).toBe(1)
    await page.getByTestId('start-button').click()
    await expect.poll(runCount, { timeout: 20_000 }).toBe(2)
    await settle()
    expect(runCount()).toBe(2)
  })
})

describe('LR finder suggestions', () => {
  it('a cyclic suggestion gets a half-cycle that fits the run; a cycle that cannot complete is flagged', async () => {
    await page.getByTestId('epochs-input').fill('20')
    await page.getByTestId('schedule-select').selectOption('cyclic')
    await page.getByTestId('schedule-stepUnit-input').selectOption('epoch')
    await page.getByTestId('schedule-stepSizeUp-input').fill('2000')
    await expect.poll(() => page.getByTestId('schedule-warning').textContent(), { timeout: 5000 }).toMatch(/first cycle .* does not complete within the run \(20 epochs\)/)

    await page.getByTestId('schedule-select').selectOption('constant')
    await page.getByTestId('view-finder').click()
    await page.getByTestId('finder-run').click()
    await page.getByTestId('apply-cyclic').waitFor({ timeout: 120_000 })
    await page.getByTestId('apply-cyclic').click()
    expect(await page.getByTestId('schedule-select').inputValue()).toBe('cyclic')
    const half = Number(await page.getByTestId('schedule-stepSizeUp-input').inputValue())
    // Smith: 2–10 epochs' worth, the whole cycle inside the 20-epoch run.
    expect(half).toBeGreaterThanOrEqual(2)
    expect(2 * half).toBeLessThanOrEqual(20)
    expect(await page.getByTestId('schedule-warning').count()).toBe(0)
    expect(await page.getByTestId('notice').textContent()).toMatch(new RegExp(`half-cycle ${half} epochs`))
  })

  it('"Use as lr" sets the peak a one-cycle or cyclic schedule owns, and says so', async () => {
    const row = page.getByTestId('suggestion').first()
    const rule = (await row.getAttribute('data-rule'))!
    const lr = String(Number(Number(await row.getAttribute('data-lr')).toPrecision(3)))

    await page.getByTestId('schedule-select').selectOption('one-cycle')
    await page.getByTestId('schedule-maxLr-input').fill('0.5')
    const lrBefore = await page.getByTestId('lr-input').inputValue()
    await page.getByTestId(`apply-lr-${rule}`).click()
    expect(await page.getByTestId('schedule-maxLr-input').inputValue()).toBe(lr)
    expect(await page.getByTestId('lr-input').inputValue()).toBe(lrBefore)
    expect(await page.getByTestId('notice').textContent()).toMatch(/one-cycle maxLr = .*sets the peak/)

    await page.getByTestId('schedule-select').selectOption('cyclic')
    await page.getByTestId('schedule-baseLr-input').fill('5')
    await page.getByTestId('schedule-maxLr-input').fill('9')
    await page.getByTestId(`apply-lr-${rule}`).click()
    expect(await page.getByTestId('schedule-maxLr-input').inputValue()).toBe(lr)
    // The base follows below the new peak, so the schedule stays valid.
    expect(Number(await page.getByTestId('schedule-baseLr-input').inputValue())).toBeLessThanOrEqual(Number(lr))
    expect(await page.getByTestId('start-disabled-reason').count()).toBe(0)
  })
})

describe('readouts', () => {
  it('show raw and smoothed, labelled, and name the same step on every chart', async () => {
    await page.getByTestId('view-dashboard').click()
    await page.getByTestId('schedule-select').selectOption('constant')
    await page.getByTestId('epochs-input').fill('300')
    await page.getByTestId('validation-split-input').fill('0.2')
    const before = runCount()
    await page.getByTestId('start-button').click()
    await expect.poll(runCount, { timeout: 30_000 }).toBe(before + 1)
    await expect.poll(() => page.getByTestId('status-text').textContent(), { timeout: 120_000 }).toBe('finished')

    const readoutOf = (chart: string) => page.locator(`section.chart-card:has([data-testid=${chart}]) .readout`)
    const stepOf = async (chart: string) => (await readoutOf(chart).locator('.rx').textContent())?.trim()
    // Without a cursor: the step the run ended at, on both charts (the val point one step on does not move it).
    await expect.poll(() => stepOf('chart-loss')).toBe('step 299')
    expect(await stepOf('chart-lr')).toBe('step 299')
    expect(await readoutOf('chart-loss').textContent()).toMatch(/train\s*smoothed\s*[\d.e-]+\s*raw\s*[\d.e-]+/)

    // At one cursor position every synced chart names the same step.
    const box = (await page.getByTestId('chart-loss').boundingBox())!
    for (const f of [0.23, 0.5, 0.81]) {
      await page.mouse.move(box.x + box.width * f, box.y + box.height / 2)
      await expect.poll(() => stepOf('chart-loss')).not.toBe('step 299')
      const loss = await stepOf('chart-loss')
      expect(await stepOf('chart-lr')).toBe(loss)
    }
  })
})
