/**
 * Backend table: ms per step of stock tfjs (tfjs's Adam through minimize) on wasm with and
 * without LR Lab's fast paths, and on cpu, for the same models and batches.
 */
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../trainer/backend'
import { applyWasmTuning, removeWasmTuning } from '../trainer/wasm-tuning'
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

function msPerStep(m: Mlp, steps: number): number {
  const ws = m.sizes.slice(1).map((n, i) => tf.variable(tf.randomNormal([m.sizes[i]!, n], 0, 0.05, 'float32', i)))
  const bs = m.sizes.slice(1).map((n) => tf.variable(tf.zeros([n])))
  const x = tf.randomNormal([m.batch, m.sizes[0]!], 0, 1, 'float32', 9)
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: m.batch }, (_, i) => i % 10), 'int32'), m.sizes.at(-1)!).toFloat())
  const opt = tf.train.adam(0.001)
  const step = (): number =>
    tf.tidy(() => {
      const loss = opt.minimize(() => {
        let h: tf.Tensor = x
        ws.forEach((w, i) => {
          h = tf.add(tf.matMul(h as tf.Tensor2D, w), bs[i]!)
          if (i < ws.length - 1) h = tf.relu(h)
        })
        return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar
      }, true)!
      return loss.dataSync()[0]!
    })
  for (let i = 0; i < 3; i++) step()
  const t0 = performance.now()
  for (let i = 0; i < steps; i++) step()
  const ms = (performance.now() - t0) / steps
  tf.dispose([...ws, ...bs, x, y])
  opt.dispose()
  return ms
}

export async function backendFigures(opts: { quick?: boolean }): Promise<Figure[]> {
  const steps = opts.quick ? 10 : 30
  const figures: Figure[] = []
  const prior = tf.getBackend()
  await selectBackend('wasm')
  for (const m of MODELS) {
    removeWasmTuning()
    const stock = msPerStep(m, steps)
    applyWasmTuning()
    const tuned = msPerStep(m, steps)
    figures.push({ name: `${m.name}: stock tfjs on wasm`, value: stock, unit: 'ms/step', baseline: null })
    figures.push({ name: `${m.name}: tfjs on wasm with LR Lab's fast paths`, value: tuned, unit: 'ms/step', baseline: null })
    figures.push({ name: `${m.name}: speed-up from the fast paths`, value: stock / tuned, unit: 'ratio', baseline: 'stock tfjs on wasm, same run' })
  }
  await tf.setBackend('cpu')
  for (const m of MODELS) figures.push({ name: `${m.name}: stock tfjs on cpu`, value: msPerStep(m, opts.quick ? 3 : 6), unit: 'ms/step', baseline: null })
  await tf.setBackend(prior || 'wasm')
  figures.push({ name: 'reference: PyTorch 1.13 (CPU, OpenBLAS), MLP 784-256-256-10, batch 128, Adam', value: 2.2, unit: 'ms/step', baseline: 'measured once on this machine (2026-11), not re-run by the bench' })
  return figures
}
