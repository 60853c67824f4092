/**
 * The run library with 1,000 saved runs, in the built renderer through the real `serve`:
 * only a window of rows is in the DOM, scrolling to the bottom shows the last run, sorting,
 * search and the overlay tick still work, arrow keys walk past the rendered window, and the
 * table fits 1280×800 (no column pushed out of view). Screenshots in light and dark.
 */
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { writeSyntheticRun } from '../../electron/bench/synthetic-runs'
import { tempDir } from '../helpers/service'
import { ARTIFACTS, launchChromium, startServe, type ServeProcess } from './browser'

const RUNS = 1000
let serve: ServeProcess
let browser: Browser
let page: Page
const dataDir = tempDir('lrlab-ui-library-many-')
const ids: string[] = []

const items = () => page.locator('[data-testid="run-item"]')
const list = () => page.getByTestId('run-list')

/** Whether the row's box lies inside the scrolled list's visible box. */
async function rowInView(id: string): Promise<boolean> {
  return list().evaluate((wrap, runId) => {
    const tr = wrap.querySelector(`[data-testid="run-item"][data-run-id="${runId}"]`)
    if (!tr) return false
    const a = wrap.getBoundingClientRect()
    const b = tr.getBoundingClientRect()
    return b.top >= a.top - 1 && b.bottom <= a.bottom + 1
  }, id)
}

beforeAll(async () => {
  const store = new RunStore(dataDir)
  // Zero-padded names: name order is creation order.
  for (let i = 0; i < RUNS; i++) ids.push(writeSyntheticRun(store, { steps: 20, seed: i, name: `run ${String(i).padStart(4, '0')}` }))
  serve = await startServe(dataDir)
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  page.on('pageerror', (e) => console.error('page error:', e.message))
  await page.goto(serve.url)
  await page.getByTestId('view-library').click()
  await page.locator('.library .count', { hasText: `${RUNS}/${RUNS}` }).waitFor({ timeout: 60_000 })
}, 300_000)

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

describe('run library with 1,000 runs', () => {
  it('renders only a window of rows, and the last run after scrolling to the bottom', async () => {
    const shown = await items().count()
    expect(shown).toBeGreaterThan(5)
    expect(shown).toBeLessThan(100)
    // Newest first: the first run created is last.
    const first = ids[0]!
    expect(await rowInView(first)).toBe(false)
    await list().evaluate((el) => (el.scrollTop = el.scrollHeight))
    await expect.poll(() => rowInView(first)).toBe(true)
    expect(await items().count()).toBeLessThan(100)
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.screenshot({ path: join(ARTIFACTS, `ui-library-1000-bottom-${scheme}.png`) })
    }
    await list().evaluate((el) => (el.scrollTop = 0))
    await expect.poll(() => rowInView(ids[RUNS - 1]!)).toBe(true)
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.screenshot({ path: join(ARTIFACTS, `ui-library-1000-${scheme}.png`) })
    }
    await page.emulateMedia({ colorScheme: 'light' })
  })

  it('fits 1280×800: no column is pushed out of the list', async () => {
    const [scrollW, clientW] = await list().evaluate((el) => [el.scrollWidth, el.clientWidth])
    expect(scrollW).toBeLessThanOrEqual(clientW)
    const backend = page.locator('th', { hasText: 'backend' })
    const [th, wrap] = await Promise.all([backend.boundingBox(), list().boundingBox()])
    expect(th!.x + th!.width).toBeLessThanOrEqual(wrap!.x + wrap!.width + 1)
  })

  it('sorts and searches over all runs, not just the rendered ones', async () => {
    await page.getByTestId('sort-name').click()
    // Ascending by name: run 0000 first.
    await expect.poll(() => items().first().getAttribute('data-run-id')).toBe(ids[0])
    await page.getByTestId('sort-name').click()
    await expect.poll(() => items().first().getAttribute('data-run-id')).toBe(ids[RUNS - 1])
    await page.getByTestId('run-search').fill('run 0500')
    await expect.poll(() => items().count()).toBe(1)
    expect(await items().first().getAttribute('data-run-id')).toBe(ids[500])
    await page.getByTestId('run-search').fill('')
    await expect.poll(() => items().count()).toBeGreaterThan(5)
  })

  it('ticks a run for the overlay, and the tick survives scrolling it out and back', async () => {
    const row = page.locator(`[data-testid="run-item"][data-run-id="${ids[RUNS - 1]}"]`)
    await row.getByTestId('run-select').check()
    await list().evaluate((el) => (el.scrollTop = el.scrollHeight))
    await expect.poll(() => row.count()).toBe(0)
    await list().evaluate((el) => (el.scrollTop = 0))
    await expect.poll(() => row.getByTestId('run-select').isChecked()).toBe(true)
  })

  it('walks rows with the arrow keys past the rendered window', async () => {
    await items().first().focus()
    for (let i = 0; i < 150; i++) await page.keyboard.press('ArrowDown')
    // Sorted by name descending: the 151st row is run 0849.
    const focused = await page.evaluate(`document.activeElement?.getAttribute('data-run-id') ?? null`)
    expect(focused).toBe(ids[RUNS - 1 - 150])
    expect(await rowInView(ids[RUNS - 1 - 150]!)).toBe(true)
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('tr.focus').getAttribute('data-run-id')).toBe(ids[RUNS - 1 - 150])
  })
})
