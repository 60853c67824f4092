/**
 * Schedules: the verified vectors of algorithms.md §1–2 (PyTorch 1.13 and Keras), warm-restart
 * peaks and fractional periods, restart markers, composition, previews, and every validation
 * message (each must name the field).
 */
import { describe, expect, it } from 'vitest'
import {
  createScheduler,
  describeSchedule,
  fromTorchScheduler,
  previewSchedule,
  SCHEDULE_DOCS,
  SCHEDULE_TYPES,
  ScheduleError,
  ScheduleSchema,
  validateScheduleForRun,
  type ScheduleContext,
  type ScheduleInput,
} from '../../shared/schedules'

const ctx = (totalSteps = 100, baseLr = 1, baseMomentum?: number): ScheduleContext => ({ baseLr, totalSteps, baseMomentum })

/** lr for steps 0..n−1, feeding metrics[t] after step t. */
function lrs(cfg: ScheduleInput, n: number, c: ScheduleContext = ctx(n), metrics?: number[]): number[] {
  return Array.from(previewSchedule(cfg, c, metrics).lr)
}

function expectClose(actual: ArrayLike<number>, expected: number[], digits = 5): void {
  expect(actual.length).toBeGreaterThanOrEqual(expected.length)
  expected.forEach((e, i) => expect(actual[i], `index ${i}`).toBeCloseTo(e, digits))
}

/** Keras CosineDecayRestarts (algorithms.md §2.2), written out independently as the reference. */
function kerasCosineRestarts(s: number, lr0: number, first: number, tMul: number, mMul: number, alpha: number): number {
  let f = s / first
  let i: number
  if (tMul === 1) {
    i = Math.floor(f)
    f -= i
  } else {
    i = Math.floor(Math.log(1 - f * (1 - tMul)) / Math.log(tMul))
    f = (f - (1 - tMul ** i) / (1 - tMul)) / tMul ** i
  }
  return lr0 * (((1 - alpha) * mMul ** i * (1 + Math.cos(Math.PI * f))) / 2 + alpha)
}

describe('PyTorch 1.13 decays (algorithms.md verified vectors)', () => {
  it('StepLR', () => expectClose(lrs({ type: 'step', stepSize: 3, gamma: 0.5 }, 10), [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125], 12))
  it('MultiStepLR with a repeated milestone applies gamma twice', () => expectClose(lrs({ type: 'multistep', milestones: [2, 5, 5], gamma: 0.1 }, 8), [1, 1, 0.1, 0.1, 0.1, 0.001, 0.001, 0.001], 12))
  it('ExponentialLR', () => expectClose(lrs({ type: 'exponential', gamma: 0.9 }, 5), [1, 0.9, 0.81, 0.729, 0.6561], 12))
  it('LinearLR warm-up and decay', () => {
    expectClose(lrs({ type: 'linear', startFactor: 0.5, endFactor: 1, totalIters: 4 }, 6), [0.5, 0.625, 0.75, 0.875, 1, 1], 12)
    expectClose(lrs({ type: 'linear', startFactor: 1, endFactor: 0.1, totalIters: 4 }, 5), [1, 0.775, 0.55, 0.325, 0.1], 12)
  })
  it('ConstantLR, including totalIters 0 never restoring the lr (1.13 recursion)', () => {
    expectClose(lrs({ type: 'constant-factor', factor: 0.5, totalIters: 4 }, 6), [0.5, 0.5, 0.5, 0.5, 1, 1], 12)
    expectClose(lrs({ type: 'constant-factor', factor: 0.5, totalIters: 0 }, 3), [0.5, 0.5, 0.5], 12)
  })
  it('PolynomialLR decays to exactly 0', () => {
    expectClose(lrs({ type: 'polynomial', totalIters: 4, power: 1 }, 6), [1, 0.75, 0.5, 0.25, 0, 0], 12)
    expectClose(lrs({ type: 'polynomial', totalIters: 4, power: 2 }, 5), [1, 0.5625, 0.25, 0.0625, 0], 12)
  })
  it('CosineAnnealingLR keeps following the cosine past tMax', () => {
    const lr = lrs({ type: 'cosine', tMax: 10, etaMin: 0.1 }, 31)
    expect(lr[10]).toBeCloseTo(0.1, 12)
    expect(lr[11]).toBeCloseTo(0.122025, 6)
    expect(lr[20]).toBeCloseTo(1.0, 12)
    expect(lr[30]).toBeCloseTo(0.1, 12)
  })
  it('CosineAnnealingLR tMax 1 alternates', () => expectClose(lrs({ type: 'cosine', tMax: 1 }, 6), [1, 0, 1, 0, 1, 0], 12))
  it('cosine tMax defaults to the run length', () => {
    const lr = lrs({ type: 'cosine' }, 20, ctx(20))
    expect(lr[10]).toBeCloseTo(0.5, 12)
    expect(lr[19]).toBeCloseTo((1 + Math.cos((Math.PI * 19) / 20)) / 2, 12)
  })
  it('ReduceLROnPlateau: patience, rel threshold, cooldown, minLr clamp', () => {
    const metrics = [1.0, ...Array(7).fill(0.95), ...Array(6).fill(0.5)]
    const cfg: ScheduleInput = { type: 'plateau', factor: 0.5, patience: 2, threshold: 0.1, cooldown: 1, minLr: 0.2 }
    const lr = lrs(cfg, metrics.length + 1, ctx(metrics.length + 1), metrics)
    // lr[t] is in effect for step t; metrics[t] arrives after it, so a drop after epoch 3 shows at index 4.
    expectClose(lr, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2], 12)
  })
  it('ReduceLROnPlateau rel mode treats a worse negative loss as an improvement (PyTorch quirk)', () => {
    // best·(1 − threshold) moves a negative best towards 0, so −0.95 "improves" on −1.0.
    const cfg: ScheduleInput = { type: 'plateau', factor: 0.5, patience: 0, threshold: 0.1 }
    expect(lrs(cfg, 4, ctx(4), [-1.0, -0.95, -0.9, -0.85])).toEqual([1, 1, 1, 1])
    expect(lrs({ ...cfg, thresholdMode: 'abs' }, 4, ctx(4), [-1.0, -0.95, -0.9, -0.85])).toEqual([1, 1, 0.5, 0.25])
  })
  it('ReduceLROnPlateau max mode, and step() without a metric changes nothing', () => {
    expect(lrs({ type: 'plateau', mode: 'max', factor: 0.5, patience: 0 }, 3, ctx(3), [0.5, 0.6, 0.6])).toEqual([1, 1, 1])
    expect(lrs({ type: 'plateau', mode: 'max', factor: 0.5, patience: 0 }, 4, ctx(4), [0.5, 0.6, 0.6, 0.6])).toEqual([1, 1, 1, 0.5])
    expect(lrs({ type: 'plateau', factor: 0.5, patience: 0 }, 5, ctx(5))).toEqual([1, 1, 1, 1, 1])
  })
  it('ReduceLROnPlateau skips reductions smaller than eps', () => {
    const lr = lrs({ type: 'plateau', factor: 0.5, patience: 0, minLr: 0.9999999999, eps: 1e-8 }, 3, ctx(3), [1, 1, 1])
    expect(lr).toEqual([1, 1, 1])
  })
})

