/**
 * The desktop app's commands in browser mode, through the real `serve` and Chromium: the CSP
 * blocks injected inline script; the command menu lists the menu bar's commands; About; Open
 * run… with a colleague's damaged run as a .zip (opened read-only, damage shown, copied in);
 * Export run as .zip read back; a .zip and a .csv dropped on the window; and a notification
 * when a run finishes while the page is not focused, which opens the run when clicked.
 */
import { readFileSync, truncateSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { unzipSync } from 'fflate'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { writeSyntheticRun } from '../../electron/bench/synthetic-runs'
import { zipRunFolder } from '../../electron/storage/run-archive'
import { commandLabel, visibleCommands } from '../../shared/commands'
import { tempDir } from '../helpers/service'
import { appReady, ARTIFACTS, launchChromium, type ServeProcess, startServe } from './browser'

let serve: ServeProcess
let browser: Browser
let context: BrowserContext
let page: Page
const dataDir = tempDir('lrlab-ui-commands-')
const store = new RunStore(dataDir)

/** A colleague's run with a damaged steps file, as a .zip on disk. */
function colleagueZip(name: string): { id: string; zip: string } {
  const theirs = new RunStore(tempDir('lrlab-colleague-'))
  const id = writeSyntheticRun(theirs, { steps: 3000, epochs: 30, name })
  const steps = join(theirs.runDir(id), 'steps.arrow')
  truncateSync(steps, Math.floor(statSync(steps).size * 0.7))
  const zip = join(tempDir('lrlab-zips-'), `${id}.zip`)
  writeFileSync(zip, zipRunFolder(theirs.runDir(id)))
  return { id, zip }
}

async function openMenu(): Promise<void> {
  if (!(await page.getByTestId('command-menu').isVisible())) await page.getByTestId('command-menu-button').click()
  await page.getByTestId('command-menu').waitFor()
}

/** Drop files on the window as a user would (a DataTransfer carrying File objects). */
async function dropFiles(files: { name: string; type: string; bytes: number[] }[]): Promise<void> {
  await page.evaluate((fs) => {
    const g = globalThis as any // the page's window (this file is typed for Node)
    const dt = new g.DataTransfer()
    for (const f of fs) dt.items.add(new g.File([new Uint8Array(f.bytes)], f.name, { type: f.type }))
    g.dispatchEvent(new g.DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }))
    g.dispatchEvent(new g.DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }))
  }, files)
}

