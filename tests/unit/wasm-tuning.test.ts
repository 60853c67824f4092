import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../electron/trainer/backend'
import { applyWasmTuning, removeWasmTuning } from '../../electron/trainer/wasm-tuning'

const onWasm = async (): Promise<boolean> => {
  try {
    await selectBackend('wasm')
    return true
  } catch {
    return false
  }
}

describe('wasm tuning', () => {
  let wasm = false
  beforeAll(async () => {
    wasm = await onWasm()
  })
  afterAll(() => {
    applyWasmTuning()
  })

  it('every transpose combination, with batch dimensions, gives what the stock kernel gives', () => {
    if (!wasm) return
    const shapes: [number[], number[], boolean, boolean][] = [
      [[5, 7], [7, 3], false, false], [[7, 5], [7, 3], true, false], [[5, 7], [3, 7], false, true], [[7, 5], [3, 7], true, true],
      [[2, 7, 5], [2, 3, 7], true, true], [[4, 6, 5], [4, 6, 2], true, false],
    ]
    for (const [sa, sb, ta, tb] of shapes) {
      const a = tf.randomNormal(sa, 0, 1, 'float32', 1)
      const b = tf.randomNormal(sb, 0, 1, 'float32', 2)
      removeWasmTuning()
      const stock = tf.matMul(a, b, ta, tb).arraySync()
      expect(applyWasmTuning()).toBe(true)
      const tuned = tf.matMul(a, b, ta, tb).arraySync()
      expect(JSON.stringify(tuned), `${sa}×${sb} ${ta} ${tb}`).toBe(JSON.stringify(stock))
      tf.dispose([a, b])
    }
  })

  it('training steps give the same losses with and without it, and leak nothing', () => {
    if (!wasm) return
    const run = (): number[] => {
      const w = tf.variable(tf.randomNormal([20, 16], 0, 0.3, 'float32', 3))
      const v = tf.variable(tf.randomNormal([16, 4], 0, 0.3, 'float32', 4))
      const x = tf.randomNormal([32, 20], 0, 1, 'float32', 5)
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 4), 'int32'), 4).toFloat()
      const opt = tf.train.sgd(0.1)
      const losses: number[] = []
      for (let i = 0; i < 10; i++) losses.push(tf.tidy(() => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, x.matMul(w).relu().matMul(v)) as tf.Scalar, true)!.dataSync()[0]!))
      tf.dispose([w, v, x, y])
      opt.dispose()
      return losses
    }
    removeWasmTuning()
    let before = tf.memory().numTensors
    const stock = run()
    const stockLeft = tf.memory().numTensors - before
    applyWasmTuning()
    before = tf.memory().numTensors
    const tuned = run()
    // The override's temporary transposes are freed: it leaves exactly what the stock kernel leaves.
    expect(tf.memory().numTensors - before).toBe(stockLeft)
    tuned.forEach((l, i) => expect(Math.abs(l - stock[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(stock[i]!)))
  })

  it('is a no-op on other backends', async () => {
    await tf.setBackend('cpu')
    expect(applyWasmTuning()).toBe(false)
    if (wasm) await tf.setBackend('wasm')
  })
})