describe('Keras InverseTimeDecay', () => {
  it('continuous', () => expectClose(lrs({ type: 'inverse-time', decaySteps: 1, decayRate: 0.5 }, 5, ctx(5, 0.1)), [0.1, 0.0667, 0.05, 0.04, 0.0333], 4))
  it('staircase', () => {
    const lr = lrs({ type: 'inverse-time', decaySteps: 10, decayRate: 1, staircase: true }, 21, ctx(21, 0.1))
    expectClose([lr[0]!, lr[9]!, lr[10]!, lr[19]!, lr[20]!], [0.1, 0.1, 0.05, 0.05, 0.0333], 4)
  })
})

describe('cosine with warm restarts', () => {
  it('PyTorch T0 3, tMult 2: values and restart positions', () => {
    const p = previewSchedule({ type: 'cosine-restarts', t0: 3, tMult: 2 }, ctx(22))
    expectClose(p.lr, [1, 0.75, 0.25, 1, 0.933013, 0.75, 0.5, 0.25, 0.0669873, 1, 0.982963], 6)
    expect(p.restarts).toEqual([3, 9, 21])
  })

  it('peakDecay 0.8 makes the peaks 1, 0.8, 0.64, 0.512 × lr0 (Keras m_mul vector)', () => {
    const lr = lrs({ type: 'cosine-restarts', t0: 10, tMult: 2, peakDecay: 0.8 }, 71, ctx(71, 2))
    expect(lr[0]).toBeCloseTo(2 * 1, 12)
    expect(lr[10]).toBeCloseTo(2 * 0.8, 12)
    expect(lr[30]).toBeCloseTo(2 * 0.64, 12)
    expect(lr[70]).toBeCloseTo(2 * 0.512, 12)
    const keras: Array<[number, number]> = [
      [5, 0.5],
      [9, 0.02447],
      [15, 0.68284],
      [29, 0.00492],
      [69, 0.00099],
    ]
    for (const [s, v] of keras) expect(lr[s]! / 2, `s=${s}`).toBeCloseTo(v, 5)
  })

  it('the floor is not scaled by peakDecay (Keras alpha)', () => {
    const lr = lrs({ type: 'cosine-restarts', t0: 10, tMult: 2, peakDecay: 0.8, etaMin: 0.1 }, 31)
    expect(lr[10]).toBeCloseTo(0.1 + 0.9 * 0.8, 12) // 0.82, as algorithms.md says
    expect(lr[30]).toBeCloseTo(0.1 + 0.9 * 0.64, 12)
  })

  it('non-integer tMult 1.5: restarts at 10, 25, 48 (boundary 47.5) and 82 (81.25), matching Keras at every step', () => {
    const cfg: ScheduleInput = { type: 'cosine-restarts', t0: 10, tMult: 1.5, peakDecay: 0.7, etaMin: 0.05 }
    const p = previewSchedule(cfg, ctx(120, 0.5))
    expect(p.restarts).toEqual([10, 25, 48, 82])
    p.lr.forEach((v, s) => expect(v, `s=${s}`).toBeCloseTo(kerasCosineRestarts(s, 0.5, 10, 1.5, 0.7, 0.05 / 0.5), 12))
  })

  it('tMult 1 restarts every t0 steps at the same peak', () => {
    const p = previewSchedule({ type: 'cosine-restarts', t0: 4 }, ctx(13))
    expect(p.restarts).toEqual([4, 8, 12])
    expect([p.lr[0], p.lr[4], p.lr[8], p.lr[12]]).toEqual([1, 1, 1, 1])
  })
})

