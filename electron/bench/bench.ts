/**
 * `npm run bench`: LR Lab's figures as ratios against baselines measured in the same run,
 * with absolute numbers for context. `--out FILE` writes every figure as JSON.
 */
import { sweepFigures } from './sweep-bench'
import { Command } from 'commander'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { parseRunConfig, type RunConfigInput } from '../../shared/config'
import { describeBackend, selectBackend } from '../trainer/backend'
import { runTraining } from '../trainer/run-training'
import { loadDataset } from '../trainer/data'
import { buildModel } from '../trainer/model'
import { lossOf, outputsFor, targetTensor } from '../trainer/losses'

import type { Figure } from './figure'
import { storageFigures } from './storage-bench'
import { backendFigures, benchChild, choiceFigures } from './backend-bench'
import { renderFigures } from './render-bench'
import { openFigures } from './open-bench'

interface LoopCase {
  name: string
  config: RunConfigInput
}

const WORKLOADS: { name: string; config: RunConfigInput }[] = [
  {
    name: 'article regression (100 points, full batch)',
    config: { data: { kind: 'linreg', n: 100 }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 600, validationSplit: 0 },
  },
  {
    name: 'digits MLP 64-64-10, batch 32',
    config: {
      data: { kind: 'digits' },
      model: { kind: 'mlp', hidden: [64] },
      loss: 'crossEntropy',
      optimizer: { type: 'sgd', lr: 0.01 },
      epochs: 3,
      batchSize: 32,
      validationSplit: 0.2,
    },
  },
  {
    name: 'MLP 784-256-256-10, batch 128',
    config: {
      data: { kind: 'synthetic-classification', n: 128 * 16, features: 784, classes: 10 },
      model: { kind: 'mlp', hidden: [256, 256] },
      loss: 'crossEntropy',
      optimizer: { type: 'sgd', lr: 0.01 },
      epochs: 2,
      batchSize: 128,
      validationSplit: 0,
    },
  },
]

const VARIANTS: { name: string; patch: Partial<RunConfigInput> }[] = [
  { name: 'SGD', patch: {} },
  { name: 'Adam + clipping', patch: { optimizer: { type: 'adam', lr: 0.001 }, clipping: { mode: 'norm', maxNorm: 1 } } },
  { name: 'SGD + cosine', patch: { schedule: { type: 'cosine', stepUnit: 'batch' } } },
]

const CASES: LoopCase[] = WORKLOADS.flatMap((w) => VARIANTS.map((v) => ({ name: `${w.name}, ${v.name}`, config: { ...w.config, ...v.patch } as RunConfigInput })))

/**
 * Stock tfjs: the same model, data and batches, tfjs's own SGD or Adam through
 * optimizer.minimize, constant LR, no clipping, no metrics read until the end.
 */
async function bareLoop(input: RunConfigInput): Promise<{ steps: number; seconds: number }> {
  const config = parseRunConfig(input)
  const d = loadDataset(config.data, config.seed)
  const model = buildModel(config.model, d.features, outputsFor(config.loss, d), config.seed)
  const x = tf.tensor2d(d.x, [d.rows, d.features])
  const y = targetTensor(config.loss, d)
  const batch = config.batchSize === 'full' ? d.rows : config.batchSize
  const perEpoch = Math.ceil(d.rows / batch)
  const opt = config.optimizer.type === 'adam' ? tf.train.adam(config.optimizer.lr) : tf.train.sgd(config.optimizer.lr)
  const batchLoss = (xb: tf.Tensor2D, yb: tf.Tensor2D): tf.Scalar => lossOf(config.loss, yb, model.forward(xb))
  const t0 = performance.now()
  let last: tf.Scalar | null = null
  for (let e = 0; e < config.epochs; e++) {
    for (let b = 0; b < perEpoch; b++) {
      last?.dispose()
      last = tf.tidy(() => {
        const xb = perEpoch > 1 ? x.slice(b * batch, Math.min(batch, d.rows - b * batch)) : x
        const yb = perEpoch > 1 ? y.slice(b * batch, Math.min(batch, d.rows - b * batch)) : y
        return opt.minimize(() => batchLoss(xb as tf.Tensor2D, yb as tf.Tensor2D), true, model.variables())!
      })
    }
  }
  await last!.data()
  const seconds = (performance.now() - t0) / 1000
  tf.dispose([x, y, last!])
  opt.dispose()
  model.dispose()
  return { steps: config.epochs * perEpoch, seconds }
}

