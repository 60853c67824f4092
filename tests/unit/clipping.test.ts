/**
 * Clipping beyond the PyTorch traces: config validation, PyTorch's documented edge cases
 * (the 1e-6, non-finite norms), Keras per-tensor clipnorm, AGC, the acted flag, memory.
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../electron/trainer/backend'
import { clipGradients, globalNorm, type ClipResult } from '../../electron/trainer/clipping'
import { CLIPPING_DOCS, CLIPPING_MODES, ClippingSchema, type ClippingInput } from '../../shared/clipping-config'

function problems(input: unknown): string[] {
  const r = ClippingSchema.safeParse(input)
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

describe('ClippingSchema', () => {
  it('fills defaults', () => {
    expect(ClippingSchema.parse({ mode: 'norm', maxNorm: 1 })).toEqual({ mode: 'norm', maxNorm: 1, normType: 2 })
    expect(ClippingSchema.parse({ mode: 'adaptive' })).toEqual({ mode: 'adaptive', clipFactor: 0.01, eps: 1e-3, excludeOutput: false })
  })

  it('names the field and the problem', () => {
    expect(problems({ mode: 'value' })).toEqual(['clipValue: clipValue is required'])
    expect(problems({ mode: 'value', clipValue: 0 })).toEqual(['clipValue: clipValue must be > 0'])
    expect(problems({ mode: 'norm', maxNorm: -1 })).toEqual(['maxNorm: maxNorm must be > 0'])
    expect(problems({ mode: 'norm', maxNorm: 1, normType: 0.5 })).toEqual(['normType: normType must be ≥ 1 or "inf"'])
    expect(problems({ mode: 'norm', maxNorm: 1, normType: 'max' })).toEqual(['normType: normType must be a number ≥ 1 or "inf"'])
    expect(problems({ mode: 'tensor-norm', maxNorm: 'big' })).toEqual(['maxNorm: maxNorm must be a finite number'])
    expect(problems({ mode: 'adaptive', clipFactor: 0 })).toEqual(['clipFactor: clipFactor must be > 0'])
    expect(problems({ mode: 'adaptive', excludeOutput: 1 })).toEqual(['excludeOutput: excludeOutput must be true or false'])
    expect(problems({ mode: 'global' })).toEqual(['mode: mode must be one of none, value, norm, tensor-norm, adaptive'])
    expect(problems({ mode: 'none', maxNorm: 1 })).toEqual([': unknown field(s) for clipping mode none: maxNorm'])
  })

  it('documents every mode', () => {
    for (const mode of CLIPPING_MODES) expect(CLIPPING_DOCS[mode].summary.length, mode).toBeGreaterThan(10)
  })
})

describe.each(['auto', 'cpu'] as const)('clipGradients on the %s backend', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend)
  })

  /** Run a clip on plain arrays and read everything back, disposing all tensors. */
  function clip(grads: number[][], input: ClippingInput, params?: { vars: number[][]; shapes?: number[][]; isOutput: boolean[] }): { grads: number[][]; before: number; after: number; acted: number } {
    const shapes = params?.shapes ?? grads.map((g) => [g.length])
    const gs = grads.map((g, i) => tf.tensor(g, shapes[i]))
    const vars = params?.vars.map((v, i) => tf.variable(tf.tensor(v, shapes[i])))
    const r: ClipResult = clipGradients(gs, ClippingSchema.parse(input), vars && { vars, isOutput: params!.isOutput })
    const out = {
      grads: r.grads.map((g) => Array.from(g.dataSync())),
      before: r.normBefore.dataSync()[0]!,
      after: r.normAfter.dataSync()[0]!,
      acted: r.acted.dataSync()[0]!,
    }
    tf.dispose([...gs, ...(vars ?? []), ...r.grads, r.normBefore, r.normAfter, r.acted])
    return out
  }
  const near = (actual: number[], expected: number[], tol = 1e-6) =>
    expected.forEach((e, j) => expect(Math.abs(actual[j]! - e), `index ${j}: ${actual[j]} vs ${e}`).toBeLessThanOrEqual(tol * (1 + Math.abs(e))))

  it('none: passes the gradients through (no copies), reports the norm, never acts', () => {
    const r = clip([[3, 4], [12]], { mode: 'none' })
    expect(r.grads).toEqual([[3, 4], [12]])
    expect(r.before).toBeCloseTo(13, 5)
    expect(r.after).toBeCloseTo(13, 5)
    expect(r.acted).toBe(0)
    const gs = [tf.tensor1d([3, 4]), tf.tensor1d([12])]
    const direct = clipGradients(gs, ClippingSchema.parse({ mode: 'none' }))
    expect(direct.grads[0]).toBe(gs[0])
    expect(direct.grads[1]).toBe(gs[1])
    expect(direct.normAfter).toBe(direct.normBefore)
    tf.dispose([...gs, direct.normBefore, direct.acted])
  })

  it('norm: PyTorch’s coef max_norm/(total + 1e-6), applied to every gradient', () => {
    const r = clip([[3, 4], [12]], { mode: 'norm', maxNorm: 1 })
    const coef = 1 / (13 + 1e-6)
    near(r.grads[0]!, [3 * coef, 4 * coef])
    near(r.grads[1]!, [12 * coef])
    near([r.before, r.after], [13, 13 * coef])
    expect(r.acted).toBe(1)
  })

  it('norm inf: scales by max_norm/max|g|, reports the L2 norms', () => {
    const r = clip([[3, -4], [12]], { mode: 'norm', maxNorm: 5, normType: 'inf' })
    const coef = 5 / (12 + 1e-6)
    near(r.grads[0]!, [3 * coef, -4 * coef])
    near(r.grads[1]!, [12 * coef])
    near([r.before], [13])
    expect(r.acted).toBe(1)
  })

  it('norm: below the threshold nothing changes and acted is 0', () => {
    const r = clip([[0.3, 0.4]], { mode: 'norm', maxNorm: 1 })
    near(r.grads[0]!, [0.3, 0.4])
    expect(r.acted).toBe(0)
  })

  it('norm: the 1e-6 dominates for a tiny max_norm (grads ×1/11 though norm ≤ max_norm)', () => {
    const r = clip([[1e-7]], { mode: 'norm', maxNorm: 1e-7 })
    near(r.grads[0]!, [1e-7 * (1e-7 / (1e-7 + 1e-6))], 1e-5)
    expect(r.acted).toBe(1)
  })

  it('norm: a NaN makes every gradient NaN; an inf zeroes finite entries and makes itself NaN', () => {
    const withNan = clip([[1, NaN], [2]], { mode: 'norm', maxNorm: 1 })
    expect(withNan.grads.flat().every(Number.isNaN)).toBe(true)
    // One rule (README, metrics columns): `clipped` is 1 when the norm exceeded maxNorm; NaN exceeds nothing.
    expect(withNan.acted).toBe(0)
    const withInf = clip([[1, Infinity], [2]], { mode: 'norm', maxNorm: 1 })
    expect(withInf.grads[0]![0]).toBe(0)
    expect(withInf.grads[0]![1]).toBeNaN()
    expect(withInf.grads[1]).toEqual([0])
    expect(withInf.acted).toBe(1)
  })

  it('p-norms: the p-norm of all entries together', () => {
    const gs = [tf.tensor1d([1, -2]), tf.tensor1d([3])]
    const n1 = globalNorm(gs, 1)
    const n3 = globalNorm(gs, 3)
    near([n1.dataSync()[0]!, n3.dataSync()[0]!], [6, Math.cbrt(1 + 8 + 27)], 1e-5)
    const empty = globalNorm([])
    expect(empty.dataSync()[0]).toBe(0)
    tf.dispose([...gs, n1, n3, empty])
  })

  it('value: clamps entries; acted only when an entry exceeded', () => {
    const r = clip([[0.5, -3], [2]], { mode: 'value', clipValue: 1 })
    expect(r.grads).toEqual([[0.5, -1], [1]])
    expect(r.acted).toBe(1)
    near([r.after], [Math.sqrt(0.25 + 1 + 1)])
    expect(clip([[0.5, -1]], { mode: 'value', clipValue: 1 }).acted).toBe(0)
  })

  it('tensor-norm: each tensor clipped to its own norm (Keras clipnorm), zero-safe', () => {
    const r = clip(
      [
        [3, 4],
        [0.3, 0.4],
        [0, 0],
      ],
      { mode: 'tensor-norm', maxNorm: 1 },
    )
    near(r.grads[0]!, [0.6, 0.8])
    near(r.grads[1]!, [0.3, 0.4])
    expect(r.grads[2]).toEqual([0, 0])
    expect(r.acted).toBe(1)
    expect(clip([[0.3, 0.4]], { mode: 'tensor-norm', maxNorm: 1 }).acted).toBe(0)
  })

  it('adaptive: unit-wise over the last axis of a kernel, whole tensor for a bias', () => {
    // Kernel [in=2, out=2]: column 0 has weight norm 5, column 1 weight norm 0 (eps floor applies).
    const kernel = [3, 0, 4, 0]
    const kernelGrad = [0.3, 0.006, 0.4, 0.008] // column norms 0.5 and 0.01
    const bias = [1, 0]
    const biasGrad = [0.001, 0] // norm 0.001 < 0.5·1: kept
    const r = clip(
      [kernelGrad, biasGrad],
      { mode: 'adaptive', clipFactor: 0.5, eps: 1e-3 },
      {
        vars: [kernel, bias],
        shapes: [[2, 2], [2]],
        isOutput: [false, false],
      },
    )
    // Column 0: max 0.5·5 = 2.5 ≥ 0.5, kept. Column 1: max 0.5·1e-3 = 5e-4 < 0.01, scaled by 5e-4/0.01.
    near(r.grads[0]!, [0.3, 0.006 * 0.05, 0.4, 0.008 * 0.05])
    near(r.grads[1]!, biasGrad)
    expect(r.acted).toBe(1)
  })

  it('adaptive: excludeOutput leaves output-layer gradients alone', () => {
    const vars = [[0, 0], [0]]
    const grads = [[1, 1], [1]]
    const inner = clip(grads, { mode: 'adaptive', excludeOutput: true }, { vars, isOutput: [false, true] })
    near(inner.grads[0]!, [0.01 * 1e-3 * Math.SQRT1_2, 0.01 * 1e-3 * Math.SQRT1_2])
    expect(inner.grads[1]).toEqual([1])
    const all = clip(grads, { mode: 'adaptive', excludeOutput: true }, { vars, isOutput: [true, true] })
    expect(all.grads).toEqual(grads)
    expect(all.acted).toBe(0)
  })

  it('adaptive: needs the parameters', () => {
    const g = tf.tensor1d([1])
    expect(() => clipGradients([g], ClippingSchema.parse({ mode: 'adaptive' }))).toThrow(/needs the parameters/)
    g.dispose()
  })

  it('leaks no tensors in any mode', () => {
    const inputs: ClippingInput[] = [
      { mode: 'none' },
      { mode: 'value', clipValue: 0.1 },
      { mode: 'norm', maxNorm: 0.1 },
      { mode: 'norm', maxNorm: 0.1, normType: 'inf' },
      { mode: 'norm', maxNorm: 0.1, normType: 3 },
      { mode: 'tensor-norm', maxNorm: 0.1 },
      { mode: 'adaptive' },
    ]
    const gs = [tf.ones([3, 2]), tf.ones([2])]
    const vars = tf.tidy(() => [tf.variable(tf.ones([3, 2])), tf.variable(tf.ones([2]))])
    const before = tf.memory().numTensors
    for (const input of inputs) {
      const r = clipGradients(gs, ClippingSchema.parse(input), { vars, isOutput: [false, true] })
      expect(r.grads.length).toBe(2)
      // The caller disposes what is new (mode 'none' hands back the given gradients).
      tf.dispose([...r.grads.filter((g, i) => g !== gs[i]), r.normBefore, r.normAfter, r.acted])
      expect(tf.memory().numTensors, input.mode).toBe(before)
    }
    tf.dispose([...gs, ...vars])
  })
})
