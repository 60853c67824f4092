/**
 * Backend table: ms per training step for the same models and batches on
 *  - stock tfjs on wasm (tf.train.adam + minimize, no overrides),
 *  - the same with LR Lab's wasm kernel overrides,
 *  - LR Lab's fast path: overrides + denseForward + variableGrads + fusedAdamUpdate,
 *  - stock tfjs on cpu,
 * with the speed-ups against stock wasm measured in the same run.
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { applyWasmTuning, denseForward, fusedAdamUpdate, removeWasmTuning, type AdamHyper } from '../trainer/wasm-tuning/index'
import type { Figure } from './figure'

interface Mlp {
  name: string
  sizes: number[]
  batch: number
}

const MODELS: Mlp[] = [
  { name: 'MLP 784-256-256-10, batch 128, Adam', sizes: [784, 256, 256, 10], batch: 128 },
  { name: 'digits MLP 64-64-10, batch 32, Adam', sizes: [64, 64, 10], batch: 32 },
]

type Variant = 'stock' | 'fast'

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

/** One MLP trainer: 'stock' is tfjs's Adam through minimize, 'fast' is LR Lab's fast path. */
function mlpTrainer(m: Mlp, variant: Variant): { step(): number; dispose(): void } {
  const ws = m.sizes.slice(1).map((n, i) => variable(() => tf.randomNormal([m.sizes[i]!, n], 0, 0.05, 'float32', i)))
  const bs = m.sizes.slice(1).map((n) => variable(() => tf.zeros([n])))
  const x = tf.randomNormal([m.batch, m.sizes[0]!], 0, 1, 'float32', 9)
  const classes = m.sizes.at(-1)!
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: m.batch }, (_, i) => i % classes), 'int32'), classes).toFloat())
  const last = ws.length - 1
  if (variant === 'stock') {
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
  const params = ws.flatMap((w, i) => [w, bs[i]!])
  const slots = params.map((p) => ({ expAvg: variable(() => tf.zerosLike(p), false), expAvgSq: variable(() => tf.zerosLike(p), false) }))
  let k = 0
  const loss = (): tf.Scalar => {
    let h = x as tf.Tensor2D
    ws.forEach((w, i) => {
      h = denseForward(h, w as tf.Tensor2D, bs[i]! as tf.Tensor1D, i < last ? 'relu' : 'linear', { inputGrad: i > 0 })
    })
    return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar
  }
  return {
    step: () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss, params)
        const hyper: AdamHyper = { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: ++k }
        params.forEach((p, i) => fusedAdamUpdate(p, grads[p.name]!, slots[i]!, hyper))
        return value.dataSync()[0]!
      }),
    dispose: () => {
      tf.dispose([...ws, ...bs, x, y])
      slots.forEach((s) => tf.dispose([s.expAvg, s.expAvgSq]))
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
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!
}

/** The article's regression: Linear(1,1) on 100 points, full batch, MSE, Adam; ms for `epochs` steps. */
function regressionMs(epochs: number, variant: Variant): number {
  const xs = tf.tensor2d(Array.from({ length: 100 }, (_, i) => [i / 50 - 1]))
  const ys = tf.tidy(() => xs.mul(2).add(0.5))
  const w = variable(() => tf.zeros([1, 1]))
  const b = variable(() => tf.zeros([1]))
  const loss = (): tf.Scalar =>
    tf.losses.meanSquaredError(ys, variant === 'fast' ? denseForward(xs, w as tf.Tensor2D, b as tf.Tensor1D, 'linear', { inputGrad: false }) : tf.add(tf.matMul(xs, w), b)) as tf.Scalar
  const opt = tf.train.adam(0.01)
  const slots = [w, b].map((p) => ({ expAvg: variable(() => tf.zerosLike(p), false), expAvgSq: variable(() => tf.zerosLike(p), false) }))
  const t0 = performance.now()
  for (let k = 1; k <= epochs; k++) {
    tf.tidy(() => {
      if (variant === 'stock') return opt.minimize(loss, true)!.dataSync()[0]
      const { value, grads } = tf.variableGrads(loss, [w, b])
      const hyper: AdamHyper = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: k }
      ;[w, b].forEach((p, i) => fusedAdamUpdate(p, grads[p.name]!, slots[i]!, hyper))
      return value.dataSync()[0]
    })
  }
  const ms = performance.now() - t0
  tf.dispose([xs, ys, w, b])
  slots.forEach((s) => tf.dispose([s.expAvg, s.expAvgSq]))
  opt.dispose()
  return ms
}

export async function backendFigures(opts: { quick?: boolean }): Promise<Figure[]> {
  const steps = opts.quick ? 10 : 30
  const figures: Figure[] = []
  const prior = tf.getBackend()
  await useWasm()
  const stockBaseline = 'stock tfjs on wasm, same run'
  for (const m of MODELS) {
    removeWasmTuning()
    const stock = msPerStep(() => mlpTrainer(m, 'stock'), steps)
    applyWasmTuning()
    const tuned = msPerStep(() => mlpTrainer(m, 'stock'), steps)
    const fast = msPerStep(() => mlpTrainer(m, 'fast'), steps)
    figures.push(
      { name: `${m.name}: stock tfjs on wasm`, value: stock, unit: 'ms/step', baseline: null },
      { name: `${m.name}: stock tfjs on wasm with LR Lab's kernel overrides`, value: tuned, unit: 'ms/step', baseline: null },
      { name: `${m.name}: LR Lab's fast path on wasm (overrides, denseForward, fusedAdamUpdate)`, value: fast, unit: 'ms/step', baseline: null },
      { name: `${m.name}: speed-up from the kernel overrides`, value: stock / tuned, unit: 'ratio', baseline: stockBaseline },
      { name: `${m.name}: speed-up from the fast path`, value: stock / fast, unit: 'ratio', baseline: stockBaseline },
    )
  }
  const epochs = 100
  // A warm-up run, then the median of three: the first run pays for JIT and kernel setup.
  const regression = (v: Variant): number => [0, 1, 2, 3].map(() => regressionMs(epochs, v)).slice(1).sort((a, b) => a - b)[1]!
  removeWasmTuning()
  const regStock = regression('stock')
  applyWasmTuning()
  const regFast = regression('fast')
  figures.push(
    { name: `article regression Linear(1,1), 100 points, full batch, Adam, ${epochs} epochs, training steps only: stock tfjs on wasm`, value: regStock, unit: 'ms', baseline: null },
    { name: `the same, LR Lab's fast path on wasm`, value: regFast, unit: 'ms', baseline: null },
  )
  await tf.setBackend('cpu')
  for (const m of MODELS) figures.push({ name: `${m.name}: stock tfjs on cpu`, value: msPerStep(() => mlpTrainer(m, 'stock'), opts.quick ? 3 : 6, 1), unit: 'ms/step', baseline: null })
  if (prior) await tf.setBackend(prior)
  // The app runs wasm with the overrides on: leave it that way.
  if (tf.getBackend() === 'wasm') applyWasmTuning()
  figures.push({ name: 'reference: PyTorch 1.13 (CPU, OpenBLAS), MLP 784-256-256-10, batch 128, Adam', value: 2.2, unit: 'ms/step', baseline: 'measured once on this machine (2026-11), not re-run by the bench' })
  return figures
}
