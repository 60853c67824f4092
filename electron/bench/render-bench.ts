/**
 * Streaming benchmark of the real renderer: the built page in headless Chromium, connected
 * through the real browser bridge (WebSocket, wire encoding) to a real service, receives
 * synthetic `metrics` events at 20,000 steps per second pushed from the service side, the
 * same path a training run's batches take. Frame times are measured in the page with
 * requestAnimationFrame. The baseline is an empty page's frame interval in the same browser,
 * measured first: it shows what headless Chromium's requestAnimationFrame itself delivers
 * (if it were capped, say at 30 fps, every ratio would hide it).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EventEmitter } from 'node:events'
import type { ServiceEvent } from '../../shared/api'
import { STEP_COLUMNS, type Columns } from '../../shared/metrics'
import { startBridge } from '../bridge/http-bridge'
import { createNodeService } from '../core/node-host'
import type { LrLabService } from '../core/service'
import type { Figure } from './figure'

const STEPS_PER_SECOND = 20_000
const BATCH_MS = 50
const RUN_ID = 'bench-stream'

export function rendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  // LRLAB_RENDERER_DIR: another build of the renderer (e.g. an older commit's, to compare).
  const candidates = [process.env.LRLAB_RENDERER_DIR ?? '', join(here, '..', 'renderer'), join(here, '..', '..', 'out', 'renderer'), join(process.cwd(), 'out', 'renderer')]
  const found = candidates.find((d) => d && existsSync(join(d, 'index.html')))
  if (!found) throw new Error(`the renderer is not built (no index.html in ${candidates.join(', ')}); run "npm run build"`)
  return found
}

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[]
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error(`Chromium not found (tried ${candidates.join(', ')}); set CHROMIUM_PATH`)
  return found
}

/** The service as the bridge sees it, plus events we inject next to its own. */
function withInjectedEvents(service: LrLabService): { bridged: LrLabService; inject: (e: ServiceEvent) => void } {
  const injected = new EventEmitter()
  injected.setMaxListeners(0)
  const bridged = Object.create(service) as LrLabService
  bridged.onEvent = (listener) => {
    const off = service.onEvent(listener)
    injected.on('event', listener)
    return () => {
      off()
      injected.off('event', listener)
    }
  }
  return { bridged, inject: (e) => injected.emit('event', e) }
}

/** One batch of a plausible run: decaying noisy loss, cosine lr, momentum, gradient norms. */
function syntheticBatch(from: number, n: number, stepsPerEpoch: number, t0: number): Columns {
  const cols: Columns = {}
  for (const k of STEP_COLUMNS) cols[k] = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const s = from + i
    const noise = Math.sin(s * 12.9898) * 43758.5453
    const r = noise - Math.floor(noise)
    const g = 2 * Math.exp(-s / 50_000) + r
    cols['step']![i] = s
    cols['epoch']![i] = Math.floor(s / stepsPerEpoch)
    cols['elapsed']![i] = t0 + s / STEPS_PER_SECOND
    cols['lr']![i] = (0.05 * (1 + Math.cos((Math.PI * (s % 10_000)) / 10_000))) / 2
    cols['loss']![i] = 1 / (1 + s / 2000) + 0.1 * r
    cols['momentum']![i] = 0.9
    cols['grad_norm']![i] = g
    cols['grad_norm_clipped']![i] = Math.min(g, 2)
    cols['clipped']![i] = g > 2 ? 1 : 0
  }
  return cols
}

interface FrameStats {
  p50: number
  p95: number
  p99: number
  max: number
  dropped: number
  frames: number
}

export function stats(intervals: number[]): FrameStats {
  const sorted = [...intervals].sort((a, b) => a - b)
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: sorted[sorted.length - 1] ?? NaN, dropped: intervals.filter((v) => v > 33).length, frames: intervals.length }
}

/** Frame intervals (ms) measured in the page for `ms` milliseconds. */
export const MEASURE_FRAMES = `(ms) => new Promise((resolve) => {
  const out = []
  let last = performance.now()
  const end = last + ms
  const tick = (t) => {
    out.push(t - last)
    last = t
    if (t < end) requestAnimationFrame(tick)
    else resolve(out)
  }
  requestAnimationFrame((t) => { last = t; requestAnimationFrame(tick) })
})`