describe('CyclicLR', () => {
  it('asymmetric triangle with inverse momentum', () => {
    const p = previewSchedule({ type: 'cyclic', baseLr: 0.1, maxLr: 1, stepSizeUp: 2, stepSizeDown: 3 }, ctx(8, 0.5, 0.9))
    expectClose(p.lr, [0.1, 0.55, 1, 0.7, 0.4, 0.1, 0.55], 12)
    expectClose(p.momentum!, [0.9, 0.85, 0.8, 0.8333333, 0.8666667, 0.9], 6)
    expect(p.restarts).toEqual([5])
  })
  it('triangular2 halves the amplitude each cycle', () =>
    expectClose(lrs({ type: 'cyclic', baseLr: 0.1, maxLr: 1, stepSizeUp: 2, mode: 'triangular2' }, 10), [0.1, 0.55, 1, 0.55, 0.1, 0.325, 0.55, 0.325, 0.1, 0.2125], 12))
  it('exp_range shrinks by gamma per step', () =>
    expectClose(lrs({ type: 'cyclic', baseLr: 0.1, maxLr: 1, stepSizeUp: 2, mode: 'exp_range', gamma: 0.9 }, 6), [0.1, 0.505, 0.829, 0.42805, 0.1, 0.36572], 5))
  it('baseLr defaults to the optimizer lr; no momentum without an optimizer momentum', () => {
    const p = previewSchedule({ type: 'cyclic', maxLr: 1, stepSizeUp: 2 }, ctx(5, 0.1))
    expectClose(p.lr, [0.1, 0.55, 1, 0.55, 0.1], 12)
    expect(p.momentum).toBeNull()
  })
  it('cycleMomentum false leaves momentum alone', () => {
    expect(previewSchedule({ type: 'cyclic', maxLr: 1, stepSizeUp: 2, cycleMomentum: false }, ctx(5, 0.1, 0.9)).momentum).toBeNull()
  })
  it('restarted() is true exactly when a new cycle begins', () => {
    expect(previewSchedule({ type: 'cyclic', maxLr: 1, stepSizeUp: 3, stepSizeDown: 2 }, ctx(21, 0.1)).restarts).toEqual([5, 10, 15, 20])
  })
})

describe('OneCycleLR', () => {
  it('T = 10 defaults, exact min at the last step', () => {
    const p = previewSchedule({ type: 'one-cycle', totalSteps: 10 }, ctx(10, 1, 0.9))
    expectClose(p.lr, [0.04, 0.52, 1.0, 0.95048, 0.81175, 0.61126, 0.38874, 0.18826, 0.049519, 4e-6], 5)
    expect(p.lr[9]).toBeCloseTo(1 / 25 / 1e4, 15)
    expect(p.momentum![0]).toBeCloseTo(0.95, 12)
    expect(p.momentum![2]).toBeCloseTo(0.85, 12)
    expect(p.momentum![9]).toBeCloseTo(0.95, 12)
    expect(p.restarts).toEqual([])
  })
  it('maxLr and totalSteps default to the optimizer lr and the run', () => {
    const lr = lrs({ type: 'one-cycle' }, 100, ctx(100, 0.5))
    expect(Math.max(...lr)).toBeCloseTo(0.5, 12)
    expect(lr.indexOf(Math.max(...lr))).toBe(29) // peak at pctStart·T − 1
  })
  it('three-phase comes back to the starting lr before annealing', () => {
    const lr = lrs({ type: 'one-cycle', threePhase: true, pctStart: 0.25 }, 100, ctx(100))
    expect(lr[24]).toBeCloseTo(1, 12)
    expect(lr[48]).toBeCloseTo(1 / 25, 12)
    expect(lr[99]).toBeCloseTo(1 / 25 / 1e4, 15)
  })
  it('step T extrapolates (linear goes negative), step T + 1 throws like PyTorch', () => {
    const s = createScheduler({ type: 'one-cycle', totalSteps: 10, annealStrategy: 'linear' }, ctx(10))
    for (let i = 0; i < 10; i++) s.step()
    expect(s.current().lr).toBeCloseTo(-0.14285, 5)
    expect(() => s.step()).toThrow(/totalSteps is 10/)
  })
})

