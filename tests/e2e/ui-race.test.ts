/**
 * The race view driven in Chromium through the real `serve`: a 6-member sweep (3 LRs × 2
 * schedules, one diverges) runs to the end; the leaderboard's order follows the members' final
 * validation losses and the sensitivity curve's points equal the sweep report CSV's.
 */
import { join } from 'node:path'
import Papa from 'papaparse'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/service'
import { appReady, ARTIFACTS, launchChromium, type ServeProcess, startServe } from './browser'
import { connectApi, type WsApi } from './ws-client'

let serve: ServeProcess
let browser: Browser
let page: Page
let api: WsApi
const dataDir = tempDir('lrlab-ui-race-')

const spec = {
  name: 'e2e race',
  base: { data: { kind: 'linreg', n: 100 }, model: { kind: 'linear', init: { weight: [[0.5]], bias: [-0.2] } }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 50 },
  grid: { 'optimizer.lr': [0.001, 0.01, 0.05], schedule: [{ type: 'constant' }, { type: 'cosine' }] },
}

beforeAll(async () => {
  serve = await startServe(dataDir)
  api = await connectApi(serve.url)
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  page.on('pageerror', (e) => console.error('page error:', e.message))
  await page.goto(serve.url)
  await appReady(page)
})

afterAll(async () => {
  api?.close()
  await browser?.close()
  await serve?.stop()
})

const rowsOf = (testId: string) =>
  page
    .getByTestId(testId)
    .locator('tbody tr')
    .evaluateAll((trs: any[]): Record<string, string>[] => trs.map((tr) => ({ ...tr.dataset, value: tr.querySelector('[data-value]')?.getAttribute('data-value') ?? tr.dataset.value })))

describe('sweep race', () => {
  it('refuses a bad spec with the member and field, then runs a 6-member sweep to the end', async () => {
    await page.getByTestId('view-race').click()
    await page.getByTestId('race-spec').fill(JSON.stringify({ ...spec, grid: { 'optimizer.lr': [0.01, -1] } }))
    await page.getByTestId('race-start').click()
    await expect.poll(() => page.getByTestId('error-line').textContent()).toMatch(/member 1 \(lr=-1\): optimizer\.lr/)
    await page.getByTestId('race-spec').fill('{ not json')
    await page.getByTestId('race-start').click()
    await expect.poll(() => page.getByTestId('race-spec-error').textContent()).toMatch(/not valid JSON/)

    await page.getByTestId('race-spec').fill(JSON.stringify(spec))
    await page.getByTestId('race-parallel').fill('2')
    await page.getByTestId('race-start').click()
    await expect.poll(() => page.getByTestId('race-status').getAttribute('data-status'), { timeout: 400_000, interval: 1000 }).toBe('done')
    // Every ended member is loaded from its folder: the leaderboard has a value or a death for each.
    await expect.poll(async () => (await rowsOf('race-leaderboard')).filter((r) => r.value !== '' || r.status === 'diverged').length, { timeout: 60_000 }).toBe(6)
    await expect.poll(async () => (await rowsOf('race-sensitivity-points')).length, { timeout: 60_000 }).toBe(6)

    const [sweep] = await api.call<any[]>('listSweeps')
    const { csv } = await api.call<{ csv: string }>('exportSweepCsv', sweep.id)
    const report = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data
    expect(report).toHaveLength(6)
    expect(report.filter((r) => r.status === 'diverged').map((r) => r.label)).toEqual(['lr=0.05 schedule=constant'])

    // Leaderboard (by val loss): finished members by final val loss, the diverged one last.
    const board = await rowsOf('race-leaderboard')
    const expected = [...report].sort((a, b) => (a.status === 'diverged' ? 1 : 0) - (b.status === 'diverged' ? 1 : 0) || Number(a.final_val_loss) - Number(b.final_val_loss))
    expect(board.map((r) => r.member)).toEqual(expected.map((r) => r.member))
    for (const row of board.filter((r) => r.status !== 'diverged')) {
      expect(Number(row.value)).toBe(Number(report.find((r) => r.member === row.member)!.final_val_loss))
    }
    expect(await page.getByTestId('race-leaderboard').locator('tr.dead').textContent()).toMatch(/diverged at step \d+/)

    // Sensitivity curve: one point per member at its LR with its final val loss; the diverged one marked.
    const points = await rowsOf('race-sensitivity-points')
    for (const p of points) {
      const r = report.find((x) => x.member === p.member)!
      expect(Number(p.lr)).toBe(Number(r['axis:optimizer.lr']))
      if (r.status === 'diverged') expect(p.diverged).toBe('true')
      else expect(Number(p.value)).toBe(Number(r.final_val_loss))
    }

    await page.getByTestId('race-chart-sensitivity').scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(ARTIFACTS, 'race-1280x800.png'), fullPage: true })
    await page.getByTestId('race-chart-sensitivity').screenshot({ path: join(ARTIFACTS, 'race-sensitivity-1280x800.png') })
    await page.setViewportSize({ width: 1024, height: 700 })
    await page.screenshot({ path: join(ARTIFACTS, 'race-1024x700.png'), fullPage: true })
    await page.setViewportSize({ width: 1280, height: 800 })

    // One click: the best member's config in the builder.
    await page.getByTestId('race-apply-best').click()
    const best = expected[0]!
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain(best.label)
  }, 600_000)
})