beforeAll(async () => {
  serve = await startServe(dataDir)
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
  await context.grantPermissions(['notifications'], { origin: new URL(serve.url).origin })
  // Record each notification the page shows (and still show it): the test clicks the recorded one.
  await context.addInitScript(() => {
    const g = globalThis as any
    const Real = g.Notification
    const shown: { title: string; body: string; click: () => void }[] = []
    g.__notices = shown
    class Recording extends Real {
      constructor(title: string, o?: { body?: string }) {
        super(title, o)
        shown.push({ title, body: o?.body ?? '', click: () => (this as any).onclick?.(new Event('click')) })
      }
    }
    Object.defineProperty(Recording, 'permission', { get: () => Real.permission })
    g.Notification = Recording
  })
  page = await context.newPage()
  page.on('pageerror', (e) => console.error('page error:', e.message))
  await page.goto(serve.url)
  await appReady(page)
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

describe('browser mode: the desktop commands', () => {
  it('serves a CSP that stops injected inline script', async () => {
    const res = await page.request.get(serve.url)
    const csp = res.headers()['content-security-policy'] ?? ''
    expect(csp).toMatch(/script-src 'self'/)
    expect(csp).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\d+/)
    const result = await page.evaluate(async () => {
      const g = globalThis as any
      const violations: string[] = []
      g.document.addEventListener('securitypolicyviolation', (e: { violatedDirective: string }) => violations.push(e.violatedDirective))
      const s = g.document.createElement('script')
      s.textContent = 'window.__inlineRan = true'
      g.document.body.append(s)
      const img = g.document.createElement('img')
      img.setAttribute('onerror', 'window.__handlerRan = true')
      img.src = 'data:,broken'
      g.document.body.append(img)
      await new Promise((r) => setTimeout(r, 300))
      return { inline: g.__inlineRan ?? false, handler: g.__handlerRan ?? false, violations }
    })
    expect(result.inline).toBe(false)
    expect(result.handler).toBe(false)
    expect(result.violations.some((v) => v.startsWith('script-src'))).toBe(true)
  })

  it('lists the menu bar commands (less desktop-only ones) with their keys, and Ctrl+K opens it', async () => {
    await page.keyboard.press('Control+k')
    await page.getByTestId('command-menu').waitFor()
    const labels = await page.locator('[data-testid="command-menu"] [role="menuitem"] span').allTextContents()
    expect(labels).toEqual(visibleCommands(false).map((c) => commandLabel(c, false)))
    expect(await page.getByTestId('command-open-data-folder').count()).toBe(0)
    // No run in focus yet: the run commands are greyed out.
    expect(await page.getByTestId('command-export-zip').isDisabled()).toBe(true)
    expect(await page.getByTestId('command-start-run').locator('kbd').textContent()).toBe('Ctrl+Enter')
    await page.screenshot({ path: join(ARTIFACTS, 'command-menu-1280.png') })
    await page.setViewportSize({ width: 1024, height: 700 })
    await page.screenshot({ path: join(ARTIFACTS, 'command-menu-1024.png') })
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.keyboard.press('Escape')
    await expect.poll(() => page.getByTestId('command-menu').count()).toBe(0)
  })

  it('About names the versions and the data folder', async () => {
    await openMenu()
    await page.getByTestId('command-about').click()
    const about = page.getByTestId('about-dialog')
    await about.waitFor()
    const text = (await about.textContent()) ?? ''
    expect(text).toContain(dataDir)
    expect(text).toMatch(/TensorFlow\.js\s*4\.22\.0/)
    expect(text).toMatch(/Node \(service\)\s*\d+\.\d+/)
    await page.screenshot({ path: join(ARTIFACTS, 'about-dialog.png') })
    await page.keyboard.press('Escape')
    await expect.poll(() => about.count()).toBe(0)
  })

  it("opens a colleague's damaged run from a .zip, shows what is damaged, and copies it in on request", async () => {
    const { id, zip } = colleagueZip('colleague: adam on a cluster')
    await openMenu()
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('command-open-run').click()])
    await chooser.setFiles(zip)
    await page.getByTestId('opened-banner').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('opened-banner').textContent()).toContain(`${id}.zip`)
    await page.locator('.warn-line', { hasText: 'steps.arrow' }).waitFor()
    await expect.poll(async () => Number(await page.getByTestId('chart-loss').getAttribute('data-points'))).toBeGreaterThan(0)
    const row = page.locator(`[data-testid="run-item"][data-run-id="${id}"]`)
    await row.waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'opened-foreign-run.png') })
    await page.setViewportSize({ width: 1024, height: 700 })
    await page.screenshot({ path: join(ARTIFACTS, 'opened-foreign-run-1024.png') })
    await page.setViewportSize({ width: 1280, height: 800 })
    expect(existsSync(store.runDir(id))).toBe(false)

    await page.getByTestId('keep-opened-button').click()
    await expect.poll(() => existsSync(store.runDir(id))).toBe(true)
    await expect.poll(() => page.getByTestId('opened-banner').count()).toBe(0)
    expect(store.load(id).manifest.name).toBe('colleague: adam on a cluster')
  })

  it('opens a run folder chosen in the browser (its files zipped in the page), damage and all', async () => {
    const theirs = new RunStore(tempDir('lrlab-colleague-folder-'))
    const id = writeSyntheticRun(theirs, { steps: 2000, epochs: 20, name: 'colleague: a folder from the cluster' })
    truncateSync(join(theirs.runDir(id), 'steps.arrow'), Math.floor(statSync(join(theirs.runDir(id), 'steps.arrow')).size * 0.7))
    await openMenu()
    expect(await page.getByTestId('command-open-run').textContent()).toContain('Open run .zip…')
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('command-open-run-folder').click()])
    await chooser.setFiles(theirs.runDir(id))
    await page.getByTestId('opened-banner').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('opened-banner').textContent()).toContain(`${id}.zip`)
    await page.locator('.warn-line', { hasText: 'steps.arrow' }).waitFor()
    await expect.poll(async () => Number(await page.getByTestId('chart-loss').getAttribute('data-points'))).toBeGreaterThan(0)
    await page.locator(`[data-testid="run-item"][data-run-id="${id}"]`).waitFor()
    await page.screenshot({ path: join(ARTIFACTS, 'opened-foreign-folder.png') })
    expect(existsSync(store.runDir(id))).toBe(false)
  })

  it('a .zip that is not a run is refused with the reason, and nothing is listed', async () => {
    const bad = join(tempDir('lrlab-zips-'), 'holiday-photos.zip')
    writeFileSync(bad, 'PK\u0003\u0004 not really a zip')
    const before = await page.getByTestId('run-item').count()
    await openMenu()
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('command-open-run').click()])
    await chooser.setFiles(bad)
    await expect.poll(() => page.getByTestId('error-line').textContent()).toMatch(/Could not open the run: holiday-photos\.zip: not a readable zip/)
    expect(await page.getByTestId('run-item').count()).toBe(before)
    await page.getByTestId('error-line').getByRole('button').click()
  })

  it('exports the focused run as a .zip that holds the run folder', async () => {
    await openMenu()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('command-export-zip').click()])
    const path = join(ARTIFACTS, download.suggestedFilename())
    await download.saveAs(path)
    const files = unzipSync(new Uint8Array(readFileSync(path)))
    const id = download.suggestedFilename().replace(/\.zip$/, '')
    expect(Object.keys(files).sort()).toEqual(expect.arrayContaining([`${id}/manifest.json`, `${id}/steps.arrow`, `${id}/epochs.arrow`]))
    expect(JSON.parse(new TextDecoder().decode(files[`${id}/manifest.json`]!)).id).toBe(id)
  })

  it('a dropped .zip opens the run; a dropped .csv becomes the dataset; anything else is refused', async () => {
    const { id, zip } = colleagueZip('dropped run')
    await dropFiles([{ name: `${id}.zip`, type: 'application/zip', bytes: [...readFileSync(zip)] }])
    await page.locator(`[data-testid="run-item"][data-run-id="${id}"]`).waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('opened-banner').textContent()).toContain(`${id}.zip`)

    await dropFiles([{ name: 'houses.csv', type: 'text/csv', bytes: [...Buffer.from('area,rooms,price\n50,2,100\n80,3,160\n')] }])
    await expect.poll(() => page.getByTestId('data-select').inputValue()).toBe('csv')
    const csvPath = await page.getByTestId('data-path-input').inputValue()
    expect(csvPath.startsWith(join(dataDir, 'datasets'))).toBe(true)
    expect(readFileSync(csvPath, 'utf8')).toContain('area,rooms,price')

    await dropFiles([{ name: 'notes.txt', type: 'text/plain', bytes: [104, 105] }])
    await expect.poll(() => page.getByTestId('error-line').textContent()).toMatch(/notes\.txt: drop a run's folder or \.zip, or a \.csv/)
    await page.getByTestId('error-line').getByRole('button').click()
  })

  it('notifies when a run finishes while the page is not focused; the click opens the run', async () => {
    await page.getByTestId('data-select').selectOption('linreg')
    await page.getByTestId('epochs-input').fill('40')
    await page.evaluate(() => ((globalThis as any).document.hasFocus = () => false))
    await page.getByTestId('start-button').click()
    await expect.poll(async () => page.evaluate(() => ((globalThis as any).__notices as { title: string }[]).map((n) => n.title)), { timeout: 60_000 }).toContain('Run finished')
    const finished = store.list().find((r) => r.status === 'finished' && !r.name.startsWith('colleague') && r.name !== 'dropped run')!
    const focused = (id: string) => page.locator(`[data-testid="run-item"][data-run-id="${id}"]`).getAttribute('class')
    // Look at another run, then click the notification: the finished run comes back into focus.
    const other = store.list().find((r) => r.id !== finished.id)!
    await page.locator(`[data-testid="run-item"][data-run-id="${other.id}"]`).click()
    await expect.poll(() => focused(other.id)).toMatch(/focus/)
    await page.evaluate(() => {
      const n = ((globalThis as any).__notices as { title: string; click: () => void }[]).find((x) => x.title === 'Run finished')!
      n.click()
    })
    await expect.poll(() => focused(finished.id)).toMatch(/focus/)
  })
})