describe('warm-up and sequential composition', () => {
  it('warm-up alone ramps linearly, then holds the lr', () => expectClose(lrs({ type: 'warmup', warmupSteps: 4, startFactor: 0 }, 6), [0, 0.25, 0.5, 0.75, 1, 1], 12))

  it('warm-up then step decay: the follower counts from the end of the warm-up', () =>
    expectClose(lrs({ type: 'warmup', warmupSteps: 2, startFactor: 0.5, schedule: { type: 'step', stepSize: 2, gamma: 0.1 } }, 7), [0.5, 0.75, 1, 1, 0.1, 0.1, 0.01], 12))

  it('warm-up then one-cycle: the cycle fills the rest of the run and its momentum applies from the start', () => {
    const p = previewSchedule({ type: 'warmup', warmupSteps: 10, schedule: { type: 'one-cycle', maxLr: 2 } }, ctx(110, 1, 0.9))
    expect(p.lr[10]).toBeCloseTo(2 / 25, 12)
    expect(p.lr[109]).toBeCloseTo(2 / 25 / 1e4, 15)
    expect(p.momentum![0]).toBeCloseTo(0.95, 12)
  })

  it('warm-up then warm restarts: restarts shift by the warm-up', () => {
    const p = previewSchedule({ type: 'warmup', warmupSteps: 5, schedule: { type: 'cosine-restarts', t0: 3, tMult: 2 } }, ctx(30))
    expect(p.restarts).toEqual([8, 14, 26])
  })

  it('warm-up then plateau gets the metrics after the warm-up', () => {
    const metrics = [9, 9, 1, 1, 1, 1]
    expect(lrs({ type: 'warmup', warmupSteps: 2, startFactor: 0.5, schedule: { type: 'plateau', factor: 0.5, patience: 1 } }, 7, ctx(7), metrics)).toEqual([0.5, 0.75, 1, 1, 1, 0.5, 0.5])
  })

  it('SequentialLR LinearLR → cosine (algorithms.md vector)', () => {
    const cfg: ScheduleInput = {
      type: 'sequential',
      schedules: [
        { type: 'linear', startFactor: 0.1, endFactor: 1, totalIters: 4 },
        { type: 'cosine', tMax: 6 },
      ],
      milestones: [4],
    }
    expectClose(lrs(cfg, 13), [0.1, 0.325, 0.55, 0.775, 1.0, 0.93301, 0.75, 0.5, 0.25, 0.066987, 0, 0.066987, 0.25], 5)
  })

  it('sequential children see their own segment (defaults) and restarts pass through', () => {
    const cfg: ScheduleInput = {
      type: 'sequential',
      schedules: [{ type: 'constant' }, { type: 'cyclic', maxLr: 2, stepSizeUp: 2 }, { type: 'cosine' }],
      milestones: [3, 11],
    }
    const p = previewSchedule(cfg, ctx(21))
    expect(p.restarts).toEqual([7]) // the cyclic child's second cycle; milestones are not restarts
    expect(p.lr[3]).toBe(1)
    expect(p.lr[5]).toBeCloseTo(2, 12)
    expect(p.lr[11]).toBe(1)
    expect(p.lr[16]).toBeCloseTo(0.5, 12) // cosine over the last 10 steps: halfway
  })

  it('momentum set by a cycling child stays after it ends (as in PyTorch)', () => {
    const cfg: ScheduleInput = { type: 'sequential', schedules: [{ type: 'one-cycle' }, { type: 'constant' }], milestones: [10] }
    const p = previewSchedule(cfg, ctx(15, 1, 0.9))
    expect(p.momentum![9]).toBeCloseTo(0.95, 12)
    expect(p.momentum![14]).toBeCloseTo(0.95, 12)
  })
})

