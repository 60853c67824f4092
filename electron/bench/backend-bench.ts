/**
 * Backend table: ms per training step for the same models on
 *  - stock tfjs on wasm (tf.train.adam + minimize on one fixed batch, no overrides, no metrics),
 *  - the same with LR Lab's wasm kernel overrides (the floor LR Lab's trainer can reach),
 *  - LR Lab's trainer (train(): shuffled batches, our Adam, per-step scalars, epoch metrics and
 *    layer diagnostics) on wasm with its tuning, and with LRLAB_WASM_TUNING=0 for contrast,
 *  - stock tfjs and LR Lab's trainer on cpu,
 * with the speed-ups against stock wasm measured in the same run; the article regression's
 * 100 epochs; and the aggregate throughput of two trainer processes running at once.
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fork } from 'node:child_process'
import { applyWasmTuning, removeWasmTuning } from '../trainer/wasm-tuning/index'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { parseRunConfig, type RunConfigInput } from '../../shared/config'
import { findPreset } from '../../shared/presets'
import { train } from '../trainer/train'
import { activateBackend } from '../trainer/backend'
import { backendForRun, MEASURED_BACKENDS } from '../trainer/backend-choice'
import type { Figure } from './figure'

interface Mlp {
  name: string
  sizes: number[]
  batch: number
  /** The same model as an LR Lab run (Adam, lr 0.001). */
  config: RunConfigInput
}

const MODELS: Mlp[] = [
  {
    name: 'MLP 784-256-256-10, batch 128, Adam',
    sizes: [784, 256, 256, 10],
    batch: 128,
    config: {
      data: { kind: 'synthetic-classification', n: 128 * 16, features: 784, classes: 10 },
      model: { kind: 'mlp', hidden: [256, 256] },
      loss: 'crossEntropy',
      optimizer: { type: 'adam', lr: 0.001 },
      epochs: 2,
      batchSize: 128,
      validationSplit: 0,
    },
  },
  {
    name: 'digits MLP 64-64-10, batch 32, Adam',
    sizes: [64, 64, 10],
    batch: 32,
    config: {
      data: { kind: 'digits' },
      model: { kind: 'mlp', hidden: [64] },
      loss: 'crossEntropy',
      optimizer: { type: 'adam', lr: 0.001 },
      epochs: 2,
      batchSize: 32,
      validationSplit: 0.2,
    },
  },
]

/** The article's regression with every metric on: validation split, per-epoch diagnostics. */
const ARTICLE: RunConfigInput = { data: { kind: 'linreg', n: 100 }, optimizer: { type: 'adam', lr: 0.01 }, epochs: 100, batchSize: 'full', validationSplit: 0.2 }

/** A variable whose initial tensor is freed (tf.variable keeps its own reference). */
const variable = (init: () => tf.Tensor, trainable = true): tf.Variable => tf.tidy(() => tf.variable(init(), trainable))

/** Make wasm the active backend the way electron/trainer/backend.ts registers it. */
async function useWasm(): Promise<void> {
  if (!tf.findBackendFactory('wasm')) {
    const requireModule = createRequire(import.meta.url)
    const wasm = requireModule('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm')
    wasm.setWasmPaths(join(dirname(requireModule.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/')
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise')
  await tf.ready()
}

/** Stock tfjs: tfjs's Adam through minimize on one fixed batch, the loss read every step. */
function stockTrainer(m: Mlp): { step(): number; dispose(): void } {
  const ws = m.sizes.slice(1).map((n, i) => variable(() => tf.randomNormal([m.sizes[i]!, n], 0, 0.05, 'float32', i)))
  const bs = m.sizes.slice(1).map((n) => variable(() => tf.zeros([n])))
  const x = tf.randomNormal([m.batch, m.sizes[0]!], 0, 1, 'float32', 9)
  const classes = m.sizes.at(-1)!
  const y = tf.tidy(() =>
    tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: m.batch }, (_, i) => i % classes),
          'int32',
        ),
        classes,
      )
      .toFloat(),
  )
  const last = ws.length - 1
  const opt = tf.train.adam(0.001)
  const loss = (): tf.Scalar => {
    let h: tf.Tensor = x
    ws.forEach((w, i) => {
      h = tf.add(tf.matMul(h as tf.Tensor2D, w), bs[i]!)
      if (i < last) h = tf.relu(h)
    })
    return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar
  }
  return {
    step: () => tf.tidy(() => opt.minimize(loss, true)!.dataSync()[0]!),
    dispose: () => {
      tf.dispose([...ws, ...bs, x, y])
      opt.dispose()
    },
  }
}

