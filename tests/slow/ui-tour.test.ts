/**
 * A tour of the UI with real training through the real `serve`: a real preset fills every
 * dashboard chart, the LR range test view runs and carries a suggestion into the builder,
 * and each view is photographed in the light and the dark theme (artifacts/ui-tour-*.png).
 */
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findPreset } from '../../shared/presets'
import { tempDir } from '../helpers/service'
import { ARTIFACTS, openApp, type ServeProcess } from '../e2e/browser'

let serve: ServeProcess
let browser: Browser
let page: Page
const dataDir = tempDir('lrlab-ui-tour-')

const points = async (testId: string): Promise<number> => Number((await page.getByTestId(testId).getAttribute('data-points')) ?? 0)

async function shoot(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(scheme)
    await page.waitForTimeout(150)
    await page.screenshot({ path: join(ARTIFACTS, `ui-tour-${name}-${scheme}.png`) })
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

async function usePreset(name: string): Promise<void> {
  const presets = page.locator('[data-testid="presets"]')
  if ((await presets.getAttribute('open')) === null) await presets.locator('summary').click()
  await page.getByTestId(`preset-${name}`).click()
}

beforeAll(async () => {
  ;({ serve, browser, page } = await openApp(dataDir))
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

describe('UI tour', () => {
  it('shows the newcomer empty state', async () => {
    await page.getByTestId('empty-state').waitFor()
    await shoot('empty')
  })

  it('a real preset fills every dashboard chart', async () => {
    const preset = findPreset('digits-mlp')
    expect(preset, 'the digits-mlp preset (one-cycle, Adam, norm clipping, an MLP) exists').toBeDefined()
    await usePreset('digits-mlp')
    await page.getByTestId('start-button').click()
    await page.getByTestId('status-text').filter({ hasText: 'finished' }).waitFor({ timeout: 300_000 })
    for (const chart of ['chart-loss', 'chart-lr', 'chart-momentum', 'chart-grad-norm', 'chart-update-ratio']) {
      await expect.poll(() => points(chart), { message: chart }).toBeGreaterThan(0)
    }
    // One-cycle over the run: the lr chart has as many steps as the loss chart.
    expect(await points('chart-lr')).toBe(await points('chart-loss'))
    expect(await page.getByTestId('progress').textContent()).toMatch(/[1-9][\d.]*k? steps\/s avg/)
    await page.getByTestId('chart-loss').hover({ position: { x: 300, y: 100 } })
    await page.getByTestId('chart-loss-tooltip').waitFor()
    await shoot('dashboard')
    await page.getByTestId('view-library').click()
    await shoot('library')
  })

  it('runs the LR range test and applies a suggestion to the builder', async (ctx) => {
    await page.getByTestId('view-finder').click()
    const blocked = page.getByTestId('finder-blocked')
    if ((await blocked.count()) && /not available/.test((await blocked.textContent()) ?? '')) {
      ctx.skip(true, 'findLr is not in the API of this service yet')
    }
    if (findPreset('article-range-test')) await usePreset('article-range-test')
    await page.getByTestId('finder-run').click()
    await page.getByTestId('finder-suggestions').waitFor({ timeout: 120_000 })
    expect(await points('chart-finder')).toBeGreaterThan(10)
    const valley = page.locator('[data-testid="suggestion"][data-rule="valley"]')
    const lr = Number(await valley.getAttribute('data-lr'))
    expect(lr).toBeGreaterThan(0)
    await page.getByTestId('apply-lr-valley').click()
    expect(Number(await page.getByTestId('lr-input').inputValue())).toBeCloseTo(Number(lr.toPrecision(3)), 12)
    await shoot('finder')
  })
})
