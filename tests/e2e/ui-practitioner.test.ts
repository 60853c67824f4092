/**
 * More of a practitioner's first hour (issue 15), in the built renderer through the real
 * `serve` and Chromium: per-layer learning rates as a form with one preview line per group,
 * the builder's words for bad input, the task following the data, and the library's live rows.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { tempDir } from '../helpers/service'
import { launchChromium, startServe, type ServeProcess } from './browser'

let serve: ServeProcess
let browser: Browser
let page: Page
const dataDir = tempDir('lrlab-ui-practitioner-')
const store = new RunStore(dataDir)

beforeAll(async () => {
  serve = await startServe(dataDir)
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  page.on('pageerror', (e) => console.error('page error:', e.message))
  await page.goto(serve.url)
  await page
    .getByTestId('backend-badge')
    .filter({ hasText: /wasm|cpu|tensorflow/ })
    .waitFor({ timeout: 30_000 })
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

const previewSeries = (): Promise<string | null> => page.getByTestId('schedule-preview').getAttribute('data-series')
const startReason = (): Promise<string | null> => page.locator('.start-reason').textContent()
/** Fill the builder from a preset (the list folds away after each pick). */
async function usePreset(name: string): Promise<void> {
  const list = page.getByTestId('presets')
  if ((await list.getAttribute('open')) === null) await list.locator('summary').click()
  await page.getByTestId(`preset-${name}`).click()
}

describe('per-layer learning rates in the builder', () => {
  it('the fine-tune preset fills the group form, the preview draws one line per group, and a run records the form', async () => {
    await usePreset('digits-finetune')
    expect(await page.getByTestId('groups-mode-select').inputValue()).toBe('values')
    expect(await page.getByTestId('groups-layer-dense1-input').inputValue()).toBe('0.0001')
    expect(await page.getByTestId('groups-layer-head-lr').textContent()).toBe('0.001')
    await expect.poll(previewSeries).toBe('lr dense1|lr head')
    // The JSON fallback no longer carries the groups the form shows.
    expect(await page.getByTestId('more-input').inputValue()).not.toContain('paramGroups')

    // Multipliers: the head 10× the optimizer's lr; a bad factor is named with its layer.
    await page.getByTestId('groups-mode-select').selectOption('multipliers')
    await page.getByTestId('groups-layer-dense1-input').fill('')
    await page.getByTestId('groups-layer-head-input').fill('abc')
    await expect.poll(startReason).toMatch(/paramGroups\.layers\.head: /)
    await page.getByTestId('groups-layer-head-input').fill('10')
    await expect.poll(() => page.getByTestId('groups-layer-head-lr').textContent()).toBe('0.01')
    await expect.poll(previewSeries).toBe('lr dense1|lr head')

    // Freezing a layer takes its line out of the preview and says so.
    await page.getByTestId('groups-layer-dense1-freeze').check()
    await expect.poll(previewSeries).toBe('lr head')
    expect(await page.getByTestId('schedule-preview-frozen').textContent()).toMatch(/dense1/)

    // A one-layer-per-group model change: an MLP with two hidden layers lists three layers.
    await page.getByTestId('model-hidden-input').fill('32, 16')
    await expect.poll(() => page.getByTestId('groups-layer').count()).toBe(3)
    await page.getByTestId('groups-layer-dense1-freeze').uncheck()
    await page.getByTestId('groups-mode-select').selectOption('spread')
    await page.getByTestId('groups-firstLr-input').fill('1e-5')
    await expect.poll(previewSeries).toBe('lr dense1|lr dense2|lr head')
    expect(await page.getByTestId('groups-layer-dense2-lr').textContent()).toBe('0.0001')

    // Run what the form says (from fresh weights: no digits-mlp run to train first).
    await page.getByTestId('model-hidden-input').fill('64')
    await page.getByTestId('model-initFrom-input').fill('')
    await page.getByTestId('epochs-input').fill('1')
    await page.getByTestId('groups-mode-select').selectOption('values')
    await page.getByTestId('groups-layer-dense1-input').fill('0.0002')
    await expect.poll(startReason).toMatch(/Ready/)
    await page.getByTestId('start-button').click()
    // Edited from the preset, so named as such.
    await expect.poll(() => store.list().find((r) => r.name === 'digits: fine-tune (edited)'), { timeout: 60_000 }).toBeTruthy()
    const run = store.list().find((r) => r.name === 'digits: fine-tune (edited)')!
    expect(store.loadManifest(run.id).config.paramGroups).toEqual({ mode: 'values', layers: { dense1: 0.0002 }, freeze: [] })
  })
})