export async function renderFigures(opts: { quick?: boolean }): Promise<Figure[]> {
  const streamMs = opts.quick ? 2000 : 5000
  const idleMs = opts.quick ? 1000 : 3000
  const dataDir = mkdtempSync(join(tmpdir(), 'lrlab-render-bench-'))
  const service = await createNodeService(dataDir)
  const { bridged, inject } = withInjectedEvents(service)
  const bridge = await startBridge({ service: bridged, rendererDir: rendererDir() })
  // Not bundled: playwright-core is a dev tool, loaded only when this benchmark runs.
  const playwright = 'playwright-core'
  const { chromium } = (await import(/* @vite-ignore */ playwright)) as typeof import('playwright-core')
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.setContent('<!doctype html><title>empty</title><body></body>')
    const empty = stats((await page.evaluate(`(${MEASURE_FRAMES})(${idleMs})`)) as number[])
    await page.goto(bridge.url)
    await page
      .getByTestId('backend-badge')
      .filter({ hasText: /wasm|cpu|tensorflow/ })
      .waitFor({ timeout: 60_000 })
    await page.getByTestId('view-dashboard').click()

    const stepsPerEpoch = 1000
    const totalSteps = Math.round((STEPS_PER_SECOND * streamMs) / 1000)
    const progress = (step: number) => ({
      epoch: Math.floor(step / stepsPerEpoch),
      step,
      totalEpochs: totalSteps / stepsPerEpoch,
      totalSteps,
      stepsPerSec: STEPS_PER_SECOND,
      etaSec: (totalSteps - step) / STEPS_PER_SECOND,
    })
    inject({ type: 'status', runId: RUN_ID, status: 'running', progress: progress(0) })
    await page.getByTestId('status-text').filter({ hasText: 'running' }).waitFor({ timeout: 10_000 })

    const idle = stats((await page.evaluate(`(${MEASURE_FRAMES})(${idleMs})`)) as number[])

    // Stream from the service side on a wall-clock schedule while the page measures.
    let sent = 0
    const started = performance.now()
    const perBatch = (STEPS_PER_SECOND * BATCH_MS) / 1000
    const timer = setInterval(() => {
      const due = Math.min(totalSteps, Math.round(((performance.now() - started) / 1000) * STEPS_PER_SECOND))
      while (sent < due) {
        const n = Math.min(perBatch, due - sent)
        inject({ type: 'metrics', runId: RUN_ID, steps: syntheticBatch(sent, n, stepsPerEpoch, 0), epochs: {} })
        sent += n
      }
      inject({ type: 'status', runId: RUN_ID, status: 'running', progress: progress(sent) })
    }, BATCH_MS)
    // LRLAB_RENDER_PROFILE=file.cpuprofile: a CPU profile of the page while it streams (open in DevTools).
    const profilePath = process.env.LRLAB_RENDER_PROFILE
    const cdp = profilePath ? await page.context().newCDPSession(page) : null
    if (cdp) {
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.start')
    }
    const tracePath = process.env.LRLAB_RENDER_TRACE
    if (tracePath) await browser.startTracing(page, { path: tracePath })
    // CPU time the renderer spends (main thread and whole process): unlike frame times, it
    // barely moves when other processes compete for the cores.
    const perf = await page.context().newCDPSession(page)
    await perf.send('Performance.enable')
    const cpu = async () => {
      const m = new Map((await perf.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]))
      return { thread: m.get('ThreadTime') ?? NaN, process: m.get('ProcessTime') ?? NaN, at: performance.now() }
    }
    const cpu0 = await cpu()
    const measuring = page.evaluate(`(${MEASURE_FRAMES})(${streamMs})`) as Promise<number[]>
    // LRLAB_RENDER_SHOTS=dir: screenshots mid-stream in light and dark (they disturb the frame times).
    const shots = process.env.LRLAB_RENDER_SHOTS
    if (shots) {
      await page.waitForTimeout(streamMs / 2)
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme })
        await page.screenshot({ path: join(shots, `dashboard-streaming-${scheme}.png`) })
      }
    }
    const streaming = stats(await measuring)
    const cpu1 = await cpu()
    const wallS = (cpu1.at - cpu0.at) / 1000
    const mainCpu = ((cpu1.thread - cpu0.thread) * 1000) / wallS
    const processCpu = ((cpu1.process - cpu0.process) * 1000) / wallS
    clearInterval(timer)
    if (tracePath) await browser.stopTracing()
    if (cdp && profilePath) writeFileSync(profilePath, JSON.stringify((await cdp.send('Profiler.stop')).profile))
    while (sent < totalSteps) {
      const n = Math.min(perBatch, totalSteps - sent)
      inject({ type: 'metrics', runId: RUN_ID, steps: syntheticBatch(sent, n, stepsPerEpoch, 0), epochs: {} })
      sent += n
    }
    // Every streamed step reached the chart.
    const chart = page.getByTestId('chart-loss')
    const deadline = Date.now() + 10_000
    let shown = 0
    while (Date.now() < deadline && (shown = Number(await chart.getAttribute('data-points'))) < totalSteps) await page.waitForTimeout(50)
    if (shown !== totalSteps) throw new Error(`the loss chart shows ${shown} of ${totalSteps} streamed steps`)

    const label = `streaming ${STEPS_PER_SECOND.toLocaleString('en-US')} steps/s for ${streamMs / 1000} s`
    const ratio = 'frame interval of an empty page in the same headless Chromium'
    return [
      { name: 'render: frame interval p50, empty page (rAF baseline)', value: empty.p50, unit: 'ms', baseline: null },
      { name: 'render: frame interval p95, empty page (rAF baseline)', value: empty.p95, unit: 'ms', baseline: null },
      { name: 'render: frame time p50, dashboard idle', value: idle.p50, unit: 'ms', baseline: null },
      { name: 'render: frame time p95, dashboard idle', value: idle.p95, unit: 'ms', baseline: null },
      { name: `render: frame time p50, ${label}`, value: streaming.p50, unit: 'ms', baseline: null },
      { name: `render: frame time p95, ${label}`, value: streaming.p95, unit: 'ms', baseline: null },
      { name: `render: frame time p99, ${label}`, value: streaming.p99, unit: 'ms', baseline: null },
      { name: `render: frame time max, ${label}`, value: streaming.max, unit: 'ms', baseline: null },
      { name: `render: renderer main-thread CPU, ${label}`, value: mainCpu, unit: 'ms per s', baseline: null },
      { name: `render: renderer process CPU, ${label}`, value: processCpu, unit: 'ms per s', baseline: null },
      { name: `render: dropped frames (> 33 ms), ${label}`, value: streaming.dropped, unit: `of ${streaming.frames} frames`, baseline: null },
      { name: `render: frame time p50 ratio, ${label}`, value: streaming.p50 / empty.p50, unit: '×', baseline: `p50 ${ratio}` },
      { name: `render: frame time p95 ratio, ${label}`, value: streaming.p95 / empty.p95, unit: '×', baseline: `p95 ${ratio}` },
      { name: `render: frame time p99 ratio, ${label}`, value: streaming.p99 / empty.p99, unit: '×', baseline: `p99 ${ratio}` },
    ]
  } finally {
    await browser.close()
    await bridge.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