/** Median of `rounds` timings of `steps` steps, after warm-up: robust to the other processes on the machine. */
function msPerStep(make: () => { step(): number; dispose(): void }, steps: number, rounds = 3): number {
  const t = make()
  for (let i = 0; i < 3; i++) t.step()
  const times: number[] = []
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    for (let i = 0; i < steps; i++) t.step()
    times.push((performance.now() - t0) / steps)
  }
  t.dispose()
  return median(times)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const quietSink = { metrics: () => {}, progress: () => {}, event: () => {} }
const running = { stopRequested: () => false, waitIfPaused: async () => {} }

/**
 * One LR Lab run through the real trainer; its training time (summary.durationSec: the loop
 * with every per-step scalar, epoch metric and diagnostic, not dataset loading or model
 * building) and steps.
 */
async function trainerRun(config: RunConfigInput): Promise<{ ms: number; steps: number }> {
  const r = await train(parseRunConfig(config), quietSink, running)
  if (r.status !== 'finished') throw new Error(`bench run ended ${r.status}`)
  return { ms: r.summary.durationSec * 1000, steps: r.summary.steps }
}

/** Median ms/step of LR Lab's trainer over `rounds` runs after a warm-up run. */
async function trainerMsPerStep(config: RunConfigInput, rounds: number): Promise<number> {
  await trainerRun(config)
  const times: number[] = []
  for (let r = 0; r < rounds; r++) {
    const { ms, steps } = await trainerRun(config)
    times.push(ms / steps)
  }
  return median(times)
}

/** The trainer with the wasm tuning off, as LRLAB_WASM_TUNING=0 runs it; tuning back on after. */
async function untuned<T>(fn: () => Promise<T>): Promise<T> {
  const prior = process.env.LRLAB_WASM_TUNING
  removeWasmTuning()
  process.env.LRLAB_WASM_TUNING = '0'
  try {
    return await fn()
  } finally {
    if (prior === undefined) delete process.env.LRLAB_WASM_TUNING
    else process.env.LRLAB_WASM_TUNING = prior
    applyWasmTuning()
  }
}

/** The article regression through tfjs's minimize (no metrics): ms for `epochs` steps. */
function stockRegressionMs(epochs: number): number {
  const xs = tf.tensor2d(Array.from({ length: 100 }, (_, i) => [i / 50 - 1]))
  const ys = tf.tidy(() => xs.mul(2).add(0.5))
  const w = variable(() => tf.zeros([1, 1]))
  const b = variable(() => tf.zeros([1]))
  const loss = (): tf.Scalar => tf.losses.meanSquaredError(ys, tf.add(tf.matMul(xs, w), b)) as tf.Scalar
  const opt = tf.train.adam(0.01)
  const t0 = performance.now()
  for (let k = 1; k <= epochs; k++) tf.tidy(() => opt.minimize(loss, true)!.dataSync()[0])
  const ms = performance.now() - t0
  tf.dispose([xs, ys, w, b])
  opt.dispose()
  return ms
}

/** `--bench-child` mode: run the MLP through the trainer `runs` times and print its steps/s. */
export async function benchChild(runs: number): Promise<void> {
  await useWasm()
  applyWasmTuning()
  const config = MODELS[0]!.config
  await trainerRun(config)
  let steps = 0
  const t0 = performance.now()
  for (let i = 0; i < runs; i++) steps += (await trainerRun(config)).steps
  process.stdout.write(JSON.stringify({ stepsPerSec: steps / ((performance.now() - t0) / 1000) }) + '\n')
}

/** Aggregate MLP steps/s of `n` trainer processes started together (this bench entry in child mode). */
async function processesThroughput(n: number, runs: number): Promise<number> {
  const entry = process.argv[1]!
  const one = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const child = fork(entry, ['--bench-child', String(runs)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
      let out = ''
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
      child.on('error', reject)
      child.on('exit', (code) => {
        const line = out.trim().split('\n').at(-1) ?? ''
        if (code !== 0 || !line.startsWith('{')) reject(new Error(`bench child exited ${code}: ${out.slice(-300)}`))
        else resolve((JSON.parse(line) as { stepsPerSec: number }).stepsPerSec)
      })
    })
  const rates = await Promise.all(Array.from({ length: n }, one))
  return rates.reduce((a, b) => a + b, 0)
}