describe("the builder's words", () => {
  it('bad input reads like the friendly messages, and hidden sizes take "64, 64"', async () => {
    await page.getByTestId('epochs-input').fill('abc')
    await expect.poll(startReason).toBe('epochs: must be a number (got "abc")')
    await page.getByTestId('epochs-input').fill('3')
    await page.getByTestId('batch-size-input').fill('most')
    await expect.poll(startReason).toBe('batchSize: must be "full" or a number (got "most")')
    await page.getByTestId('batch-size-input').fill('32')
    await page.getByTestId('model-select').selectOption('mlp')
    await page.getByTestId('model-hidden-input').fill('64, 64')
    await expect.poll(() => page.getByTestId('groups-layer').count()).toBeGreaterThan(0)
    await page.getByTestId('groups-mode-select').selectOption('multipliers')
    await expect.poll(() => page.getByTestId('groups-layer').count()).toBe(3)
    await page.getByTestId('groups-mode-select').selectOption('none')
    await expect.poll(startReason).not.toMatch(/hidden/)
  })

  it('choosing a classification dataset with a regression loss proposes cross-entropy and an MLP', async () => {
    await page.getByTestId('model-select').selectOption('linear')
    await page.getByTestId('data-select').selectOption('linreg')
    await page.getByTestId('loss-select').selectOption('mse')
    expect(await page.getByTestId('task-advice').count()).toBe(0)
    await page.getByTestId('data-select').selectOption('digits')
    await expect.poll(() => page.getByTestId('task-advice').textContent()).toMatch(/digits is a classification task, but mse/)
    await page.getByTestId('task-advice-apply').click()
    expect(await page.getByTestId('loss-select').inputValue()).toBe('crossEntropy')
    expect(await page.getByTestId('model-select').inputValue()).toBe('mlp')
    await expect.poll(() => page.getByTestId('task-advice').count()).toBe(0)
    // And back: a regression with cross-entropy.
    await page.getByTestId('data-select').selectOption('sine')
    await expect.poll(() => page.getByTestId('task-advice').textContent()).toMatch(/sine is a regression task/)
    await page.getByTestId('task-advice-apply').click()
    expect(await page.getByTestId('loss-select').inputValue()).toBe('mse')
  })
})

describe('the library while a run trains', () => {
  it('a running row shows its steps and time so far, in a compact count', async () => {
    await usePreset('article-sgd')
    await page.getByTestId('epochs-input').fill('1000000')
    await page.getByTestId('start-button').click()
    await expect.poll(() => store.list().find((r) => r.name === 'article: constant SGD (edited)')?.id, { timeout: 30_000 }).toBeTruthy()
    const id = store.list().find((r) => r.name === 'article: constant SGD (edited)')!.id
    const row = page.locator(`[data-testid="run-item"][data-run-id="${id}"]`)
    await expect.poll(() => row.locator('.status').textContent(), { timeout: 30_000 }).toBe('running')
    // Past 10,000 steps the count is compact (12.3k), the exact figure in its title.
    await expect.poll(async () => Number((await row.getByTestId('run-steps').getAttribute('title'))?.replace(/,/g, '')), { timeout: 60_000 }).toBeGreaterThan(10_000)
    expect(await row.locator('.status').textContent()).toBe('running')
    expect(await row.getByTestId('run-steps').textContent()).toMatch(/^\d+(\.\d)?k$/)
    await expect.poll(() => row.getByTestId('run-time').textContent(), { timeout: 10_000 }).not.toBe('0:00')
    await page.getByTestId('stop-button').click()
    await expect.poll(() => row.locator('.status').textContent(), { timeout: 30_000 }).toBe('stopped')
  })
})