async function monitoredLoop(input: RunConfigInput, dataDir: string, backend: Awaited<ReturnType<typeof selectBackend>>): Promise<{ steps: number; seconds: number }> {
  const config = parseRunConfig(input)
  const t0 = performance.now()
  const r = await runTraining({
    config,
    backend,
    dataDir,
    tfVersion: tf.version.tfjs,
    send: () => {},
    control: { stopRequested: () => false, isPaused: () => false, waitIfPaused: async () => {} },
  })
  return { steps: r.summary.steps, seconds: (performance.now() - t0) / 1000 }
}

async function main(): Promise<void> {
  const opts = new Command('bench')
    .option('--out <file>', 'write every figure as JSON')
    .option('--quick', 'fewer repetitions')
    .option('--only <sections>', 'comma-separated sections to run: training, storage, backend (includes choice), choice, render, open, sweep')
    .parse()
    .opts<{ out?: string; quick?: boolean; only?: string }>()
  const only = opts.only ? new Set(opts.only.split(',').map((s) => s.trim())) : null
  const runs = (section: string) => !only || only.has(section)
  const backend = await selectBackend('auto')
  console.log(`LR Lab bench · ${describeBackend(backend)} · node ${process.versions.node} · tfjs ${tf.version.tfjs}\n`)
  const figures: Figure[] = []
  const dataDir = mkdtempSync(join(tmpdir(), 'lrlab-bench-'))
  const reps = opts.quick ? 1 : 3
  try {
    for (const c of runs('training') ? CASES : []) {
      await bareLoop(c.config) // warm-up: kernels compiled, memory pools grown
      await monitoredLoop(c.config, dataDir, backend)
      let bare = Infinity
      let mon = Infinity
      for (let i = 0; i < reps; i++) {
        const b = await bareLoop(c.config)
        bare = Math.min(bare, (b.seconds * 1000) / b.steps)
        const m = await monitoredLoop(c.config, dataDir, backend)
        mon = Math.min(mon, (m.seconds * 1000) / m.steps)
      }
      figures.push({ name: `${c.name}: monitored / bare throughput`, value: bare / mon, unit: 'ratio', baseline: `stock tfjs loop (optimizer.minimize, same model and batches) on ${backend.name}` })
      figures.push({ name: `${c.name}: monitored ms/step`, value: mon, unit: 'ms/step', baseline: null })
      figures.push({ name: `${c.name}: bare ms/step`, value: bare, unit: 'ms/step', baseline: null })
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
  if (runs('storage')) figures.push(...(await storageFigures({ quick: opts.quick })))
  if (runs('backend')) figures.push(...(await backendFigures({ quick: opts.quick })))
  // Only auto's choice (part of the backend section): trainer on each backend, pick, calibration cost.
  else if (runs('choice')) figures.push(...(await choiceFigures({ quick: opts.quick })))
  if (runs('render')) figures.push(...(await renderFigures({ quick: opts.quick })))
  if (runs('open')) figures.push(...(await openFigures({ quick: opts.quick })))
  if (runs('sweep')) figures.push(...(await sweepFigures({ quick: opts.quick })))
  const w = Math.max(...figures.map((f) => f.name.length))
  for (const f of figures) console.log(`${f.name.padEnd(w)}  ${f.value.toFixed(f.unit === 'ratio' ? 3 : 4).padStart(10)} ${f.unit}${f.baseline ? `  (vs ${f.baseline})` : ''}`)
  if (opts.out) {
    writeFileSync(opts.out, JSON.stringify({ backend, date: new Date().toISOString(), figures }, null, 2))
    console.log(`\nwrote ${opts.out}`)
  }
}

// The backend section measures two trainer processes at once by starting this entry again.
const child = process.argv.indexOf('--bench-child')
if (child >= 0) await benchChild(Number(process.argv[child + 1] ?? 1))
else await main()
