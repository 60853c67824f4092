/**
 * Run-library figures: loading, listing, exporting and appending, each against a baseline
 * measured in the same run (raw disk reads and writes of the same bytes, apache-arrow's decoder,
 * a training step).
 *
 * Loading is measured twice, because fresh memory is what dominates it on some machines (in a
 * Firecracker VM, first touch of a page costs ~10 µs, so 72 MB of new arrays take ~250 ms
 * whatever reads into them):
 *  - in a fresh process, as when a run is opened right after the app starts: RunStore.load vs
 *    fs.readFileSync of the same file, each in its own new process (both pay for new pages);
 *  - warm, as when runs are opened one after another: memory the allocator hands back and the
 *    file in the page cache, vs reading the same bytes into a buffer that is reused.
 * The fresh-process runs go through tsx (a dev dependency), so they need the source checkout.
 */
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tableFromIPC } from 'apache-arrow'
import { parseRunConfig } from '../../shared/config'
import { STEP_COLUMNS } from '../../shared/metrics'
import { RunStore, STEPS_FILE, MANIFEST_FILE, writeRunCsv } from '../storage'
import { writeSyntheticRun } from './synthetic-runs'
import { bestMs, type Figure } from './figure'

const MB = 1e6

export async function storageFigures(opts: { quick?: boolean }): Promise<Figure[]> {
  const reps = opts.quick ? 2 : 5
  const root = mkdtempSync(join(tmpdir(), 'lrlab-bench-storage-'))
  const figures: Figure[] = []
  const add = (name: string, value: number, unit: string, baseline: string | null = null) => figures.push({ name, value, unit, baseline })
  try {
    const store = new RunStore(join(root, 'big'))
    const id = writeSyntheticRun(store, { steps: 1_000_000 })
    const stepsPath = join(store.runDir(id), STEPS_FILE)
    const fileBytes = statSync(stepsPath).size
    const fileMb = `${(fileBytes / MB).toFixed(0)} MB`

    // Opening a 1M-step run in a fresh process, and what it holds afterwards.
    const fresh = freshProcessLoads(store.dataDir, id, opts.quick ? 1 : 3)
    if (fresh) {
      add('load 1M-step run, fresh process', fresh.load.ms, 'ms')
      add(
        'load 1M-step run, fresh process / readFileSync in a fresh process',
        fresh.load.ms / fresh.readFile.ms,
        'ratio',
        `readFileSync of the same ${fileMb} in its own new process (${fresh.readFile.ms.toFixed(1)} ms)`,
      )
      add('memory held by a loaded 1M-step run (rss growth, fresh process)', fresh.load.rssGrowth / MB, 'MB')
      add('memory held by a loaded 1M-step run (array buffers, fresh process)', fresh.load.arrayBuffersGrowth / MB, 'MB')
    } else {
      console.warn('storage bench: fresh-process loads skipped (they need the source checkout with tsx)')
    }
    const firstTouch = await bestMs(reps, () => Buffer.alloc(fileBytes, 1))
    add(`first touch of ${fileMb} of new memory (this machine's page-fault cost)`, firstTouch, 'ms')

    // Warm: runs opened one after another.
    const reused = Buffer.alloc(fileBytes)
    const rawRead = await bestMs(reps * 2, () => readInto(stepsPath, reused))
    const load = await bestMs(reps * 2, () => store.load(id))
    const bytes = readFileSync(stepsPath)
    const arrowJs = await bestMs(reps, () => {
      const t = tableFromIPC(bytes)
      for (const f of t.schema.fields) t.getChild(f.name)!.toArray()
    })
    add('load 1M-step run, warm (memory reused, file in page cache)', load, 'ms')
    add('load 1M-step run, warm / raw read of steps.arrow', load / rawRead, 'ratio', `readSync of the same ${fileMb} into a reused buffer (${rawRead.toFixed(1)} ms)`)
    add('load 1M-step run, warm / apache-arrow tableFromIPC + toArray', load / arrowJs, 'ratio', `apache-arrow decoding the same bytes already in memory (${arrowJs.toFixed(1)} ms)`)
    if (!fresh) {
      // Fallback memory figure without a fresh process: the loaded columns' bytes.
      const loaded = store.load(id)
      const held = Object.values(loaded.steps).reduce((n, a) => n + a.byteLength, 0) + Object.values(loaded.epochs).reduce((n, a) => n + a.byteLength, 0)
      add('memory held by a loaded 1M-step run (column bytes)', held / MB, 'MB')
    }

    // Export 1M rows as CSV.
    const loaded = store.load(id)
    const csvPath = join(root, 'steps.csv')
    const exportMs = await bestMs(reps, () => writeRunCsv(loaded, { level: 'step', format: 'wide' }, csvPath))
    const csvBytes = statSync(csvPath).size
    const blob = Buffer.alloc(csvBytes, 0x31)
    const rawWrite = await bestMs(reps, () => writeFileSync(join(root, 'raw.bin'), blob))
    add('export 1M-row step CSV', exportMs, 'ms')
    add('export 1M-row step CSV / raw write of the same bytes', exportMs / rawWrite, 'ratio', `one writeFileSync of ${(csvBytes / MB).toFixed(0)} MB (${rawWrite.toFixed(1)} ms)`)
    rmSync(csvPath, { force: true })
    rmSync(join(root, 'raw.bin'), { force: true })

    // List 1,000 runs.
    const many = new RunStore(join(root, 'many'))
    for (let i = 0; i < 1000; i++) writeSyntheticRun(many, { steps: 20, seed: i, name: `run ${i}` })
    const listMs = await bestMs(reps, () => many.list())
    const rawList = await bestMs(reps, () => {
      for (const d of readdirSync(many.runsDir)) JSON.parse(readFileSync(join(many.runsDir, d, MANIFEST_FILE), 'utf8'))
    })
    add('list 1,000 runs', listMs, 'ms')
    add('list 1,000 runs / raw manifest reads', listMs / rawList, 'ratio', `readdir + read and JSON.parse of each manifest (${rawList.toFixed(1)} ms)`)

    // Appending metrics as the trainer does: a batch per ~80 ms of steps, an fsync'd flush per second.
    const stepMs = await articleStepMs()
    const appendPerStep = appendMsPerStep(new RunStore(join(root, 'append')), stepMs)
    add('metrics append + flush cost per training step', appendPerStep * 1000, 'µs/step')
    add('metrics append + flush / article-regression step time', (100 * appendPerStep) / stepMs, '%', `one step of the article regression through train() on this backend (${stepMs.toFixed(3)} ms)`)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
  return figures
}

/** Read a whole file into `buf` (at least as large), reusing its memory. */
function readInto(path: string, buf: Buffer): void {
  const fd = openSync(path, 'r')
  try {
    let got = 0
    for (;;) {
      const n = readSync(fd, buf, got, buf.byteLength - got, got)
      if (n <= 0) break
      got += n
    }
  } finally {
    closeSync(fd)
  }
}

/** Five seconds of a trainer's appends at `stepMs` per step, with the timer's flush once a second; returns ms per step. */
function appendMsPerStep(store: RunStore, stepMs: number): number {
  const writer = store.createRun({
    config: parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1 }),
    backend: { name: 'cpu', requested: 'auto', fallbackReasons: [] },
    stepColumns: STEP_COLUMNS,
    epochColumns: ['epoch', 'step', 'elapsed', 'lr', 'loss', 'val_loss'],
    versions: { lrlab: 'bench', tfjs: 'none', node: process.versions.node },
  })
  const stepsPerSec = Math.max(1, Math.round(1000 / stepMs))
  const perBatch = Math.max(1, Math.round(stepsPerSec * 0.08))
  const batchesPerFlush = Math.round(1 / 0.08)
  const nBatches = Math.ceil((stepsPerSec * 5) / perBatch)
  const batches = Array.from({ length: nBatches }, (_, b) => {
    const cols: Record<string, Float64Array> = {}
    for (const name of STEP_COLUMNS) cols[name] = new Float64Array(perBatch).map((_, i) => b * perBatch + i * 0.001)
    return cols
  })
  // What the trainer's thread pays: the appends, and the timer's flush (writes; the fsync runs on the thread pool).
  const t0 = performance.now()
  batches.forEach((b, i) => {
    writer.appendSteps(b)
    if ((i + 1) % batchesPerFlush === 0) writer.flushInBackground()
  })
  writer.flushInBackground()
  const perStep = (performance.now() - t0) / (nBatches * perBatch)
  writer.close({ status: 'finished' })
  return perStep
}