describe('a preset after edits', () => {
  it('its run name says "(edited)" once a setting differs, and the run is saved under that name', async () => {
    await usePreset('digits-mlp')
    expect(await page.getByTestId('name-input').inputValue()).toBe('digits: MLP one-cycle')
    await page.getByTestId('schedule-select').selectOption('cyclic')
    await expect.poll(() => page.getByTestId('name-input').inputValue()).toBe('digits: MLP one-cycle (edited)')
    await page.getByTestId('schedule-select').selectOption('one-cycle')
    await expect.poll(() => page.getByTestId('name-input').inputValue()).toBe('digits: MLP one-cycle')
    await page.getByTestId('schedule-select').selectOption('cyclic')
    await page.getByTestId('epochs-input').fill('1')
    await expect.poll(startReason).toMatch(/Ready/)
    await page.getByTestId('start-button').click()
    await expect.poll(() => store.list().find((r) => r.name === 'digits: MLP one-cycle (edited)')?.schedule, { timeout: 30_000 }).toBe('cyclic')
  })
})

describe('the backend badge', () => {
  it('shows the backend calmly under auto, with the whole story one click away', async () => {
    const badge = page.getByTestId('backend-badge')
    expect(await badge.getAttribute('class')).not.toMatch(/fallback/)
    expect(await badge.locator('.why').count()).toBe(0)
    await badge.getByTestId('backend-details-button').click()
    const details = await page.getByTestId('backend-details').textContent()
    expect(details).toMatch(/tfjs backend: (wasm|cpu|tensorflow)/)
    await page.getByTestId('backend-details').getByRole('button', { name: 'Close' }).click()
    expect(await page.getByTestId('backend-details').count()).toBe(0)
  })
})

describe('a diverged run', () => {
  it('is marked on the loss chart where the banner says, and the loss turns to log scale', async () => {
    await page.getByTestId('view-dashboard').click()
    if (await page.getByTestId('log-loss-toggle').isChecked()) await page.getByTestId('log-loss-toggle').uncheck()
    await usePreset('article-too-large')
    await page.getByTestId('start-button').click()
    const banner = page.getByTestId('divergence-banner')
    await banner.waitFor({ timeout: 60_000 })
    await expect.poll(() => page.getByTestId('chart-loss').getAttribute('data-pins'), { timeout: 10_000 }).toBe('✕ diverged')
    expect(await page.getByTestId('log-loss-toggle').isChecked()).toBe(true)
    // The banner's last finite loss is the readout's raw value at the same step.
    const text = (await banner.textContent())!.replace(/\s+/g, ' ')
    const [, loss, step] = /Last finite loss ([\d.e+-]+) at step (\d+)/.exec(text)!
    const readout = (await page.locator('section.chart-card:has([data-testid=chart-loss]) .readout').textContent())!.replace(/\s+/g, ' ')
    expect(readout).toContain(`step ${step} `)
    expect(readout).toMatch(new RegExp(`raw ${loss!.replace(/[.+]/g, '\\$&')}`))
    // Not saved as a preference; unticked by hand it stays linear.
    expect(await page.evaluate("localStorage.getItem('lrlab.prefs.v1')")).not.toMatch(/"logLoss":true/)
    await page.getByTestId('log-loss-toggle').uncheck()
    await new Promise((r) => setTimeout(r, 500))
    expect(await page.getByTestId('log-loss-toggle').isChecked()).toBe(false)
  })
})
