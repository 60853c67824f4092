/**
 * Opening big saved runs in the real page: the built `serve` entry (its own process, as
 * `npm run serve` starts it) and headless Chromium, ten synthetic 1,000,000-step runs.
 *  - first complete chart: from the click on a run's library row to the frame after the loss
 *    chart shows the run's true min and max (each run has its own planted extremes, so the
 *    previous run's chart cannot pass for it), vs the bare file read of the same run
 *    (RunStore.load into typed arrays, warm, best of 5, in this process);
 *  - a zoomed ~10k-step window at full detail: from the mouse-up that ends the drag to the
 *    frame after the chart holds every step of the window and its true extremes;
 *  - the page's memory after opening the ten runs one after another (JS heap after a GC, and
 *    the renderer process's resident memory), and re-opening the first of them.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { RunStore } from '../storage'
import { writeSyntheticRun } from './synthetic-runs'
import { bestMs, type Figure } from './figure'

const STEPS = 1_000_000
const RUNS = 10
const MB = 1024 * 1024
// The zoomed window's extremes, planted in the last run (the one zoomed).
const WINDOW_SPIKE = { step: 505_050, value: 7_777.5 }
const WINDOW_DIP = { step: 505_500, value: 1.5e-4 }

function chromiumPath(): string {
  const found = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p))
  if (!found) throw new Error('Chromium not found; set CHROMIUM_PATH')
  return found
}

function startServe(dataDir: string): Promise<{ url: string; proc: ChildProcess }> {
  const entry = join(dirname(fileURLToPath(import.meta.url)), 'serve.js')
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (npm run bench does)`)
  const proc = spawn(process.execPath, [entry, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  proc.stderr!.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    const early = (code: number | null, signal: string | null) => reject(new Error(`serve exited (${code ?? signal}) before printing its address: ${stderr}`))
    proc.on('exit', early)
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (!/^http:\/\/127\.0\.0\.1:\d+\/\?token=/.test(line)) return
      proc.off('exit', early)
      proc.on('exit', (code, signal) => {
        if (signal !== 'SIGTERM') console.error(`open bench: serve exited (${code ?? signal}): ${stderr}`)
      })
      resolve({ url: line.trim(), proc })
    })
  })
}

/** Resident memory of the largest renderer process descending from `browserPid` (the page's). */
function rendererRssMb(browserPid: number): number {
  const parent = new Map<number, number>()
  const renderers: number[] = []
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid)) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) renderers.push(pid)
    } catch {
      // exited meanwhile
    }
  }
  const under = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 12; p = parent.get(p) ?? 0, hops++) if (p === browserPid) return true
    return false
  }
  let best = 0
  for (const pid of renderers.filter(under)) {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
      best = Math.max(best, kb / 1024)
    } catch {
      // exited meanwhile
    }
  }
  return best
}

/** In the page: click a run's row, resolve with ms to the frame after the loss chart shows `expected` as its y range. */
const OPEN_RUN = `({ id, expected }) => new Promise((resolve, reject) => {
  const chart = document.querySelector('[data-testid="chart-loss"]')
  const row = document.querySelector('[data-testid="run-item"][data-run-id="' + id + '"]')
  if (!chart || !row) return reject(new Error('no chart or no row for ' + id))
  const timer = setTimeout(() => reject(new Error('run ' + id + ' not drawn in 60 s; y range ' + chart.getAttribute('data-y-range'))), 60000)
  let t0 = 0
  const done = () => {
    if (chart.getAttribute('data-y-range') !== expected) return
    obs.disconnect()
    requestAnimationFrame(() => { clearTimeout(timer); resolve(performance.now() - t0) })
  }
  const obs = new MutationObserver(done)
  obs.observe(chart, { attributes: true, attributeFilter: ['data-y-range'] })
  t0 = performance.now()
  row.click()
})`

/** In the page: after the next mouse-up, ms to the frame where the loss chart holds every step of its x range and `expected` as its y range. */
const AWAIT_ZOOM = `({ expected }) => new Promise((resolve, reject) => {
  const chart = document.querySelector('[data-testid="chart-loss"]')
  let t0 = 0
  const timer = setTimeout(() => reject(new Error('zoom not at full detail in 30 s: ' + chart.getAttribute('data-x-range') + ' ' + chart.getAttribute('data-points') + ' ' + chart.getAttribute('data-y-range'))), 30000)
  const done = () => {
    if (!t0) return
    const [lo, hi] = (chart.getAttribute('data-x-range') || '').split(',').map(Number)
    const every = Math.floor(hi) - Math.ceil(lo) + 1
    if (!(hi - lo < 100000) || Number(chart.getAttribute('data-points')) !== every || chart.getAttribute('data-y-range') !== expected) return
    obs.disconnect()
    requestAnimationFrame(() => { clearTimeout(timer); resolve({ ms: performance.now() - t0, lo, hi }) })
  }
  const obs = new MutationObserver(done)
  obs.observe(chart, { attributes: true })
  document.addEventListener('mouseup', () => { t0 = performance.now(); done() }, { once: true, capture: true })
})`

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

