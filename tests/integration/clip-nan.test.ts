/**
 * A NaN gradient stays NaN through clipping on every backend (PyTorch's clamp keeps NaN;
 * wasm's stock ClipByValue kernel turned it into −clipValue), so the norms show it and the
 * run is caught diverging. Also the one rule for the `clipped` flag with NaN: NaN exceeds
 * no limit, so it never counts as a clip.
 */
import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../shared/config'
import { ClippingSchema, type ClippingInput } from '../../shared/clipping-config'
import { selectBackend } from '../../electron/trainer/backend'
import { clipGradients } from '../../electron/trainer/clipping'
import { train } from '../../electron/trainer/train'
import { applyWasmTuning, removeWasmTuning, wasmTuningActive } from '../../electron/trainer/wasm-tuning'

/** The backends a run can compute on here: cpu, and wasm with LR Lab's kernels and without. */
const BACKENDS = {
  cpu: async () => {
    await selectBackend('cpu')
  },
  'wasm, tuned': async () => {
    delete process.env.LRLAB_WASM_TUNING
    await selectBackend('wasm')
    applyWasmTuning()
    expect(wasmTuningActive()).toBe(true)
  },
  'wasm, stock kernels': async () => {
    await selectBackend('wasm')
    removeWasmTuning()
    process.env.LRLAB_WASM_TUNING = '0'
    expect(applyWasmTuning().applied).toBe(false)
    expect(wasmTuningActive()).toBe(false)
  },
}

function clip(grads: number[][], input: ClippingInput): { grads: number[][]; before: number; after: number; acted: number } {
  const gs = grads.map((g) => tf.tensor1d(g))
  const vars = grads.map((g) => tf.variable(tf.onesLike(tf.tensor1d(g))))
  const r = clipGradients(gs, ClippingSchema.parse(input), { vars, isOutput: grads.map(() => false) })
  const out = {
    grads: r.grads.map((g) => Array.from(g.dataSync())),
    before: r.normBefore.dataSync()[0]!,
    after: r.normAfter.dataSync()[0]!,
    acted: r.acted.dataSync()[0]!,
  }
  tf.dispose([...gs, ...vars, ...r.grads.filter((g, i) => g !== gs[i]), r.normBefore, r.normAfter, r.acted])
  return out
}

describe.each(Object.keys(BACKENDS) as (keyof typeof BACKENDS)[])('NaN gradients on %s', (name) => {
  afterAll(async () => {
    delete process.env.LRLAB_WASM_TUNING
    await selectBackend('auto')
    applyWasmTuning()
  })

  it('clip-by-value keeps NaN, as torch.nn.utils.clip_grad_value_ does', async () => {
    await BACKENDS[name]()
    // PyTorch 1.13: clip_grad_value_([tensor([nan, 1., -2.])], 0.5) → tensor([nan, 0.5000, -0.5000])
    const r = clip([[NaN, 1, -2]], { mode: 'value', clipValue: 0.5 })
    expect(r.grads).toEqual([[NaN, 0.5, -0.5]])
    expect(r.before).toBeNaN()
    expect(r.after).toBeNaN()
    // An entry (−2) exceeded the limit, so it is a clip; NaN alone is not.
    expect(r.acted).toBe(1)
    expect(clip([[NaN, 0.25]], { mode: 'value', clipValue: 0.5 })).toMatchObject({ grads: [[NaN, 0.25]], acted: 0 })
  })

  it('a NaN norm is no clip in any mode; an inf norm is one', async () => {
    await BACKENDS[name]()
    // Every finite entry, tensor and unit is within its limit: only the NaN could count.
    const nan = [[1, NaN], [0.5]]
    for (const input of [
      { mode: 'norm', maxNorm: 5 },
      { mode: 'norm', maxNorm: 5, normType: 'inf' },
      { mode: 'tensor-norm', maxNorm: 5 },
      { mode: 'adaptive', clipFactor: 5 },
      { mode: 'value', clipValue: 5 },
    ] as ClippingInput[]) {
      const r = clip(nan, input)
      expect(r.acted, JSON.stringify(input)).toBe(0)
      expect(r.before).toBeNaN()
      expect(r.after).toBeNaN()
    }
    expect(clip([[1, Infinity], [2]], { mode: 'norm', maxNorm: 1 }).acted).toBe(1)
  })

  // On cpu the products below are summed in float64 and cancel to 0: no NaN arises there.
  it.skipIf(name === 'cpu')('a run whose gradient turns NaN under clip-by-value is caught diverging', async () => {
    await BACKENDS[name]()
    // x·(ŷ − y) overflows float32 to +inf for one row and −inf for the other: the weight's
    // gradient is NaN while the loss (1e20) is finite. The lr is so small that a gradient
    // clamped to ±0.5 instead would move nothing and the run would finish.
    const config = parseRunConfig({
      data: { kind: 'inline', x: [[1e30], [-1e30]], y: [1e10, 1e10] },
      model: { kind: 'linear', init: { weight: [[0]], bias: [0] } },
      optimizer: { type: 'sgd', lr: 1e-30 },
      clipping: { mode: 'value', clipValue: 0.5 },
      epochs: 5,
      batchSize: 'full',
      validationSplit: 0,
      backend: name === 'cpu' ? 'cpu' : 'wasm',
    })
    const gradNorms: number[] = []
    const result = await train(
      config,
      {
        metrics: (steps) => gradNorms.push(...(steps['grad_norm_clipped'] ?? [])),
        progress: () => {},
        event: () => {},
      },
      { stopRequested: () => false, waitIfPaused: async () => {} },
    )
    expect(result.status).toBe('diverged')
    expect(result.summary.divergedAtStep).toBe(1)
    expect(gradNorms[0]).toBeNaN()
  })
})