/** ms per step of the article regression through the real training loop, with a no-op sink. */
async function articleStepMs(): Promise<number> {
  const { train } = await import('../trainer/train')
  const config = parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1500, validationSplit: 0 })
  const sink = { metrics: () => {}, progress: () => {}, event: () => {} }
  const control = { stopRequested: () => false, waitIfPaused: async () => {} }
  await train({ ...config, epochs: 100 }, sink, control) // warm-up
  const t0 = performance.now()
  await train(config, sink, control)
  return (performance.now() - t0) / config.epochs
}

// ---------------------------------------------------------------------------------------------
// Fresh-process loads: this file run by tsx in a child process.

interface FreshResult {
  ms: number
  rssGrowth: number
  arrayBuffersGrowth: number
}

const FRESH_FLAG = '--fresh-process-load'

/** This file's source in the checkout (run from electron/bench/ by tsx, or bundled under out/main/). */
function sourceFile(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    const src = join(dir, 'electron', 'bench', 'storage-bench.ts')
    if (existsSync(src) && existsSync(join(dir, 'node_modules', 'tsx'))) return src
  }
  return null
}

/** Best of `reps` fresh processes for each of RunStore.load and readFileSync (null without tsx). */
function freshProcessLoads(dataDir: string, id: string, reps: number): { load: FreshResult; readFile: FreshResult } | null {
  const src = sourceFile()
  if (!src) return null
  const run = (mode: 'load' | 'readFile'): FreshResult | null => {
    let best: FreshResult | null = null
    for (let i = 0; i < reps; i++) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', src, FRESH_FLAG, mode, dataDir, id], { cwd: resolve(dirname(src), '..', '..'), encoding: 'utf8', timeout: 120_000 })
      const line = r.stdout?.trim().split('\n').at(-1)
      if (r.status !== 0 || !line) {
        console.warn(`storage bench: fresh-process ${mode} failed (${r.status}): ${r.stderr?.slice(0, 500)}`)
        return null
      }
      const res = JSON.parse(line) as FreshResult
      if (!best || res.ms < best.ms) best = res
    }
    return best
  }
  const load = run('load')
  const readFile = load && run('readFile')
  return load && readFile ? { load, readFile } : null
}

/** In the child: one load or one readFileSync, timed, with the memory it left held. */
function freshProcessMain(mode: string, dataDir: string, id: string): void {
  const store = new RunStore(dataDir)
  const path = join(store.runDir(id), STEPS_FILE)
  const before = process.memoryUsage()
  const t0 = performance.now()
  const held = mode === 'load' ? store.load(id) : readFileSync(path)
  const ms = performance.now() - t0
  const after = process.memoryUsage()
  const result: FreshResult = { ms, rssGrowth: after.rss - before.rss, arrayBuffersGrowth: after.arrayBuffers - before.arrayBuffers }
  if (!held) throw new Error('nothing loaded')
  console.log(JSON.stringify(result))
}

if (process.argv[1]?.endsWith('storage-bench.ts') && process.argv[2] === FRESH_FLAG) {
  freshProcessMain(process.argv[3]!, process.argv[4]!, process.argv[5]!)
}