describe('previewSchedule', () => {
  it('one value per step, momentum only when cycled, restarts inside the run', () => {
    const plain = previewSchedule({ type: 'exponential', gamma: 0.5 }, ctx(4, 0.8, 0.9))
    expect(plain.lr).toBeInstanceOf(Float64Array)
    expect(Array.from(plain.lr)).toEqual([0.8, 0.4, 0.2, 0.1])
    expect(plain.momentum).toBeNull()
    expect(plain.restarts).toEqual([])
    // A restart exactly at the end of the run is not inside it.
    expect(previewSchedule({ type: 'cosine-restarts', t0: 5 }, ctx(10)).restarts).toEqual([5])
  })
  it('matches stepping the scheduler by hand', () => {
    const cfg: ScheduleInput = { type: 'warmup', warmupSteps: 3, schedule: { type: 'cyclic', maxLr: 3, stepSizeUp: 4 } }
    const c = ctx(30, 1, 0.9)
    const s = createScheduler(cfg, c)
    const p = previewSchedule(cfg, c)
    for (let i = 0; i < 30; i++) {
      expect(p.lr[i]).toBe(s.current().lr)
      expect(p.momentum![i]).toBe(s.current().momentum)
      s.step()
    }
  })
  it("a limited preview keeps the whole run's defaults", () => {
    const full = previewSchedule({ type: 'one-cycle' }, ctx(1000))
    const head = previewSchedule({ type: 'one-cycle' }, ctx(1000), undefined, 50)
    expect(head.lr.length).toBe(50)
    expect(Array.from(head.lr)).toEqual(Array.from(full.lr.subarray(0, 50)))
  })
  it('empty run', () => expect(previewSchedule({ type: 'constant' }, ctx(0)).lr.length).toBe(0))
})

describe('config, docs and PyTorch translation', () => {
  it('every variant defaults stepUnit to epoch, and nested schedules get their defaults', () => {
    for (const type of ['constant', 'cosine', 'one-cycle', 'plateau'] as const) expect(ScheduleSchema.parse({ type }).stepUnit).toBe('epoch')
    const w = ScheduleSchema.parse({ type: 'warmup', warmupSteps: 3, schedule: { type: 'step', stepSize: 2 } })
    expect(w).toEqual({ type: 'warmup', stepUnit: 'epoch', warmupSteps: 3, startFactor: 0.01, schedule: { type: 'step', stepUnit: 'epoch', stepSize: 2, gamma: 0.1 } })
  })
  it('docs and a description for every type', () => {
    expect(Object.keys(SCHEDULE_DOCS).sort()).toEqual([...SCHEDULE_TYPES].sort())
    const examples: ScheduleInput[] = [
      { type: 'constant' },
      { type: 'constant-factor' },
      { type: 'linear' },
      { type: 'inverse-time', decaySteps: 1, decayRate: 1 },
      { type: 'step', stepSize: 3 },
      { type: 'multistep', milestones: [3] },
      { type: 'exponential', gamma: 0.9 },
      { type: 'polynomial' },
      { type: 'cosine' },
      { type: 'cosine-restarts', t0: 3 },
      { type: 'cyclic', maxLr: 1 },
      { type: 'one-cycle' },
      { type: 'plateau' },
      { type: 'warmup', warmupSteps: 3, stepUnit: 'batch', schedule: { type: 'exponential', gamma: 0.9 } },
      { type: 'sequential', schedules: [{ type: 'constant' }, { type: 'step', stepSize: 2 }], milestones: [5] },
    ]
    expect(examples.map((e) => e.type).sort()).toEqual([...SCHEDULE_TYPES].sort())
    for (const e of examples) {
      const doc = SCHEDULE_DOCS[e.type]
      expect(doc.title && doc.summary && doc.formula, e.type).toBeTruthy()
      expect(describeSchedule(ScheduleSchema.parse(e)).length, e.type).toBeGreaterThan(5)
    }
    expect(describeSchedule(ScheduleSchema.parse(examples[13]))).toBe('3 batches of linear warm-up, then lr ×0.9 every batch')
  })
  it('fromTorchScheduler keeps a one-milestone MultiStepLR a list (PyTorch 1.13 trace)', () => {
    // torch.optim.lr_scheduler.MultiStepLR(SGD(lr=0.1), milestones=[3], gamma=0.1), lr before each of 6 steps.
    const pytorch = [0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002]
    const cfg = fromTorchScheduler('MultiStepLR', { milestones: [3], gamma: 0.1 }, 0.1)
    expect(cfg).toEqual({ type: 'multistep', milestones: [3], gamma: 0.1 })
    expectClose(lrs(cfg, 6, ctx(6, 0.1)), pytorch, 15)
    // The same inside SequentialLR, whose own one-element milestones were always a list.
    const seq = fromTorchScheduler(
      'SequentialLR',
      {
        schedulers: [
          { scheduler: 'ConstantLR', params: { factor: 0.5, total_iters: 2 } },
          { scheduler: 'MultiStepLR', params: { milestones: [2], gamma: 0.1 } },
        ],
        milestones: [2],
      },
      0.1,
    )
    expect(ScheduleSchema.parse(seq)).toMatchObject({ milestones: [2], schedules: [{ type: 'constant-factor' }, { type: 'multistep', milestones: [2] }] })
    // Per-group scalars still unwrap: max_lr=[0.1] is one group's 0.1.
    expect(fromTorchScheduler('CyclicLR', { base_lr: [0.01], max_lr: [0.1], base_momentum: [0.8], max_momentum: [0.9] }, 0.1)).toEqual({
      type: 'cyclic',
      baseLr: 0.01,
      maxLr: 0.1,
      baseMomentum: 0.8,
      maxMomentum: 0.9,
    })
    expect(fromTorchScheduler('ReduceLROnPlateau', { min_lr: [0.001] }, 0.1)).toEqual({ type: 'plateau', minLr: 0.001 })
  })

  it('fromTorchScheduler maps constructor arguments and refuses what it cannot express', () => {
    expect(fromTorchScheduler('StepLR', { step_size: 7, gamma: 0.5, last_epoch: -1 }, 0.1)).toEqual({ type: 'step', stepSize: 7, gamma: 0.5 })
    expect(fromTorchScheduler('OneCycleLR', { max_lr: [0.1], epochs: 3, steps_per_epoch: 10 }, 0.1)).toEqual({ type: 'one-cycle', maxLr: 0.1, totalSteps: 30 })
    expect(fromTorchScheduler('CosineDecayRestarts', { initial_learning_rate: 0.1, first_decay_steps: 10, alpha: 0.1 }, 0.1)).toMatchObject({
      type: 'cosine-restarts',
      t0: 10,
      tMult: 2,
      etaMin: 0.1 * 0.1,
    })
    expect(() => fromTorchScheduler('StepLR', { step_size: 7, gama: 0.5 }, 0.1)).toThrow(/unsupported argument gama/)
    expect(() => fromTorchScheduler('StepLR', { step_size: 7, last_epoch: 4 }, 0.1)).toThrow(/last_epoch/)
    expect(() => fromTorchScheduler('CyclicLR', { max_lr: 1, scale_fn: 'f' }, 0.1)).toThrow(/scale_fn/)
    expect(() => fromTorchScheduler('LambdaLR', {}, 0.1)).toThrow(/no LR Lab schedule for LambdaLR/)
  })
})

