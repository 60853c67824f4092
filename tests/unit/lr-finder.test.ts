import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { createSmoother, RangeTestSchema, slideIndex, suggestLrs, sweepLr, valleyIndex } from '../../shared/lr-finder'
import { parseRunConfig } from '../../shared/config'
import { selectBackend } from '../../electron/trainer/backend'
import { rangeTestOn, runRangeTest } from '../../electron/trainer/lr-finder'
import { buildModel } from '../../electron/trainer/model'
import { createOptimizer } from '../../electron/trainer/optimizers'
import { planGroups } from '../../electron/trainer/param-groups'

describe('sweep', () => {
  it('ends exactly at endLr, or one ratio short of it with the fastai convention', () => {
    const exact = RangeTestSchema.parse({ startLr: 1e-7, endLr: 10, numIter: 100 })
    expect(sweepLr(exact, 0)).toBe(1e-7)
    expect(sweepLr(exact, 99)).toBeCloseTo(10, 10)
    const fastai = RangeTestSchema.parse({ startLr: 1e-7, endLr: 10, numIter: 100, endConvention: 'fastai' })
    expect(sweepLr(fastai, 99)).toBeCloseTo(8.3176, 3) // fastai's documented last lr
    expect(sweepLr(fastai, 1) / sweepLr(fastai, 0)).toBeCloseTo(1.2023, 4)
    const linear = RangeTestSchema.parse({ startLr: 0.1, endLr: 1, numIter: 10, mode: 'linear' })
    expect(sweepLr(linear, 9)).toBeCloseTo(1, 12)
    expect(sweepLr(linear, 3)).toBeCloseTo(0.4, 12)
  })

  it('refuses a sweep that does not go up, naming the field', () => {
    const r = RangeTestSchema.safeParse({ startLr: 1, endLr: 0.1 })
    expect(r.success).toBe(false)
    expect(r.error!.issues[0]!.path).toEqual(['endLr'])
    expect(RangeTestSchema.safeParse({ numIter: 3 }).error!.issues[0]!.message).toMatch(/numIter/)
  })
})

describe('smoothing', () => {
  it('debiased EMA as fastai, plain EMA seeded with the first loss as pytorch-lr-finder', () => {
    const deb = createSmoother({ smoothing: 'debiased', beta: 0.98 })
    expect(deb(5)).toBeCloseTo(5, 12) // bias correction: the first value is the loss itself
    expect(deb(3)).toBeCloseTo((0.98 * 0.02 * 5 + 0.02 * 3) / (1 - 0.98 ** 2), 12)
    const ema = createSmoother({ smoothing: 'ema', beta: 0.95 })
    expect([2, 1, 1, 1].map(ema)).toEqual([2, 1.95, expect.closeTo(1.9025, 12), expect.closeTo(1.857375, 12)])
  })
})

describe('suggestions on a curve with a known answer', () => {
  // Log-spaced lrs 1e-6…10; loss falls as a tanh centred at 1e-3 (steepest there), bottoms
  // out at 0.1, then rises fast.
  const n = 200
  const lrs = Array.from({ length: n }, (_, i) => 1e-6 * Math.pow(1e7, i / (n - 1)))
  const loss = lrs.map((lr) => {
    const u = Math.log10(lr)
    return u <= -1 ? 2 - Math.tanh(2 * (u + 3)) + 0.01 * (u + 1) ** 2 : 1 + 5 * (u + 1) ** 2
  })
  const { suggestions, proposals, trimmed } = suggestLrs(lrs, loss, n)
  const get = (rule: string) => suggestions.find((s) => s.rule === rule)!
  const grid = Math.pow(1e7, 1 / (n - 1))

  it('trims the first 10% and the last 5 points', () => {
    expect(trimmed).toEqual([20, 195])
  })
  it('steepest and steep find the tanh centre (1e-3) within a grid step', () => {
    expect(Math.abs(Math.log(get('steepest').lr / 1e-3))).toBeLessThanOrEqual(Math.log(grid) * 1.01)
    expect(Math.abs(Math.log(get('steep').lr / 1e-3))).toBeLessThanOrEqual(Math.log(grid) * 1.01)
  })
  it('minimum is a tenth of the LR at the bottom (0.1)', () => {
    expect(get('minimum').lr).toBeCloseTo(lrs[get('minimum').index]! / 10, 15)
    expect(Math.abs(Math.log(lrs[get('minimum').index]! / 0.1))).toBeLessThanOrEqual(Math.log(grid) * 1.01)
  })
  it('valley sits about halfway down the decreasing stretch', () => {
    // The curve decreases from the trim start to the minimum, a chain starting at trimmed index 0:
    // fastai's maxStart is then −1, so s = (m + 1)/3.
    const m = get('minimum').index - 20
    const s = (m + 1) / 3
    expect(get('valley').index).toBe(20 - 1 + Math.trunc(s) + Math.trunc(s / 2))
  })
  it('slide runs on the same trimmed curve', () => {
    expect(get('slide').index).toBeGreaterThanOrEqual(20)
    expect(get('slide').lr).toBe(lrs[get('slide').index])
  })
  it('derived proposals stay below the bottom of the curve', () => {
    expect(proposals!.oneCycleMaxLr).toBeCloseTo(get('minimum').lr, 15)
    expect(proposals!.cyclicMaxLr).toBeLessThan(0.1)
    expect(proposals!.cyclicBaseLr).toBeCloseTo(proposals!.cyclicMaxLr / 4, 15)
  })
  it('is NaN-safe: a curve that ends in NaN is cut before it', () => {
    const withNaN = [...loss.slice(0, 120), NaN, NaN, ...loss.slice(122)]
    const r = suggestLrs(lrs, withNaN, n)
    expect(r.trimmed).toEqual([20, 120])
    expect(r.suggestions.every((s) => Number.isFinite(s.lr) && s.index < 120)).toBe(true)
  })
})

