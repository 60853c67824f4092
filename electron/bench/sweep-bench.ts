/**
 * Sweep benchmark: the aggregate throughput of 8 small digits-MLP members run by the trainer
 * pool two (the cores) at a time vs the same 8 one after another (a pool of one), both through
 * the real service and trainer processes; and the race view's frame times in headless Chromium
 * while 8 members stream live, against an empty page's in the same browser.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { findPreset } from '../../shared/presets'
import type { SweepSpecInput } from '../../shared/sweep'
import { startBridge } from '../bridge/http-bridge'
import { createNodeService } from '../core/node-host'
import type { LrLabService } from '../core/service'
import type { Figure } from './figure'
import { chromiumPath, MEASURE_FRAMES, rendererDir, stats } from './render-bench'

function spec(name: string, epochs: number): SweepSpecInput {
  const { name: _n, ...digits } = findPreset('digits-mlp')!.config
  return { name, base: { ...digits, epochs }, grid: { 'optimizer.lr': { logspace: [1e-3, 3e-2, 8] } } }
}

async function timedSweep(parallel: number, epochs: number): Promise<{ wallS: number; trainS: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lrlab-sweep-bench-'))
  const service = await createNodeService(dataDir, 'browser-bridge', { maxParallel: parallel })
  try {
    const t0 = performance.now()
    const { sweepId } = await service.startSweep(spec('bench', epochs))
    await service.sweepSettled(sweepId)
    const wallS = (performance.now() - t0) / 1000
    const [info] = await service.listSweeps()
    const trainS = info!.members.reduce((s, m) => s + (m.runId ? service.store.reportManifest(m.runId).summary.durationSec : 0), 0)
    if (!info!.members.every((m) => m.status === 'finished')) throw new Error(`bench sweep ended ${info!.members.map((m) => `${m.status}${m.error ? ` (${m.error})` : ''}`).join(', ')}`)
    return { wallS, trainS }
  } finally {
    await service.shutdown()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export async function sweepFigures(opts: { quick?: boolean }): Promise<Figure[]> {
  const epochs = opts.quick ? 3 : 6
  const cores = availableParallelism()
  const load0 = loadavg()[0]!
  const seq = await timedSweep(1, epochs)
  const par = await timedSweep(cores, epochs)
  const load1 = loadavg()[0]!
  const figures: Figure[] = [
    {
      name: `sweep: 8 digits MLPs (${epochs} epochs) in a pool of ${cores} / one after another`,
      value: seq.wallS / par.wallS,
      unit: 'ratio',
      baseline: 'the same 8 members through a pool of one, same run',
    },
    { name: 'sweep: wall time, one after another', value: seq.wallS, unit: 's', baseline: null },
    { name: `sweep: wall time, ${cores} at a time`, value: par.wallS, unit: 's', baseline: null },
    { name: 'sweep: training time per member (in its process), one at a time', value: seq.trainS / 8, unit: 's', baseline: null },
    { name: `sweep: training time per member, ${cores} at a time`, value: par.trainS / 8, unit: 's', baseline: null },
    { name: 'sweep: per-member cost outside training (process start, tfjs load, data), one at a time', value: (seq.wallS - seq.trainS) / 8, unit: 's', baseline: null },
    { name: 'sweep: 1-minute load average before / after', value: load0, unit: `/ ${load1.toFixed(1)}`, baseline: null },
  ]
  figures.push(...(await raceFrames(opts)))
  return figures
}

/** Frame times of the race view while 8 members stream (8 trainer processes at once). */
async function raceFrames(opts: { quick?: boolean }): Promise<Figure[]> {
  const measureMs = opts.quick ? 3000 : 6000
  const dataDir = mkdtempSync(join(tmpdir(), 'lrlab-race-bench-'))
  const service: LrLabService = await createNodeService(dataDir, 'browser-bridge', { maxParallel: 8 })
  const bridge = await startBridge({ service, rendererDir: rendererDir() })
  const playwright = 'playwright-core'
  const { chromium } = (await import(/* @vite-ignore */ playwright)) as typeof import('playwright-core')
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.setContent('<!doctype html><title>empty</title><body></body>')
    const empty = stats((await page.evaluate(`(${MEASURE_FRAMES})(${measureMs})`)) as number[])
    await page.goto(bridge.url)
    await page
      .getByTestId('backend-badge')
      .filter({ hasText: /wasm|cpu|tensorflow/ })
      .waitFor({ timeout: 60_000 })
    await page.getByTestId('view-race').click()
    const { sweepId } = await service.startSweep(spec('race bench', 40))
    // Measure once all 8 members stream.
    const deadline = Date.now() + 180_000
    while (Date.now() < deadline && (await service.listSweeps())[0]!.members.filter((m) => m.status === 'running').length < 8) await new Promise((r) => setTimeout(r, 250))
    const live = (await service.listSweeps())[0]!.members.filter((m) => m.status === 'running').length
    const racing = stats((await page.evaluate(`(${MEASURE_FRAMES})(${measureMs})`)) as number[])
    await service.stopSweep(sweepId)
    await service.sweepSettled(sweepId)
    return [
      { name: 'race view: frame interval p95, empty page', value: empty.p95, unit: 'ms', baseline: null },
      { name: `race view: frame interval p95, ${live} members streaming`, value: racing.p95, unit: 'ms', baseline: null },
      { name: `race view: p95 frame interval, ${live} live members / empty page`, value: racing.p95 / empty.p95, unit: 'ratio', baseline: 'empty page in the same browser, same run' },
      { name: `race view: frame interval p50, ${live} members streaming`, value: racing.p50, unit: 'ms', baseline: null },
      { name: `race view: dropped frames (> 33 ms), ${live} members streaming`, value: racing.dropped, unit: `of ${racing.frames} frames`, baseline: null },
    ]
  } finally {
    await browser.close()
    await bridge.close()
    await service.shutdown()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