/** The workloads auto chooses for: two presets and the wide MLP, as LR Lab runs them. */
function choiceWorkloads(): { name: string; config: RunConfigInput }[] {
  const preset = (name: string): RunConfigInput => findPreset(name)!.config as RunConfigInput
  return [
    { name: 'preset digits-mlp', config: preset('digits-mlp') },
    { name: 'preset article-adam', config: preset('article-adam') },
    { name: 'MLP 784-256-256-10, batch 128, Adam', config: MODELS[0]!.config },
  ]
}

/**
 * For each workload, LR Lab's trainer on every backend that loads (tensorflow when tfjs-node is
 * installed, and wasm), in the same run: training time of a whole run (median), auto's pick from
 * a fresh measurement, what that measurement cost, and whether the pick is the faster one.
 */
export async function choiceFigures(opts: { quick?: boolean }): Promise<Figure[]> {
  const figures: Figure[] = []
  const loaded: string[] = []
  for (const name of MEASURED_BACKENDS) if ((await activateBackend(name)).failure === null) loaded.push(name)
  if (loaded.length < 2) {
    console.log(`backend choice: only ${loaded.join(', ')} loads here; tensorflow rows need "npm run install:tensorflow"`)
    return figures
  }
  const rounds = opts.quick ? 2 : 3
  const dataDir = mkdtempSync(join(tmpdir(), 'lrlab-bench-choice-'))
  try {
    for (const w of choiceWorkloads()) {
      const seconds: Record<string, number> = {}
      // Alternate the backends round by round so a busy spell on the machine hits both.
      const runs: Record<string, number[]> = {}
      for (let r = -1; r < rounds; r++) {
        for (const name of loaded) {
          await activateBackend(name as 'wasm')
          const { ms } = await trainerRun(w.config)
          if (r >= 0) (runs[name] ??= []).push(ms) // round -1 is the warm-up
        }
      }
      for (const name of loaded) seconds[name] = median(runs[name]!) / 1000
      const faster = loaded.reduce((a, b) => (seconds[b]! < seconds[a]! ? b : a))
      const slower = loaded.find((n) => n !== faster)!
      const picks: string[] = []
      const costs: number[] = []
      for (let r = 0; r < rounds; r++) {
        const info = await backendForRun(parseRunConfig(w.config), dataDir, { remeasure: true })
        picks.push(info.name)
        costs.push(info.choice!.costMs)
      }
      const pick = picks.sort((a, b) => picks.filter((p) => p === b).length - picks.filter((p) => p === a).length)[0]!
      for (const name of loaded) figures.push({ name: `${w.name}: LR Lab trainer on ${name}, training time (median of ${rounds})`, value: seconds[name]!, unit: 's', baseline: null })
      figures.push(
        { name: `${w.name}: ${faster} faster than ${slower}`, value: seconds[slower]! / seconds[faster]!, unit: 'ratio', baseline: `LR Lab trainer on ${slower}, same run` },
        {
          name: `${w.name}: auto picks ${pick} (${picks.filter((p) => p === pick).length}/${rounds} measurements), the faster one: ${pick === faster ? 'yes' : 'NO'}`,
          value: pick === faster ? 1 : 0,
          unit: 'match',
          baseline: null,
        },
        { name: `${w.name}: auto's calibration cost (median of ${rounds})`, value: median(costs), unit: 'ms', baseline: null },
        {
          name: `${w.name}: calibration cost / training time on the pick`,
          value: median(costs) / 1000 / seconds[pick]!,
          unit: 'ratio',
          baseline: 'one run of the workload on the picked backend, same run',
        },
      )
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
  return figures
}

export async function backendFigures(opts: { quick?: boolean }): Promise<Figure[]> {
  const steps = opts.quick ? 10 : 30
  const rounds = opts.quick ? 3 : 5
  const figures: Figure[] = []
  const prior = tf.getBackend()
  await useWasm()
  const stockBaseline = 'stock tfjs on wasm, same run'
  for (const m of MODELS) {
    removeWasmTuning()
    const stock = msPerStep(() => stockTrainer(m), steps, rounds)
    applyWasmTuning()
    const tuned = msPerStep(() => stockTrainer(m), steps, rounds)
    const lrlab = await trainerMsPerStep(m.config, rounds)
    const lrlabUntuned = await untuned(() => trainerMsPerStep(m.config, opts.quick ? 1 : 3))
    figures.push(
      { name: `${m.name}: stock tfjs on wasm`, value: stock, unit: 'ms/step', baseline: null },
      { name: `${m.name}: stock tfjs on wasm with LR Lab's kernel overrides`, value: tuned, unit: 'ms/step', baseline: null },
      { name: `${m.name}: LR Lab trainer on wasm (tuned, all metrics)`, value: lrlab, unit: 'ms/step', baseline: null },
      { name: `${m.name}: LR Lab trainer on wasm, LRLAB_WASM_TUNING=0`, value: lrlabUntuned, unit: 'ms/step', baseline: null },
      { name: `${m.name}: speed-up, LR Lab trainer vs stock tfjs`, value: stock / lrlab, unit: 'ratio', baseline: stockBaseline },
      { name: `${m.name}: speed-up from the tuning, LR Lab trainer`, value: lrlabUntuned / lrlab, unit: 'ratio', baseline: 'the same trainer with LRLAB_WASM_TUNING=0, same run' },
    )
  }
  const epochs = 100
  // Warm-up runs first (V8 optimises the loop over a few thousand epochs; kernel setup), then
  // many short rounds: a 100-epoch run takes 10–30 ms here, so the machine's noise is large and
  // the median and the best are both reported.
  const regRounds = opts.quick ? 5 : 15
  const warmUps = opts.quick ? 3 : 20
  removeWasmTuning()
  for (let r = 0; r < warmUps; r++) stockRegressionMs(epochs)
  const regStockRuns = Array.from({ length: regRounds }, () => stockRegressionMs(epochs))
  applyWasmTuning()
  for (let r = 0; r < warmUps; r++) await trainerRun(ARTICLE)
  const regRuns: number[] = []
  for (let r = 0; r < regRounds; r++) regRuns.push((await trainerRun(ARTICLE)).ms)
  const regStock = median(regStockRuns)
  figures.push(
    {
      name: `article regression Linear(1,1), 100 points, full batch, Adam, ${epochs} epochs: stock tfjs on wasm (minimize, no metrics), median of ${regRounds}`,
      value: regStock,
      unit: 'ms',
      baseline: null,
    },
    { name: `the same, stock tfjs, best of ${regRounds}`, value: Math.min(...regStockRuns), unit: 'ms', baseline: null },
    { name: `the same, LR Lab trainer on wasm (validation, all metrics and diagnostics), median of ${regRounds}`, value: median(regRuns), unit: 'ms', baseline: null },
    { name: `the same, LR Lab trainer, best of ${regRounds}`, value: Math.min(...regRuns), unit: 'ms', baseline: null },
  )
  // Two cores: a run's products use one (splitting them over two threads did not pay: see
  // issue 8), so two runs of a sweep in two processes.
  const oneProc = await processesThroughput(1, opts.quick ? 1 : 2)
  const twoProcs = await processesThroughput(2, opts.quick ? 1 : 2)
  figures.push(
    { name: `${MODELS[0]!.name}: LR Lab trainer, one process`, value: oneProc, unit: 'steps/s', baseline: null },
    { name: `the same, two processes at once (aggregate)`, value: twoProcs, unit: 'steps/s', baseline: null },
    { name: `aggregate throughput of two trainer processes`, value: twoProcs / oneProc, unit: 'ratio', baseline: 'one process, same run' },
  )
  await tf.setBackend('cpu')
  for (const m of MODELS) {
    figures.push({ name: `${m.name}: stock tfjs on cpu`, value: msPerStep(() => stockTrainer(m), opts.quick ? 3 : 6, 1), unit: 'ms/step', baseline: null })
    // One epoch, one timed run: the cpu backend is ~20× slower than wasm here.
    const cpuConfig = { ...m.config, epochs: 1 } as RunConfigInput
    figures.push({ name: `${m.name}: LR Lab trainer on cpu`, value: await trainerMsPerStep(cpuConfig, 1), unit: 'ms/step', baseline: null })
  }
  figures.push(...(await choiceFigures(opts)))
  if (prior) await tf.setBackend(prior)
  // The app runs wasm with the overrides on: leave it that way.
  if (tf.getBackend() === 'wasm') applyWasmTuning()
  figures.push({
    name: 'reference: PyTorch 1.13 (CPU, OpenBLAS), MLP 784-256-256-10, batch 128, Adam',
    value: 2.2,
    unit: 'ms/step',
    baseline: 'measured once on this machine (2026-11), not re-run by the bench',
  })
  return figures
}