describe('fastai rules, index by index', () => {
  it("valley: fastai's maxStart of −1 when the longest decrease starts at the first point", () => {
    // lds ends at index 9 with length 10: maxStart = −1, s = 10/3, index −1 + 3 + 1 = 3.
    expect(valleyIndex([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 2, 3])).toBe(3)
    // A decrease starting after a rise: [5 … 1.5] ends at 5 with length 5, maxStart 0, index 0 + 1 + 0.
    expect(valleyIndex([1, 5, 4, 3, 2, 1.5, 6])).toBe(1)
    // fastai would read lrs[−1] here (the last LR); we stay at the first point.
    expect(valleyIndex([2, 1, 3])).toBe(0)
    // Nothing decreases: the first point, as fastai.
    expect(valleyIndex([1, 2, 3, 4])).toBe(0)
  })
  it('slide: walks left while the slopes 15 points apart differ by more than 0.005', () => {
    // Slope −0.1 up to index 24, flat after: np.gradient is −0.1, −0.05 at 24, then 0.
    const y = Array.from({ length: 40 }, (_, i) => 1 - 0.1 * Math.min(i, 24))
    // r = 39 … 25 (gradient 0) against l = 24 … 10 (non-zero): keep going; r = 24 (−0.05) vs
    // l = 9 (−0.1): still differs, take 9; r = 23 vs l = 8: equal, stop.
    expect(slideIndex(y)).toBe(9)
    expect(slideIndex(y.slice(0, 15))).toBeNull()
    // Constant slope everywhere: the first comparison already agrees; the candidate is r − 15.
    expect(slideIndex(Array.from({ length: 30 }, (_, i) => -i))).toBe(29 - 15)
  })
})