describe('validation: every message names the field', () => {
  /** Problems for `cfg` in a 100-step run; expect exactly one matching `pattern`. */
  function rejects(cfg: unknown, pattern: RegExp, c: ScheduleContext = ctx(100)): void {
    const problems = validateScheduleForRun(cfg as ScheduleInput, c)
    expect(
      problems.some((p) => pattern.test(p)),
      `${JSON.stringify(cfg)} → ${JSON.stringify(problems)}`,
    ).toBe(true)
  }

  const cases: Array<[string, unknown, RegExp]> = [
    ['unknown type', { type: 'cosine-annealing' }, /^type: type must be one of constant, /],
    ['unknown field', { type: 'step', stepSize: 2, gama: 0.5 }, /unknown field\(s\) for schedule step: gama/],
    ['stepUnit', { type: 'constant', stepUnit: 'iteration' }, /^stepUnit: stepUnit must be one of batch, epoch/],
    ['not a number', { type: 'exponential', gamma: 'big' }, /^gamma: gamma must be a finite number/],
    ['infinite', { type: 'exponential', gamma: Infinity }, /^gamma: gamma must be a finite number/],
    ['not a boolean', { type: 'inverse-time', decaySteps: 1, decayRate: 1, staircase: 'yes' }, /^staircase: staircase must be true or false/],
    ['step gamma 0', { type: 'step', stepSize: 2, gamma: 0 }, /^gamma: gamma must be > 0/],
    ['exponential gamma < 0', { type: 'exponential', gamma: -0.5 }, /^gamma: gamma must be > 0/],
    ['exponential gamma missing', { type: 'exponential' }, /^gamma: gamma is required/],
    ['multistep gamma', { type: 'multistep', milestones: [2], gamma: 0 }, /^gamma: gamma must be > 0/],
    ['cyclic gamma', { type: 'cyclic', maxLr: 1, gamma: 0 }, /^gamma: gamma must be > 0/],
    ['stepSize 0', { type: 'step', stepSize: 0 }, /^stepSize: stepSize must be ≥ 1/],
    ['stepSize fractional', { type: 'step', stepSize: 2.5 }, /^stepSize: stepSize must be a whole number/],
    ['multistep milestones decreasing', { type: 'multistep', milestones: [10, 5] }, /^milestones: milestones must be in increasing order/],
    ['multistep milestones empty', { type: 'multistep', milestones: [] }, /^milestones: milestones must list at least one step/],
    ['multistep milestone 0', { type: 'multistep', milestones: [0, 5] }, /^milestones\.0: milestones must be ≥ 1/],
    ['constant-factor 0', { type: 'constant-factor', factor: 0 }, /^factor: factor must be in \(0, 1\]/],
    ['constant-factor > 1', { type: 'constant-factor', factor: 2 }, /^factor: factor must be in \(0, 1\]/],
    ['linear startFactor 0', { type: 'linear', startFactor: 0 }, /^startFactor: startFactor must be in \(0, 1\]/],
    ['linear endFactor > 1', { type: 'linear', endFactor: 1.5 }, /^endFactor: endFactor must be in \[0, 1\]/],
    ['linear totalIters < 0', { type: 'linear', totalIters: -1 }, /^totalIters: totalIters must be ≥ 0/],
    ['inverse-time decaySteps 0', { type: 'inverse-time', decaySteps: 0, decayRate: 1 }, /^decaySteps: decaySteps must be > 0/],
    ['inverse-time decayRate < 0', { type: 'inverse-time', decaySteps: 1, decayRate: -1 }, /^decayRate: decayRate must be ≥ 0/],
    ['polynomial power < 0', { type: 'polynomial', power: -1 }, /^power: power must be ≥ 0/],
    ['cosine negative etaMin', { type: 'cosine', etaMin: -0.1 }, /^etaMin: etaMin must be ≥ 0/],
    ['cosine tMax 0', { type: 'cosine', tMax: 0 }, /^tMax: tMax must be ≥ 1/],
    ['restarts t0 < 1', { type: 'cosine-restarts', t0: 0 }, /^t0: t0 must be ≥ 1/],
    ['restarts t0 missing', { type: 'cosine-restarts' }, /^t0: t0 is required/],
    ['restarts tMult < 1', { type: 'cosine-restarts', t0: 10, tMult: 0.5 }, /^tMult: tMult must be ≥ 1/],
    ['restarts negative etaMin', { type: 'cosine-restarts', t0: 10, etaMin: -1 }, /^etaMin: etaMin must be ≥ 0/],
    ['restarts peakDecay 0', { type: 'cosine-restarts', t0: 10, peakDecay: 0 }, /^peakDecay: peakDecay must be > 0/],
    ['cyclic maxLr below baseLr', { type: 'cyclic', baseLr: 0.1, maxLr: 0.01 }, /^maxLr: maxLr must be ≥ baseLr/],
    ['cyclic maxLr missing', { type: 'cyclic' }, /^maxLr: maxLr is required/],
    ['cyclic momentum bounds', { type: 'cyclic', maxLr: 1, baseMomentum: 0.95, maxMomentum: 0.9 }, /^maxMomentum: maxMomentum must be ≥ baseMomentum/],
    ['cyclic momentum > 1', { type: 'cyclic', maxLr: 1, maxMomentum: 1.5 }, /^maxMomentum: maxMomentum must be in \[0, 1\]/],
    ['cyclic mode', { type: 'cyclic', maxLr: 1, mode: 'sawtooth' }, /^mode: mode must be one of triangular, triangular2, exp_range/],
    ['one-cycle pctStart 0', { type: 'one-cycle', pctStart: 0 }, /^pctStart: pctStart must be in \(0, 1\)/],
    ['one-cycle pctStart 1', { type: 'one-cycle', pctStart: 1 }, /^pctStart: pctStart must be in \(0, 1\)/],
    ['one-cycle momentum bounds', { type: 'one-cycle', baseMomentum: 0.95, maxMomentum: 0.85 }, /^maxMomentum: maxMomentum must be ≥ baseMomentum/],
    ['one-cycle divFactor', { type: 'one-cycle', divFactor: 0 }, /^divFactor: divFactor must be > 0/],
    ['one-cycle annealStrategy', { type: 'one-cycle', annealStrategy: 'exp' }, /^annealStrategy: annealStrategy must be one of cos, linear/],
    ['plateau factor 1', { type: 'plateau', factor: 1 }, /^factor: factor must be in \(0, 1\)/],
    ['plateau negative patience', { type: 'plateau', patience: -1 }, /^patience: patience must be ≥ 0/],
    ['plateau thresholdMode', { type: 'plateau', thresholdMode: 'pct' }, /^thresholdMode: thresholdMode must be one of rel, abs/],
    ['plateau per batch', { type: 'plateau', stepUnit: 'batch' }, /^stepUnit: stepUnit must be 'epoch' for plateau/],
    ['warmup startFactor 1', { type: 'warmup', warmupSteps: 5, startFactor: 1 }, /^startFactor: startFactor must be in \[0, 1\)/],
    ['warmup warmupSteps 0', { type: 'warmup', warmupSteps: 0 }, /^warmupSteps: warmupSteps must be ≥ 1/],
    ['warmup wrapping plateau per batch', { type: 'warmup', warmupSteps: 5, stepUnit: 'batch', schedule: { type: 'plateau' } }, /^stepUnit: stepUnit must be 'epoch': a nested plateau/],
    ['nested error names the path', { type: 'warmup', warmupSteps: 5, schedule: { type: 'cosine-restarts', t0: 10, tMult: 0.5 } }, /^schedule\.tMult: tMult must be ≥ 1/],
    ['sequential milestone count', { type: 'sequential', schedules: [{ type: 'constant' }, { type: 'constant' }], milestones: [] }, /^milestones: milestones must have one entry fewer than schedules/],
    [
      'sequential milestones not increasing',
      { type: 'sequential', schedules: [{ type: 'constant' }, { type: 'constant' }, { type: 'constant' }], milestones: [5, 5] },
      /^milestones: milestones must be strictly increasing/,
    ],
    ['sequential milestone 0', { type: 'sequential', schedules: [{ type: 'constant' }, { type: 'constant' }], milestones: [0] }, /^milestones\.0: milestones must be ≥ 1/],
    ['sequential schedules not a list', { type: 'sequential', schedules: { type: 'constant' }, milestones: [] }, /^schedules: schedules must be a list of schedules/],
    ['sequential milestones not a list', { type: 'sequential', schedules: [{ type: 'constant' }], milestones: 5 }, /^milestones: milestones must be a list of step numbers/],
    [
      'sequential with plateau per batch',
      { type: 'sequential', stepUnit: 'batch', schedules: [{ type: 'constant' }, { type: 'plateau' }], milestones: [5] },
      /^stepUnit: stepUnit must be 'epoch': a nested plateau/,
    ],
    ['sequential empty', { type: 'sequential', schedules: [], milestones: [] }, /^schedules: schedules must list at least one schedule/],
    ['sequential child error path', { type: 'sequential', schedules: [{ type: 'constant' }, { type: 'step', stepSize: 2, gamma: -1 }], milestones: [5] }, /^schedules\.1\.gamma: gamma must be > 0/],
  ]
  for (const [name, cfg, pattern] of cases) it(name, () => rejects(cfg, pattern))

  describe('against the run', () => {
    it('one-cycle shorter than the run is refused', () => rejects({ type: 'one-cycle', totalSteps: 50 }, /^totalSteps: 50 is shorter than the run \(100 steps\)/))
    it('one-cycle covering the run (or exactly it) is fine', () => {
      expect(validateScheduleForRun({ type: 'one-cycle', totalSteps: 100 }, ctx(100))).toEqual([])
      expect(validateScheduleForRun({ type: 'one-cycle', totalSteps: 200 }, ctx(100))).toEqual([])
    })
    it('one-cycle phase without steps', () => {
      rejects({ type: 'one-cycle', pctStart: 0.01 }, /^pctStart: 0\.01 with totalSteps 100 leaves phase 1 of one-cycle with no steps/)
      rejects({ type: 'one-cycle', pctStart: 0.6, threePhase: true }, /^pctStart: 0\.6 with totalSteps 100 leaves phase 3 .*three-phase/)
    })
    it('cyclic maxLr below the optimizer lr', () => rejects({ type: 'cyclic', maxLr: 0.5 }, /^maxLr: 0\.5 is below the cycle's base lr \(1, the optimizer lr\)/))
    it('warm-up longer than the run', () => rejects({ type: 'warmup', warmupSteps: 101 }, /^warmupSteps: 101 is longer than the run \(100 steps\)/))
    it('warm-up filling the whole run leaves nothing for its follower', () => {
      rejects({ type: 'warmup', warmupSteps: 100, schedule: { type: 'one-cycle' } }, /^warmupSteps: 100 fills the whole run \(100 steps\), leaving no steps/)
      expect(validateScheduleForRun({ type: 'warmup', warmupSteps: 100 }, ctx(100))).toEqual([])
    })
    it('one-cycle after a warm-up must cover what is left', () =>
      rejects({ type: 'warmup', warmupSteps: 10, schedule: { type: 'one-cycle', totalSteps: 80 } }, /^schedule\.totalSteps: 80 is shorter than the run \(90 steps\)/))
    it('sequential milestone past the run', () =>
      rejects({ type: 'sequential', schedules: [{ type: 'constant' }, { type: 'constant' }], milestones: [100] }, /^milestones\.0: 100 is not inside the run \(100 steps\)/))
    it('sequential child checked against its own segment', () =>
      rejects({ type: 'sequential', schedules: [{ type: 'constant' }, { type: 'one-cycle', totalSteps: 50 }], milestones: [40] }, /^schedules\.1\.totalSteps: 50 is shorter than the run \(60 steps\)/))
    it('the run context itself', () => {
      rejects({ type: 'constant' }, /^baseLr: the optimizer lr must be a finite number > 0/, ctx(10, 0))
      rejects({ type: 'constant' }, /^totalSteps: the run length must be a whole number ≥ 0/, ctx(2.5))
      rejects({ type: 'constant' }, /^baseMomentum: must be a finite number/, ctx(10, 1, NaN))
    })
  })

  it('createScheduler throws every problem at once', () => {
    let err: unknown
    try {
      createScheduler({ type: 'one-cycle', totalSteps: 50, pctStart: 0.01 }, ctx(100))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ScheduleError)
    expect((err as ScheduleError).problems).toHaveLength(2)
    expect((err as ScheduleError).message).toMatch(/totalSteps: 50 is shorter than the run/)
  })
})