export async function openFigures(opts: { quick?: boolean }): Promise<Figure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lrlab-open-bench-'))
  const store = new RunStore(dataDir)
  let serve: { url: string; proc: ChildProcess } | null = null
  const playwright = 'playwright-core'
  const { chromium } = (await import(/* @vite-ignore */ playwright)) as typeof import('playwright-core')
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
  try {
    const ids: string[] = []
    const expected: string[] = []
    for (let i = 0; i < RUNS; i++) {
      const last = i === RUNS - 1
      const plant = [
        { step: 90_000 * (i + 1), column: 'loss', value: 1000 + i },
        { step: 90_000 * (i + 1) + 7, column: 'loss', value: 1e-5 * (i + 1) },
        ...(last
          ? [
              { ...WINDOW_SPIKE, column: 'loss' },
              { ...WINDOW_DIP, column: 'loss' },
            ]
          : []),
      ]
      const id = writeSyntheticRun(store, { steps: STEPS, seed: i + 1, name: `bench 1M #${i + 1}`, plant })
      ids.push(id)
      const loss = store.load(id).steps.loss!
      let lo = Infinity
      let hi = -Infinity
      for (const v of loss) {
        if (Number.isNaN(v)) continue
        lo = Math.min(lo, v)
        hi = Math.max(hi, v)
      }
      expected.push(`${lo},${hi}`)
    }
    const bareRead = await bestMs(5, () => store.load(ids[0]!))

    serve = await startServe(dataDir)
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(serve.url)
    await page
      .getByTestId('backend-badge')
      .filter({ hasText: /wasm|cpu|tensorflow/ })
      .waitFor({ timeout: 60_000 })
    await page.locator(`[data-testid="run-item"][data-run-id="${ids[0]}"]`).waitFor({ timeout: 30_000 })
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    // Chromium was launched by this process: its renderers descend from it.
    const browserPid = process.pid
    const memory = async () => {
      await cdp.send('HeapProfiler.collectGarbage')
      const m = new Map((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]))
      return { heap: (m.get('JSHeapUsedSize') ?? NaN) / MB, rss: rendererRssMb(browserPid) }
    }
    const before = await memory()

    const firsts: number[] = []
    for (let i = 0; i < RUNS; i++) firsts.push((await page.evaluate(`(${OPEN_RUN})(${JSON.stringify({ id: ids[i], expected: expected[i] })})`)) as number)
    const after = await memory()
    const reopen = (await page.evaluate(`(${OPEN_RUN})(${JSON.stringify({ id: ids[0], expected: expected[0] })})`)) as number
    // Back to the last run, zoomed into ~10k steps around its planted window extremes.
    await page.evaluate(`(${OPEN_RUN})(${JSON.stringify({ id: ids[RUNS - 1], expected: expected[RUNS - 1] })})`)
    const zooms: number[] = []
    for (let rep = 0; rep < (opts.quick ? 1 : 3); rep++) {
      await page.dblclick('[data-testid="chart-loss"] .u-over')
      await page.waitForTimeout(300)
      const box = (await page.locator('[data-testid="chart-loss"] .u-over').boundingBox())!
      const px = (s: number) => box.x + (s / (STEPS - 1)) * box.width
      const y = box.y + box.height / 2
      const waiting = page.evaluate(`(${AWAIT_ZOOM})(${JSON.stringify({ expected: `${WINDOW_DIP.value},${WINDOW_SPIKE.value}` })})`) as Promise<{ ms: number; lo: number; hi: number }>
      await page.mouse.move(px(500_000), y)
      await page.mouse.down()
      await page.mouse.move(px(505_000), y, { steps: 2 })
      await page.mouse.move(px(510_500), y, { steps: 2 })
      await page.mouse.up()
      zooms.push((await waiting).ms)
    }

    const first = median(firsts)
    const zoom = median(zooms)
    return [
      { name: 'open: bare file read of a 1M-step run (RunStore.load, warm, best of 5)', value: bareRead, unit: 'ms', baseline: null },
      { name: `open: click to first complete chart, 1M-step run (median of ${RUNS} runs)`, value: first, unit: 'ms', baseline: null },
      { name: `open: click to first complete chart, 1M-step run (slowest of ${RUNS})`, value: Math.max(...firsts), unit: 'ms', baseline: null },
      { name: 'open: click to first complete chart / bare file read', value: first / bareRead, unit: '×', baseline: `RunStore.load of the same run in this process (${bareRead.toFixed(1)} ms)` },
      { name: 'open: re-open the first run after nine others', value: reopen, unit: 'ms', baseline: null },
      { name: `open: zoomed ~10k-step window to full detail (median of ${zooms.length})`, value: zoom, unit: 'ms', baseline: null },
      { name: 'open: page JS heap before opening runs (after GC)', value: before.heap, unit: 'MB', baseline: null },
      { name: `open: page JS heap after opening ${RUNS} 1M-step runs (after GC)`, value: after.heap, unit: 'MB', baseline: null },
      { name: 'open: renderer process resident memory before opening runs', value: before.rss, unit: 'MB', baseline: null },
      { name: `open: renderer process resident memory after opening ${RUNS} 1M-step runs`, value: after.rss, unit: 'MB', baseline: null },
    ]
  } finally {
    await browser.close()
    serve?.proc.kill('SIGTERM')
    rmSync(dataDir, { recursive: true, force: true })
  }
}