describe('range test on a model', () => {
  it('restores weights and optimizer state afterwards, and stops on divergence', async () => {
    await selectBackend('auto')
    const config = parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'adam', lr: 0.01 }, epochs: 1 })
    const model = buildModel({ kind: 'mlp', hidden: [8], activation: 'tanh', batchNorm: false, dropout: 0, newHead: true }, 1, 1, 3)
    const opt = createOptimizer(config.optimizer, [{ vars: model.variables() }])
    const x = tf.randomNormal([32, 1], 0, 3, 'float32', 1) as tf.Tensor2D
    const y = tf.tidy(() => x.mul(2).add(3)) as tf.Tensor2D
    const loss = (out: tf.Tensor2D, t: tf.Tensor2D) => tf.losses.meanSquaredError(t, out) as tf.Scalar
    // One real step first, so the optimizer has state worth restoring.
    opt.step([tf.tidy(() => Object.values(tf.variableGrads(() => loss(model.forward(x), y), model.variables()).grads))], [{ lr: 0.01 }])
    const before = model.variables().map((v) => Array.from(v.dataSync()))
    const stateBefore = opt.saveState()
    const r = await rangeTestOn(model, opt, () => ({ x, y }), loss, config, RangeTestSchema.parse({ startLr: 1e-4, endLr: 1e4, numIter: 100 }))
    expect(r.stoppedEarly).toBe(true)
    expect(r.lrs.length).toBeLessThan(100)
    expect(model.variables().map((v) => Array.from(v.dataSync()))).toEqual(before)
    // The optimizer continues exactly as it would have without the test.
    const snapshot = (st: typeof stateBefore) =>
      st.groups.map((g) => ({ step: g.step, slots: g.slots.map((sl) => Object.fromEntries(Object.entries(sl).map(([k, t]) => [k, Array.from(t.dataSync())]))) }))
    const after = opt.saveState()
    expect(snapshot(after)).toEqual(snapshot(stateBefore))
    expect(stateBefore.groups[0]!.step).toBe(1)
    tf.dispose([x, y])
  })

  it('trains as a run does (batch statistics move) and restores batch-norm buffers too', async () => {
    await selectBackend('auto')
    const config = parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1 })
    const model = buildModel({ kind: 'mlp', hidden: [4], activation: 'relu', batchNorm: true, dropout: 0, newHead: true }, 1, 1, 5)
    const opt = createOptimizer(config.optimizer, [{ vars: model.variables() }])
    const x = tf.randomNormal([16, 1], 5, 3, 'float32', 2) as tf.Tensor2D
    const y = tf.tidy(() => x.mul(2).add(3)) as tf.Tensor2D
    const buffers = model.layers.flatMap((l) => l.buffers ?? [])
    expect(buffers).toHaveLength(2)
    const before = buffers.map((b) => Array.from(b.dataSync()))
    let moved = false
    const loss = (out: tf.Tensor2D, t: tf.Tensor2D) => {
      moved ||= buffers[0]!.dataSync()[0] !== 0 // running mean starts at 0; a training step moves it
      return tf.losses.meanSquaredError(t, out) as tf.Scalar
    }
    await rangeTestOn(model, opt, () => ({ x, y }), loss, config, RangeTestSchema.parse({ startLr: 1e-4, endLr: 1, numIter: 10 }))
    expect(moved).toBe(true)
    expect(buffers.map((b) => Array.from(b.dataSync()))).toEqual(before)
    tf.dispose([x, y])
    opt.dispose()
    model.dispose()
  })

  it('keeps frozen layers still and sweeps each group at LR × its factor', async () => {
    await selectBackend('auto')
    const config = parseRunConfig({
      data: { kind: 'moons', n: 64 },
      model: { kind: 'mlp', hidden: [8, 8] },
      loss: 'crossEntropy',
      optimizer: { type: 'sgd', lr: 0.1 },
      epochs: 1,
      paramGroups: { freeze: ['dense1'], layers: { dense2: 0.5 } },
    })
    const model = buildModel(config.model, 2, 2, 1)
    const plan = planGroups(config, model.layers)
    const groups = { vars: plan.layers.map((l) => l.vars), factors: plan.factors }
    expect(groups.factors).toEqual([0.5, 1])
    const opt = createOptimizer(
      config.optimizer,
      groups.vars.map((vars) => ({ vars })),
    )
    const x = tf.randomNormal([32, 2], 0, 1, 'float32', 4) as tf.Tensor2D
    const y = tf
      .oneHot(
        tf.tensor1d(
          Array.from({ length: 32 }, (_, i) => i % 2),
          'int32',
        ),
        2,
      )
      .toFloat() as tf.Tensor2D
    const [frozen, dense2, head] = model.layers.map((l) => l.vars[0]!)
    const frozenStart = Array.from(frozen!.dataSync())
    const seen: { frozen: number[]; dense2: Float32Array; head: Float32Array }[] = []
    const loss = (out: tf.Tensor2D, t: tf.Tensor2D) => {
      seen.push({ frozen: Array.from(frozen!.dataSync()), dense2: dense2!.dataSync() as Float32Array, head: head!.dataSync() as Float32Array })
      return tf.losses.softmaxCrossEntropy(t, out) as tf.Scalar
    }
    const r = await rangeTestOn(model, opt, () => ({ x, y }), loss, config, RangeTestSchema.parse({ startLr: 1e-3, endLr: 1, numIter: 20 }), undefined, groups)
    expect(r.lrs).toHaveLength(20)
    for (const v of seen) expect(v.frozen).toEqual(frozenStart)
    expect(seen[1]!.dense2).not.toEqual(seen[0]!.dense2)
    expect(seen[1]!.head).not.toEqual(seen[0]!.head)
    tf.dispose([x, y])
    opt.dispose()
    model.dispose()
  })

  it("runs a config's range test with its parameter groups, and refuses a loss that does not fit the data", async () => {
    await selectBackend('auto')
    const config = parseRunConfig({
      data: { kind: 'moons', n: 64 },
      model: { kind: 'mlp', hidden: [8] },
      loss: 'crossEntropy',
      optimizer: { type: 'sgd', lr: 0.1 },
      epochs: 1,
      paramGroups: { freeze: ['dense1'] },
    })
    const r = await runRangeTest(config, RangeTestSchema.parse({ startLr: 1e-3, endLr: 1, numIter: 20 }))
    expect(r.lrs).toHaveLength(20)
    expect(r.losses.every(Number.isFinite)).toBe(true)
    await expect(runRangeTest(parseRunConfig({ ...config, data: { kind: 'sine' }, paramGroups: undefined }), RangeTestSchema.parse({}))).rejects.toThrow(/loss: crossEntropy/)
  })
})
