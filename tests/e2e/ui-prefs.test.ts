/**
 * Preferences survive a reload through every way of changing them (toolbar, keys, theme,
 * view), with no control having to save them; damaged stored prefs lose only the damaged field.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/service'
import { appReady, openApp, type ServeProcess } from './browser'

let serve: ServeProcess
let browser: Browser
let page: Page

const ready = (): Promise<void> => appReady(page)

const stored = (): Promise<Record<string, unknown>> => page.evaluate(() => JSON.parse((globalThis as any).localStorage.getItem('lrlab.prefs.v1') ?? '{}'))

beforeAll(async () => {
  ;({ serve, browser, page } = await openApp(tempDir('lrlab-ui-prefs-')))
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

describe('preferences', () => {
  it('are kept across a reload whichever control changed them', async () => {
    await page.getByTestId('x-mode-epoch').click()
    await page.getByTestId('log-lr-toggle').check()
    await page.getByTestId('theme-toggle').click() // system → light
    await page.locator('body').click({ position: { x: 5, y: 300 } })
    await page.keyboard.press('l') // log loss, by key
    await page.keyboard.press('s') // smoothing 0.6 → 0, by key
    await page.getByTestId('view-library').click()
    await expect.poll(stored).toEqual({ smoothing: 0, xMode: 'epoch', logLoss: true, logLr: true, theme: 'light', view: 'library' })

    await page.reload()
    await ready()
    expect(await page.getByTestId('view-library').getAttribute('aria-current')).toBe('page')
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.dataset.theme)).toBe('light')
    await page.getByTestId('view-dashboard').click()
    expect(await page.getByTestId('x-mode-epoch').getAttribute('aria-pressed')).toBe('true')
    expect(await page.getByTestId('log-loss-toggle').isChecked()).toBe(true)
    expect(await page.getByTestId('log-lr-toggle').isChecked()).toBe(true)
    expect(await page.getByTestId('smoothing-slider').inputValue()).toBe('0')
  })

  it('a damaged field falls back to its default and the others are kept', async () => {
    await page.evaluate(() => (globalThis as any).localStorage.setItem('lrlab.prefs.v1', JSON.stringify({ smoothing: 'lots', xMode: 'time', theme: 42, logLr: true })))
    await page.reload()
    await ready()
    expect(await page.getByTestId('x-mode-time').getAttribute('aria-pressed')).toBe('true')
    expect(await page.getByTestId('smoothing-slider').inputValue()).toBe('0.6')
    expect(await page.getByTestId('log-lr-toggle').isChecked()).toBe(true)
    expect(await page.getByTestId('theme-toggle').textContent()).toContain('system')
  })
})
