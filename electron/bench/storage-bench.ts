/**
 * Run-library figures: loading, listing, exporting and appending, each against a baseline
 * measured in the same run (raw disk reads and writes of the same bytes).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tableFromIPC } from 'apache-arrow'
import { parseRunConfig } from '../../shared/config'
import { RunStore, STEPS_FILE, MANIFEST_FILE, writeRunCsv, writeSyntheticRun } from '../storage'
import { train } from '../trainer/train'
import { bestMs, type Figure } from './figure'

export async function storageFigures(opts: { quick?: boolean }): Promise<Figure[]> {
  const reps = opts.quick ? 2 : 5
  const root = mkdtempSync(join(tmpdir(), 'lrlab-bench-storage-'))
  const figures: Figure[] = []
  try {
    const store = new RunStore(join(root, 'big'))
    const id = writeSyntheticRun(store, { steps: 1_000_000 })
    const stepsPath = join(store.runDir(id), STEPS_FILE)

    // Load 1M steps into typed arrays: once right after writing, then at best.
    const firstLoad = await bestMs(1, () => store.load(id))
    const rawRead = await bestMs(reps * 2, () => readFileSync(stepsPath))
    const arrowJs = await bestMs(reps, () => {
      const t = tableFromIPC(readFileSync(stepsPath))
      for (const f of t.schema.fields) t.getChild(f.name)!.toArray()
    })
    const load = await bestMs(reps * 2, () => store.load(id))
    figures.push({ name: 'load 1M-step run (typed arrays), first open after writing', value: firstLoad, unit: 'ms', baseline: null })
    figures.push({ name: 'load 1M-step run (typed arrays), best (file in page cache)', value: load, unit: 'ms', baseline: null })
    figures.push({ name: 'load 1M-step run / raw read of steps.arrow', value: load / rawRead, unit: 'ratio', baseline: `readFileSync of the same ${(statSync(stepsPath).size / 1e6).toFixed(0)} MB (${rawRead.toFixed(1)} ms)` })
    figures.push({ name: 'load 1M-step run / apache-arrow tableFromIPC + toArray', value: load / arrowJs, unit: 'ratio', baseline: `apache-arrow's own decoder (${arrowJs.toFixed(1)} ms)` })

    // Memory held by a loaded run.
    globalThis.gc?.()
    const before = process.memoryUsage()
    const loaded = store.load(id)
    const after = process.memoryUsage()
    const held = Object.values(loaded.steps).reduce((n, a) => n + a.byteLength, 0) + Object.values(loaded.epochs).reduce((n, a) => n + a.byteLength, 0)
    figures.push({ name: 'memory of a loaded 1M-step run (column bytes)', value: held / 1e6, unit: 'MB', baseline: null })
    figures.push({ name: 'memory growth while loading it (rss)', value: Math.max(0, after.rss - before.rss) / 1e6, unit: 'MB', baseline: null })

    // Export 1M rows as CSV.
    const csvPath = join(root, 'steps.csv')
    const exportMs = await bestMs(reps, () => writeRunCsv(loaded, { level: 'step', format: 'wide' }, csvPath))
    const csvBytes = statSync(csvPath).size
    const blob = Buffer.alloc(csvBytes, 0x31)
    const rawWrite = await bestMs(reps, () => writeFileSync(join(root, 'raw.bin'), blob))
    figures.push({ name: 'export 1M-row step CSV', value: exportMs, unit: 'ms', baseline: null })
    figures.push({ name: 'export 1M-row CSV / raw write of the same bytes', value: exportMs / rawWrite, unit: 'ratio', baseline: `writeFileSync of ${(csvBytes / 1e6).toFixed(0)} MB (${rawWrite.toFixed(1)} ms)` })

    // List 1,000 runs.
    const many = new RunStore(join(root, 'many'))
    for (let i = 0; i < 1000; i++) writeSyntheticRun(many, { steps: 20, seed: i, name: `run ${i}` })
    const listMs = await bestMs(reps, () => many.list())
    const rawList = await bestMs(reps, () => {
      for (const d of readdirSync(many.runsDir)) JSON.parse(readFileSync(join(many.runsDir, d, MANIFEST_FILE), 'utf8'))
    })
    figures.push({ name: 'list 1,000 runs', value: listMs, unit: 'ms', baseline: null })
    figures.push({ name: 'list 1,000 runs / raw manifest reads', value: listMs / rawList, unit: 'ratio', baseline: `readdir + read and JSON.parse each manifest (${rawList.toFixed(1)} ms)` })

    // Appending metrics, as the trainer does: a batch per flush interval, an fsync'd flush per second.
    const stepMs = await articleStepMs()
    const appendStore = new RunStore(join(root, 'append'))
    const writer = appendStore.createRun({
      config: parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1 }),
      backend: { name: 'cpu', requested: 'auto', fallbackReasons: [] },
      stepColumns: ['step', 'epoch', 'elapsed', 'lr', 'loss', 'momentum', 'grad_norm', 'grad_norm_clipped', 'clipped'],
      epochColumns: ['epoch', 'step', 'elapsed', 'lr', 'loss', 'val_loss'],
      versions: { lrlab: 'bench', tfjs: 'none', node: process.versions.node },
    })
    // Steps per second the trainer makes on this workload; batches of ~80 ms of steps, one flush per second.
    const stepsPerSec = Math.max(1, Math.round(1000 / stepMs))
    const perBatch = Math.max(1, Math.round(stepsPerSec * 0.08))
    const totalSteps = stepsPerSec * 5
    const cols = (n: number, off: number): Record<string, Float64Array> => {
      const c: Record<string, Float64Array> = {}
      for (const name of ['step', 'epoch', 'elapsed', 'lr', 'loss', 'momentum', 'grad_norm', 'grad_norm_clipped', 'clipped']) c[name] = new Float64Array(n).map((_, i) => off + i * 0.001)
      return c
    }
    const batches = Array.from({ length: Math.ceil(totalSteps / perBatch) }, (_, i) => cols(perBatch, i * perBatch))
    const t0 = performance.now()
    batches.forEach((b, i) => {
      writer.appendSteps(b)
      if ((i + 1) % Math.round(1 / 0.08) === 0) writer.flush()
    })
    writer.flush()
    const appendPerStep = (performance.now() - t0) / (batches.length * perBatch)
    writer.close({ status: 'finished' })
    figures.push({ name: 'metrics append + flush cost per training step', value: appendPerStep * 1000, unit: 'µs/step', baseline: null })
    figures.push({ name: 'append cost / article-regression step time', value: appendPerStep / stepMs, unit: 'ratio', baseline: `one training step of the article regression on this backend (${stepMs.toFixed(3)} ms)` })
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
  return figures
}

/** ms per step of the article regression through the real training loop, with a no-op sink. */
async function articleStepMs(): Promise<number> {
  const config = parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1500, validationSplit: 0 })
  const sink = { metrics: () => {}, progress: () => {}, event: () => {} }
  const control = { stopRequested: () => false, waitIfPaused: async () => {} }
  await train({ ...config, epochs: 100 }, sink, control)
  const t0 = performance.now()
  await train(config, sink, control)
  return (performance.now() - t0) / config.epochs
}
