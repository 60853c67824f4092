import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  applyWasmTuning,
  fusedAdamUpdate,
  FUSED_NORM_MAX_ELEMENTS,
  fusedMseLoss,
  fusedRegressionEval,
  FUSED_EVAL_MAX_ELEMENTS,
  globalL2Norm,
  layerHealth,
  plainAdamUpdate,
  removeWasmTuning,
  transposeFirst,
  wasmTuningActive,
  type AdamHyper,
  type AdamSlots,
} from '../../electron/trainer/wasm-tuning/index'
import { simdAdamFor, type WasmMemory } from '../../electron/trainer/wasm-tuning/simd-adam'
import { lossOf, metricOf } from '../../electron/trainer/losses'

/** Register and select wasm as electron/trainer/backend.ts does; false where it cannot load. */
async function useWasm(): Promise<boolean> {
  try {
    if (!tf.findBackendFactory('wasm')) {
      const requireModule = createRequire(import.meta.url)
      const wasm = requireModule('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm')
      wasm.setWasmPaths(join(dirname(requireModule.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/')
    }
    return await tf.setBackend('wasm')
  } catch {
    return false
  }
}

/** A variable whose initial tensor is freed (tf.variable keeps its own reference). */
const variable = (init: () => tf.Tensor, trainable = true): tf.Variable => tf.tidy(() => tf.variable(init(), trainable))

const sameFloat32 = (a: number[], b: number[], what: string): void => {
  expect(a.length, what).toBe(b.length)
  a.forEach((x, i) => expect(Math.abs(x - b[i]!), `${what} [${i}]: ${x} vs ${b[i]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b[i]!))))
}

describe('wasm tuning', () => {
  let wasm = false
  beforeAll(async () => {
    wasm = await useWasm()
  })
  afterAll(() => {
    if (wasm) applyWasmTuning()
  })

  it("matMul with every transpose combination, edge size and batch dimensions gives the stock kernel's values bit for bit", () => {
    expect(wasm, 'the wasm backend must load here').toBe(true)
    const cases: [number[], number[], boolean, boolean][] = [
      [[5, 7], [7, 3], false, false],
      [[7, 5], [7, 3], true, false],
      [[5, 7], [3, 7], false, true],
      [[7, 5], [3, 7], true, true],
      [[2, 5, 7], [2, 7, 3], false, false],
      [[2, 7, 5], [2, 7, 3], true, false],
      [[2, 5, 7], [2, 3, 7], false, true],
      [[2, 7, 5], [2, 3, 7], true, true],
      [[3, 2, 6, 5], [3, 2, 6, 4], true, false],
      [[2, 6, 5], [4, 5], false, true],
      [[1, 6, 5], [3, 5, 9], false, false],
      // Row counts around the 4-row block, columns around the 8-wide panel, K = 1.
      [[1, 1], [1, 1], false, false],
      [[4, 8], [8, 8], false, false],
      [[9, 3], [3, 17], false, false],
      [[6, 1], [1, 16], false, false],
      [[3, 33], [24, 33], false, true],
      [[33, 7], [33, 15], true, false],
      [[13, 19], [9, 13], true, true],
      // K around the stock kernel's 48-step blocks: plain unbatched products sum in one pass, the rest in blocks.
      [[80, 1], [80, 1], true, false],
      [[9, 48], [48, 5], false, false],
      [[9, 49], [49, 5], false, false],
      [[49, 9], [49, 5], true, false],
      [[2, 50, 60], [2, 60, 70], false, false],
      [[2, 60, 50], [2, 60, 70], true, false],
      [[1, 6, 97], [3, 97, 9], false, false],
      [[100, 30], [20, 100], true, true],
      // The MLP's products, forward and backward.
      [[128, 784], [784, 256], false, false],
      [[128, 784], [128, 256], true, false],
      [[128, 10], [256, 10], false, true],
      [[128, 256], [128, 10], true, false],
    ]
    for (const [sa, sb, ta, tb] of cases) {
      const what = `[${sa}]×[${sb}] transposeA=${ta} transposeB=${tb}`
      const a = tf.randomNormal(sa, 0, 1, 'float32', 1)
      const b = tf.randomNormal(sb, 0, 1, 'float32', 2)
      removeWasmTuning()
      const stock = tf.matMul(a, b, ta, tb)
      const report = applyWasmTuning()
      expect(report.applied, what).toBe(true)
      expect(report.kernels).toContain('BatchMatMul: SIMD GEMM')
      const tuned = tf.matMul(a, b, ta, tb)
      expect(tuned.shape, what).toEqual(stock.shape)
      expect(firstDifference(tuned, stock), what).toBe(-1)
      tf.dispose([a, b, stock, tuned])
    }
  })

  it('the fallback without wasm SIMD (transpose first, then the stock plain product) equals the plain product bit for bit', () => {
    expect(wasm).toBe(true)
    removeWasmTuning()
    const stock = tf.getKernel('BatchMatMul', 'wasm')!
    const transpose = tf.getKernel('Transpose', 'wasm')!
    for (const [sa, sb, ta, tb] of [
      [[7, 5], [3, 7], true, true],
      [[33, 7], [33, 15], true, false],
      [[2, 5, 7], [2, 3, 7], false, true],
    ] as [number[], number[], boolean, boolean][]) {
      const what = `[${sa}]×[${sb}] transposeA=${ta} transposeB=${tb}`
      const a = tf.randomNormal(sa, 0, 1, 'float32', 8)
      const b = tf.randomNormal(sb, 0, 1, 'float32', 9)
      const swap = (t: tf.Tensor): tf.Tensor => tf.transpose(t, [...Array(t.rank - 2).keys(), t.rank - 1, t.rank - 2])
      const plain = tf.tidy(() => tf.matMul(ta ? swap(a) : a, tb ? swap(b) : b))
      const info = transposeFirst(stock, transpose, { inputs: { a, b }, backend: tf.backend(), attrs: { transposeA: ta, transposeB: tb } })
      const out = tf.engine().makeTensorFromTensorInfo(info)
      expect(out.shape, what).toEqual(plain.shape)
      expect(Array.from(out.dataSync()), what).toEqual(Array.from(plain.dataSync()))
      tf.dispose([a, b, plain, out])
    }
    applyWasmTuning()
  })

  it("sum over leading axes gives the stock kernel's values bit for bit; other sums go to the stock kernel", () => {
    expect(wasm).toBe(true)
    const cases: [number[], number | number[] | undefined, boolean][] = [
      [[128, 256], 0, false],
      [[128, 10], 0, true],
      [[128, 7], [0], false],
      [[1, 5], 0, false],
      [[300, 3], 0, false],
      [[4, 6, 9], [0, 1], false],
      [[4, 6, 9], [1, 0], true],
      [[4, 6, 9], 0, false],
      // Not leading: the stock kernel.
      [[128, 256], 1, false],
      [[128, 256], undefined, false],
      [[4, 6, 9], [0, 2], false],
    ]
    for (const [shape, axis, keepDims] of cases) {
      const what = `sum [${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`
      const x = tf.randomNormal(shape, 0, 1, 'float32', 7)
      removeWasmTuning()
      const stock = tf.sum(x, axis, keepDims)
      expect(applyWasmTuning().kernels).toContain('Sum over leading axes: SIMD columns')
      const tuned = tf.sum(x, axis, keepDims)
      expect(tuned.shape, what).toEqual(stock.shape)
      const [t, r] = [tuned.dataSync(), stock.dataSync()]
      const firstDiff = t.findIndex((v, i) => !Object.is(v, r[i]))
      expect(firstDiff, `${what}: first differing element ${firstDiff}: ${t[firstDiff]} vs ${r[firstDiff]}`).toBe(-1)
      tf.dispose([x, stock, tuned])
    }
    const empty = tf.sum(tf.zeros([0, 5]), 0)
    expect(Array.from(empty.dataSync()), 'zero rows sum to zeros').toEqual([0, 0, 0, 0, 0])
    empty.dispose()
    const ints = tf.tensor2d(
      [
        [1, 2],
        [3, 4],
      ],
      [2, 2],
      'int32',
    )
    expect(Array.from(tf.sum(ints, 0).dataSync()), 'int32 to the stock kernel').toEqual([4, 6])
    ints.dispose()
  })

  /** Values with the float32 corner cases (NaN, ±Infinity, −0, subnormals, overflow) among normal ones. */
  const awkward = (shape: number[], seed: number): tf.Tensor => {
    const n = shape.reduce((p, d) => p * d, 1)
    const special = [NaN, Infinity, -Infinity, -0, 0, 1e-40, -3e-39, 3e38, -3e38, 1, -1]
    const values = Array.from(tf.randomNormal([n], 0, 3, 'float32', seed).dataSync())
    return tf.tensor(
      values.map((v, i) => (i % 7 === 3 ? special[((i / 7 + seed) % special.length) | 0]! : v)),
      shape,
    )
  }
  /** First element where two tensors differ (Object.is: NaN equals NaN, −0 differs from 0), or -1. */
  const firstDifference = (t: tf.Tensor, r: tf.Tensor): string | number => {
    const [a, b] = [t.dataSync(), r.dataSync()]
    const i = a.findIndex((v, k) => !Object.is(v, b[k]))
    return i < 0 ? -1 : `${i}: ${a[i]} vs ${b[i]}`
  }

  it("small tensors: Add, Sub, Multiply, RealDiv and SquaredDifference give the stock kernels' values bit for bit, broadcasts included", () => {
    expect(wasm).toBe(true)
    const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ['Add', tf.add],
      ['Sub', tf.sub],
      ['Multiply', tf.mul],
      ['RealDiv', tf.div],
      ['SquaredDifference', tf.squaredDifference],
    ]
    const shapes: [number[], number[]][] = [
      [
        [80, 1],
        [80, 1],
      ],
      [[80, 1], []],
      [[], [80, 1]],
      [[7, 5], [1]],
      [
        [7, 5],
        [1, 5],
      ],
      [
        [1, 5],
        [7, 5],
      ],
      [[3, 7, 5], [5]],
      [
        [1, 3],
        [2, 1, 3],
      ],
      [[16, 16], [16]],
      [[64, 64], [64]],
      [
        [7, 5],
        [7, 1],
      ],
      [[256], [256]],
      [[257], [1]],
      [
        [2, 3],
        [3, 2, 3],
      ],
    ]
    for (const [name, op] of ops) {
      for (const [sa, sb] of shapes) {
        const what = `${name} [${sa}]·[${sb}]`
        const [a, b] = [awkward(sa, 1), awkward(sb, 2)]
        removeWasmTuning()
        const stock = op(a, b)
        expect(
          applyWasmTuning().kernels.some((k) => k.startsWith('small tensors') && k.includes(name)),
          what,
        ).toBe(true)
        const tuned = op(a, b)
        expect(tuned.shape, what).toEqual(stock.shape)
        expect(firstDifference(tuned, stock), what).toBe(-1)
        tf.dispose([a, b, stock, tuned])
      }
    }
    const ints = tf.add(tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32'))
    expect([ints.dtype, Array.from(ints.dataSync())], 'int32 to the stock kernel').toEqual(['int32', [4, 6]])
    ints.dispose()
  })

  it("stack and concat along the first axis give the stock kernels' tensors; other axes and dtypes go to them", () => {
    expect(wasm).toBe(true)
    const t = (shape: number[], seed: number): tf.Tensor => awkward(shape, seed)
    const cases: [string, () => tf.Tensor][] = [
      ['stack 4 scalars', () => tf.stack([t([], 1), t([], 2), t([], 3), t([], 4)])],
      ['stack [3] ×3', () => tf.stack([t([3], 1), t([3], 2), t([3], 3)])],
      ['stack [2, 5] ×2 axis 0', () => tf.stack([t([2, 5], 1), t([2, 5], 2)])],
      ['stack [2, 5] ×2 axis 1 (stock)', () => tf.stack([t([2, 5], 1), t([2, 5], 2)], 1)],
      ['stack one tensor', () => tf.stack([t([4], 5)])],
      ['concat [2], [1], [6]', () => tf.concat([t([2], 1), t([1], 2), t([6], 3)])],
      ['concat [2, 3], [4, 3] axis 0', () => tf.concat([t([2, 3], 1), t([4, 3], 2)], 0)],
      ['concat [3], [0], [2] axis -1', () => tf.concat([t([3], 1), tf.zeros([0]), t([2], 2)], -1)],
      ['concat [2, 3], [2, 4] axis 1 (stock)', () => tf.concat([t([2, 3], 1), t([2, 4], 2)], 1)],
      ['concat int32 (stock)', () => tf.concat([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3], 'int32')])],
      ['stack int32 (stock)', () => tf.stack([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32')])],
    ]
    for (const [what, make] of cases) {
      removeWasmTuning()
      const stock = tf.tidy(make)
      expect(applyWasmTuning().kernels, what).toContain('Pack, Concat along axis 0: block copies')
      const tuned = tf.tidy(make)
      expect([tuned.shape, tuned.dtype], what).toEqual([stock.shape, stock.dtype])
      expect(firstDifference(tuned, stock), what).toBe(-1)
      tf.dispose([stock, tuned])
    }
  })

  it("products whose batch dimensions broadcast only as shapes ([2, 1] with [1, 3]) give the stock kernel's values", () => {
    expect(wasm).toBe(true)
    // Flattened, those batches are 2 and 3: neither equal nor 1, so ours leave them to the stock kernel.
    for (const [sa, sb] of [
      [
        [2, 1, 3, 4],
        [1, 3, 4, 5],
      ],
      [
        [2, 1, 30, 40],
        [1, 3, 40, 50],
      ],
    ] as number[][][]) {
      const what = `[${sa}]×[${sb}]`
      const [a, b] = [tf.randomNormal(sa!, 0, 1, 'float32', 5), tf.randomNormal(sb!, 0, 1, 'float32', 6)]
      // The kernel itself: tf.matMul may reshape before it gets there.
      const run = (): tf.Tensor => tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }) as tf.Tensor
      removeWasmTuning()
      const stock = run()
      applyWasmTuning()
      const tuned = run()
      expect(tuned.shape, what).toEqual([2, 3, sa![2]!, sb![3]!])
      expect(firstDifference(tuned, stock), what).toBe(-1)
      tf.dispose([a, b, stock, tuned])
    }
  })

  it('products with inner sizes that differ are refused naming the shapes as given, small or large', () => {
    expect(wasm).toBe(true)
    applyWasmTuning()
    tf.tidy(() => {
      expect(() => tf.matMul(tf.ones([4, 3]), tf.ones([5, 6]), true, false)).toThrow(/inner shapes \(4\) and \(5\) of Tensors with shapes 4,3 and 5,6 and transposeA=true/)
      expect(() => tf.matMul(tf.ones([40, 30]), tf.ones([50, 60]), true, false)).toThrow(/inner shapes \(40\) and \(50\) of Tensors with shapes 40,30 and 50,60 and transposeA=true/)
    })
  })

  it("gather gives the stock kernel's values for every axis, dtype and index shape, and rejects bad indices", () => {
    expect(wasm).toBe(true)
    const cases: [number[], tf.DataType, number[], number[], number][] = [
      [[6, 5], 'float32', [4], [5, 0, 5, 2], 0], // rows, repeated
      [[6, 40], 'float32', [3], [1, 4, 0], 0], // long rows (block copy path)
      [[6, 5], 'int32', [2, 2], [3, 1, 0, 5], 0], // 2-D indices
      [[4, 6, 3], 'float32', [3], [5, 0, 2], 1], // inner axis
      [[4, 6, 3], 'bool', [2], [2, 1], 2], // last axis, bool
      [[7], 'float32', [3], [6, 6, 0], 0],
      [[5, 3], 'float32', [0], [], 0], // empty
    ]
    for (const [shape, dtype, idxShape, idx, axis] of cases) {
      const what = `[${shape}] ${dtype} axis ${axis} indices [${idx}]`
      const x = tf.tidy(() => tf.randomUniform(shape, -5, 5, 'float32', 3).cast(dtype))
      const indices = tf.tensor(idx, idxShape, 'int32')
      removeWasmTuning()
      const stock = tf.gather(x, indices, axis)
      expect(applyWasmTuning().kernels).toContain('GatherV2: block copies')
      const tuned = tf.gather(x, indices, axis)
      expect(tuned.shape, what).toEqual(stock.shape)
      expect(tuned.dtype, what).toBe(stock.dtype)
      expect(Array.from(tuned.dataSync()), what).toEqual(Array.from(stock.dataSync()))
      tf.dispose([x, indices, stock, tuned])
    }
    const x = tf.zeros([3, 2])
    for (const bad of [3, -1]) {
      const indices = tf.tensor1d([0, bad], 'int32')
      expect(() => tf.gather(x, indices), `index ${bad}`).toThrow(/not in \[0, 2\]/)
      indices.dispose()
    }
    x.dispose()
  })

  it("globalL2Norm is the plain ops' norm bit for bit, in one kernel when small", () => {
    expect(wasm).toBe(true)
    const sets: number[][][] = [[[1]], [[3, 4], [7]], [[64, 64], [64], [64, 10], [10]], [[100, 100], [50, 50], [3]], [[FUSED_NORM_MAX_ELEMENTS]], [[FUSED_NORM_MAX_ELEMENTS + 1], [2]]]
    sets.forEach((shapes, k) => {
      const ts = shapes.map((s, i) => tf.randomNormal(s, 0, 10 ** (i - 1), 'float32', 31 * k + i))
      const plain = globalL2Norm(ts, false)
      const before = tf.memory().numTensors
      const fused = globalL2Norm(ts)
      expect(tf.memory().numTensors - before, `[${shapes.join('; ')}] tensors made`).toBe(1)
      expect(fused.shape).toEqual([])
      expect(fused.dataSync()[0], `[${shapes.join('; ')}]`).toBe(plain.dataSync()[0])
      tf.dispose([...ts, plain, fused])
    })
    // Large inputs take the plain kernels: same value, and no custom kernel is needed.
    const big = tf.ones([FUSED_NORM_MAX_ELEMENTS + 1])
    expect(globalL2Norm([big]).dataSync()[0]).toBeCloseTo(Math.sqrt(FUSED_NORM_MAX_ELEMENTS + 1), 2)
    big.dispose()
  })

  it("layerHealth is the plain ops' diagnostics bit for bit (trained, frozen, unchanged layers), in one kernel when small", async () => {
    expect(wasm).toBe(true)
    let seed = 5
    const random = (shape: number[], scale: number): tf.Tensor => tf.randomNormal(shape, 0, scale, 'float32', seed++)
    // Each layer: variable shapes, and what happened to it this step.
    const cases: { shapes: number[][]; kind: 'trained' | 'frozen' | 'unchanged' }[][] = [
      [{ shapes: [[1, 1], [1]], kind: 'trained' }],
      [
        { shapes: [[64, 64], [64]], kind: 'frozen' },
        { shapes: [[64, 10], [10]], kind: 'trained' },
      ],
      [
        { shapes: [[3, 5], [5]], kind: 'unchanged' },
        { shapes: [[5, 2], [2]], kind: 'trained' },
        { shapes: [[2, 1]], kind: 'frozen' },
      ],
      [{ shapes: [[200, 100], [100]], kind: 'trained' }], // above the fused bound: the plain ops with fused norms
    ]
    for (const layers of cases) {
      const made = layers.map(({ shapes, kind }) => {
        const weights = shapes.map((s) => random(s, 0.5))
        if (kind === 'frozen') return { weights, grads: null, before: null }
        const before = kind === 'unchanged' ? weights.map((w) => w.clone()) : weights.map((w) => tf.sub(w, random(w.shape, 1e-3)))
        return { weights, grads: shapes.map((s) => random(s, 0.1)), before }
      })
      const what = layers.map((l) => `${l.kind} [${l.shapes.join('; ')}]`).join(', ')
      const plain = layerHealth(made, false)
      let fused: tf.Tensor | undefined
      const profile = await tf.profile(() => (fused = layerHealth(made)))
      const small = made.flatMap((l) => [...l.weights, ...(l.grads ?? []), ...(l.before ?? [])]).reduce((n, t) => n + t.size, 0) <= 2 * FUSED_NORM_MAX_ELEMENTS
      if (small) expect(profile.kernelNames, what).toEqual(['LRLabLayerHealth'])
      expect(fused!.shape, what).toEqual([layers.length * 3])
      expect(Array.from(fused!.dataSync()), what).toEqual(Array.from(plain.dataSync()))
      tf.dispose([plain, fused!, ...made.flatMap((l) => [...l.weights, ...(l.grads ?? []), ...(l.before ?? [])])])
    }
  })

  it('fusedRegressionEval is the plain MSE, R² and MAE bit for bit, in one kernel', async () => {
    expect(wasm).toBe(true)
    const cases: [string, () => [tf.Tensor2D, tf.Tensor2D]][] = [
      ['[20, 1]', () => [tf.randomNormal([20, 1], 0, 3, 'float32', 1), tf.randomNormal([20, 1], 0, 3, 'float32', 2)] as [tf.Tensor2D, tf.Tensor2D]],
      [
        '[80, 1] close fit',
        () =>
          tf.tidy(() => {
            const y = tf.randomNormal([80, 1], 2, 1, 'float32', 3) as tf.Tensor2D
            return [y, tf.add(y, tf.randomNormal([80, 1], 0, 1e-3, 'float32', 4)) as tf.Tensor2D]
          }),
      ],
      ['[50, 3]', () => [tf.randomNormal([50, 3], 0, 1, 'float32', 5), tf.randomNormal([50, 3], 0, 1, 'float32', 6)] as [tf.Tensor2D, tf.Tensor2D]],
      ['[1, 1]', () => [tf.tensor2d([[0.5]]), tf.tensor2d([[0.25]])]],
      ['constant targets (R² divides by zero)', () => [tf.fill([10, 1], 2) as tf.Tensor2D, tf.randomNormal([10, 1], 0, 1, 'float32', 7) as tf.Tensor2D]],
      ['a NaN prediction', () => [tf.randomNormal([8, 1], 0, 1, 'float32', 8) as tf.Tensor2D, tf.tensor2d([1, 2, NaN, 4, 5, 6, 7, 8], [8, 1])]],
    ]
    for (const [what, make] of cases) {
      const [y, out] = make()
      for (const metric of ['r2', 'mae'] as const) {
        for (const mse of [true, false]) {
          const label = `${what}, ${metric}, mse ${mse}`
          const plain = tf.tidy(() => Array.from(tf.stack([...(mse ? [lossOf('mse', y, out)] : []), metricOf('mse', false, y, out, metric)]).dataSync()))
          let fused: tf.Tensor1D | null = null
          const profile = await tf.profile(() => (fused = fusedRegressionEval(y, out, { mse, metric }))!)
          expect(profile.kernelNames, label).toEqual(['LRLabRegressionEval'])
          const values = Array.from(fused!.dataSync())
          values.forEach((v, i) => expect(Object.is(v, plain[i]), `${label} [${i}]: ${v} vs ${plain[i]}`).toBe(true))
          fused!.dispose()
        }
      }
      tf.dispose([y, out])
    }
    // Large, mismatched or non-float inputs: the caller runs the plain ops.
    const big = tf.zeros([FUSED_EVAL_MAX_ELEMENTS + 1, 1])
    expect(fusedRegressionEval(big, big, { mse: true, metric: 'r2' })).toBeNull()
    const [a, b] = [tf.zeros([4, 1]), tf.zeros([4, 2])]
    expect(fusedRegressionEval(a, b, { mse: true, metric: 'r2' })).toBeNull()
    tf.dispose([big, a, b])
  })

  it("fusedMseLoss and its gradients (for the predictions and the targets, any upstream dy) are the plain MSE's bit for bit", async () => {
    expect(wasm).toBe(true)
    const cases: [number[], number][] = [
      [[80, 1], 1],
      [[80, 1], 0.37],
      [[32, 3], 1],
      [[1, 1], 2.5],
      [[7, 2], -3],
    ]
    for (const [shape, upstream] of cases) {
      const what = `[${shape}] dy ${upstream}`
      const y = awkward(shape, 11)
      const out = tf.randomNormal(shape, 0, 2, 'float32', 12)
      const dy = tf.scalar(upstream)
      const plainLoss = tf.losses.meanSquaredError(y, out)
      const plainGrads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.losses.meanSquaredError(a, b))([y, out], dy)
      let fusedLoss: tf.Scalar | null = null
      const profile = await tf.profile(() => (fusedLoss = fusedMseLoss(y, out))!)
      expect(profile.kernelNames, what).toEqual(['LRLabMseLoss'])
      const fusedGrads = tf.grads((a: tf.Tensor, b: tf.Tensor) => fusedMseLoss(a, b)!)([y, out], dy)
      expect(firstDifference(fusedLoss!, plainLoss), `${what}: loss`).toBe(-1)
      expect(firstDifference(fusedGrads[0]!, plainGrads[0]!), `${what}: d/dy`).toBe(-1)
      expect(firstDifference(fusedGrads[1]!, plainGrads[1]!), `${what}: d/dout`).toBe(-1)
      tf.dispose([y, out, dy, plainLoss, ...plainGrads, fusedLoss!, ...fusedGrads])
    }
    const [a, b] = [tf.zeros([4, 1]), tf.zeros([4, 2])]
    expect(fusedMseLoss(a, b), 'shapes differ: the plain ops broadcast').toBeNull()
    tf.dispose([a, b])
  })

  it('is idempotent and can be removed', () => {
    expect(wasm).toBe(true)
    const first = applyWasmTuning()
    const again = applyWasmTuning()
    expect(again).toEqual(first)
    removeWasmTuning()
    expect(wasmTuningActive()).toBe(false)
    removeWasmTuning()
    expect(applyWasmTuning().applied).toBe(true)
  })

  it('LRLAB_WASM_TUNING=0 keeps the stock kernel', () => {
    expect(wasm).toBe(true)
    removeWasmTuning()
    process.env.LRLAB_WASM_TUNING = '0'
    try {
      const report = applyWasmTuning()
      expect(report.applied).toBe(false)
      expect(report.reason).toMatch(/LRLAB_WASM_TUNING/)
      expect(wasmTuningActive()).toBe(false)
    } finally {
      delete process.env.LRLAB_WASM_TUNING
    }
  })

  /** Losses of 8 steps of a 20-16-4 MLP; `fast` uses fusedAdamUpdate (forced on every tensor). */
  function trainLosses(fast: boolean, activation: 'relu' | 'tanh' | 'sigmoid' = 'relu'): number[] {
    const sizes = [20, 16, 4]
    const ws = [variable(() => tf.randomNormal([20, 16], 0, 0.3, 'float32', 3)), variable(() => tf.randomNormal([16, 4], 0, 0.3, 'float32', 4))]
    const bs = [variable(() => tf.randomNormal([16], 0, 0.1, 'float32', 6)), variable(() => tf.randomNormal([4], 0, 0.1, 'float32', 7))]
    const x = tf.randomNormal([32, sizes[0]!], 0, 1, 'float32', 5)
    const y = tf.tidy(() =>
      tf
        .oneHot(
          tf.tensor1d(
            Array.from({ length: 32 }, (_, i) => i % 4),
            'int32',
          ),
          4,
        )
        .toFloat(),
    )
    const params = [ws[0]!, bs[0]!, ws[1]!, bs[1]!]
    const slots: AdamSlots[] = params.map((p) => ({ expAvg: variable(() => tf.zerosLike(p), false), expAvgSq: variable(() => tf.zerosLike(p), false) }))
    const act = { relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid }[activation]
    const loss = (): tf.Scalar => {
      const h = act(tf.add(tf.matMul(x, ws[0]!), bs[0]!))
      const out = tf.add(tf.matMul(h, ws[1]!), bs[1]!)
      return tf.losses.softmaxCrossEntropy(y, out) as tf.Scalar
    }
    const losses: number[] = []
    for (let k = 1; k <= 8; k++) {
      losses.push(
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(loss, params)
          const h: AdamHyper = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: k }
          params.forEach((p, i) => (fast ? fusedAdamUpdate(p, grads[p.name]!, slots[i]!, h, true) : plainAdamUpdate(p, grads[p.name]!, slots[i]!, h)))
          return value.dataSync()[0]!
        }),
      )
    }
    tf.dispose([...params, x, y, ...slots.flatMap((s) => [s.expAvg, s.expAvgSq])])
    return losses
  }

  it('training steps give the same losses with and without the overrides, and leak nothing', () => {
    expect(wasm).toBe(true)
    removeWasmTuning()
    let before = tf.memory().numTensors
    const stock = trainLosses(false)
    const stockLeft = tf.memory().numTensors - before
    applyWasmTuning()
    before = tf.memory().numTensors
    const tuned = trainLosses(false)
    // The override's temporary transposes are freed: it leaves exactly what the stock kernel leaves.
    expect(tf.memory().numTensors - before).toBe(stockLeft)
    expect(stockLeft).toBe(0)
    sameFloat32(tuned, stock, 'loss')
    expect(stock.at(-1)!).toBeLessThan(stock[0]!)
  })

  it('fusedAdamUpdate trains exactly like the plain Adam', () => {
    expect(wasm).toBe(true)
    applyWasmTuning()
    for (const act of ['relu', 'tanh', 'sigmoid'] as const) {
      const before = tf.memory().numTensors
      const fast = trainLosses(true, act)
      expect(tf.memory().numTensors, `${act}: tensors left`).toBe(before)
      sameFloat32(fast, trainLosses(false, act), `${act} loss`)
    }
  })

  it('fusedAdamUpdate equals the plain update bit for bit (Adam, L2, AdamW, amsgrad) on wasm and cpu', async () => {
    const cases: [string, Partial<AdamHyper>, boolean][] = [
      ['adam', {}, false],
      ['adam + L2', { weightDecay: 0.05 }, false],
      ['adamw', { weightDecay: 0.05, decoupled: true }, false],
      ['amsgrad', {}, true],
    ]
    for (const backend of ['wasm', 'cpu']) {
      if (backend === 'wasm' && !wasm) continue
      await tf.setBackend(backend)
      for (const [name, over, amsgrad] of cases) {
        const run = (fused: boolean): number[][] => {
          const p = variable(() => tf.randomNormal([37, 5], 0, 1, 'float32', 11))
          const slots: AdamSlots = {
            expAvg: variable(() => tf.zeros([37, 5]), false),
            expAvgSq: variable(() => tf.zeros([37, 5]), false),
            ...(amsgrad && { maxExpAvgSq: variable(() => tf.zeros([37, 5]), false) }),
          }
          for (let k = 1; k <= 5; k++) {
            // Gradients shrink so amsgrad's max differs from v.
            const g = tf.randomNormal([37, 5], 0, 1 / k, 'float32', 20 + k)
            const h: AdamHyper = { lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, decoupled: false, step: k, ...over }
            if (fused) fusedAdamUpdate(p, g, slots, h, true)
            else plainAdamUpdate(p, g, slots, h)
            g.dispose()
          }
          const all = [p, slots.expAvg, slots.expAvgSq, ...(slots.maxExpAvgSq ? [slots.maxExpAvgSq] : [])]
          const out = all.map((t) => Array.from(t.dataSync()))
          tf.dispose(all)
          return out
        }
        const before = tf.memory().numTensors
        const fused = run(true)
        expect(tf.memory().numTensors, `${backend} ${name}: tensors left`).toBe(before)
        expect(fused, `${backend} ${name}`).toEqual(run(false))
      }
    }
    if (wasm) await tf.setBackend('wasm')
  })

  it('the SIMD Adam loops (Adam, L2, AdamW) equal the plain update bit for bit at every size and lane remainder', () => {
    expect(wasm).toBe(true)
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: WasmMemory } } }).wasm.asm.memory
    expect(simdAdamFor(memory), 'wasm SIMD must be available here').not.toBeNull()
    const variants: [string, Partial<AdamHyper>][] = [
      ['adam', {}],
      ['L2', { weightDecay: 0.05 }],
      ['adamw', { weightDecay: 0.05, decoupled: true }],
    ]
    for (const [variant, over] of variants)
      for (const n of [1, 3, 4, 5, 17, 4099, 200_704]) {
        const run = (fused: boolean): number[][] => {
          const p = variable(() => tf.randomNormal([n], 0, 1, 'float32', 41))
          // Non-zero state, as after many steps; v > 0.
          const slots: AdamSlots = { expAvg: variable(() => tf.randomNormal([n], 0, 0.1, 'float32', 42), false), expAvgSq: variable(() => tf.randomUniform([n], 0, 0.01, 'float32', 43), false) }
          for (let k = 1; k <= 3; k++) {
            const g = tf.randomNormal([n], 0, 1 / k, 'float32', 50 + k)
            const h: AdamHyper = { lr: 0.003, beta1: 0.85, beta2: 0.995, eps: 1e-6, weightDecay: 0, decoupled: false, step: k + 10, ...over }
            if (fused) fusedAdamUpdate(p, g, slots, h)
            else plainAdamUpdate(p, g, slots, h)
            g.dispose()
          }
          const out = [p, slots.expAvg, slots.expAvgSq].map((t) => Array.from(t.dataSync()))
          tf.dispose([p, slots.expAvg, slots.expAvgSq])
          return out
        }
        const before = tf.memory().numTensors
        const fused = run(true)
        expect(tf.memory().numTensors, `${variant} n=${n}: tensors left`).toBe(before)
        const plain = run(false)
        for (let j = 0; j < 3; j++) {
          const bad = fused[j]!.findIndex((x, i) => !Object.is(x, plain[j]![i]!))
          expect(bad, `${variant} n=${n} output ${j} first mismatch at ${bad}: ${fused[j]![bad]} vs ${plain[j]![bad]}`).toBe(-1)
        }
      }
  })

  it('is a no-op on other backends', async () => {
    removeWasmTuning()
    await tf.setBackend('cpu')
    const report = applyWasmTuning()
    expect(report).toMatchObject({ applied: false, backend: 'cpu' })
    expect(wasmTuningActive()).toBe(false)
    if (wasm) await tf.setBackend('wasm')
  })
})
