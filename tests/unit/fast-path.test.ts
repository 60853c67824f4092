/**
 * One dispatch for LR Lab's fast paths and one list of its own kernels: the tuning report (the
 * backend badge) names every custom kernel, and when the tuning is off none of them runs.
 */
import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../shared/config'
import { activateBackend } from '../../electron/trainer/backend'
import { buildModel } from '../../electron/trainer/model'
import { trainingStep } from '../../electron/trainer/train'
import { applyWasmTuning, fastPath, layerHealth, removeWasmTuning } from '../../electron/trainer/wasm-tuning'
import { evaluation } from '../../electron/trainer/losses'

const CUSTOM = ['LRLabAdamUpdate', 'LRLabGlobalNorm', 'LRLabLayerHealth', 'LRLabRegressionEval', 'LRLabMseLoss', 'LRLabMseGrad']

/** The kernels one Adam + clipping + MSE step, its layer health and a regression evaluation run. */
async function kernelsOfAStep(): Promise<string[]> {
  const config = parseRunConfig({
    data: { kind: 'linreg' },
    model: { kind: 'mlp', hidden: [8] },
    loss: 'mse',
    metric: 'r2',
    optimizer: { type: 'adam', lr: 0.01 },
    clipping: { mode: 'norm', maxNorm: 1 },
    epochs: 1,
  })
  const model = buildModel(config.model, 1, 1, 1)
  const stepper = trainingStep(config, model)
  const x = tf.randomNormal([16, 1], 0, 1, 'float32', 3) as tf.Tensor2D
  const y = tf.tidy(() => x.mul(2).add(1)) as tf.Tensor2D
  const fused = fastPath() === 'wasm'
  const info = await tf.profile(() => {
    tf.tidy(() => {
      const before = stepper.trainVars.map((v) => v.clone())
      const { applied } = stepper.run(x, y, { lr: 0.01 })
      let k = 0
      layerHealth(
        model.layers.map((l) => {
          const at = l.vars.map(() => k++)
          return { weights: l.vars, grads: at.map((i) => applied[i]!), before: at.map((i) => before[i]!) }
        }),
        fused,
      )
      evaluation('mse', false, y, model.forward(x), 'r2', true, fused)
    })
  })
  tf.dispose([x, y])
  stepper.optimizer.dispose()
  model.dispose()
  return info.kernelNames
}

describe('fast paths', () => {
  afterAll(async () => {
    await activateBackend('wasm') // leave the tuned wasm backend active, as the trainer does
  })

  it('the wasm report names every LR Lab kernel, and a tuned step runs them', async () => {
    await activateBackend('wasm')
    const report = applyWasmTuning()
    expect(report.applied).toBe(true)
    for (const k of CUSTOM)
      expect(
        report.kernels.some((line) => line.startsWith(`${k}:`)),
        k,
      ).toBe(true)
    const ran = await kernelsOfAStep()
    for (const k of ['LRLabAdamUpdate', 'LRLabGlobalNorm', 'LRLabMseLoss', 'LRLabMseGrad', 'LRLabLayerHealth', 'LRLabRegressionEval']) expect(ran, k).toContain(k)
  })

  it('with the tuning removed, no LR Lab kernel runs on wasm (the optimizer asks the same dispatch)', async () => {
    await activateBackend('wasm')
    removeWasmTuning()
    try {
      expect(fastPath()).toBeNull()
      const ran = await kernelsOfAStep()
      expect(ran.filter((k) => k.startsWith('LRLab'))).toEqual([])
    } finally {
      applyWasmTuning()
    }
  })

  it('LRLAB_WASM_TUNING=0: no fast path on cpu either', async () => {
    await activateBackend('cpu')
    process.env.LRLAB_WASM_TUNING = '0'
    try {
      expect(fastPath()).toBeNull()
      expect((await kernelsOfAStep()).filter((k) => k.startsWith('LRLab'))).toEqual([])
    } finally {
      delete process.env.LRLAB_WASM_TUNING
    }
    expect(fastPath()).toBe('cpu')
    expect(await kernelsOfAStep()).toContain('LRLabAdamUpdate')
  })
})
