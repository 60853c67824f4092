/**
 * Cyclical schedules that also drive momentum / beta1 in the opposite direction: PyTorch
 * CyclicLR (Smith's triangular, triangular2, exp_range) and OneCycleLR (two- or three-phase).
 * Momentum is emitted only when the optimizer has one (ctx.baseMomentum set); otherwise
 * only the lr cycles.
 */
import { z } from 'zod'
import { atLeast, flag, learningRate, num, oneOf, positive, stepUnit, unitInterval, variant } from './fields'
import type { Hyper, LrScheduler, ScheduleContext } from './types'

export const cyclicSchema = variant('cyclic', {
  type: z.literal('cyclic'),
  stepUnit,
  /** Lower bound; omitted = the optimizer's lr. */
  baseLr: learningRate('baseLr').optional(),
  maxLr: learningRate('maxLr'),
  stepSizeUp: atLeast('stepSizeUp', 1).default(2000),
  /** Omitted = stepSizeUp (symmetric cycle). */
  stepSizeDown: atLeast('stepSizeDown', 1).optional(),
  mode: oneOf('mode', ['triangular', 'triangular2', 'exp_range']).default('triangular'),
  /** exp_range only: amplitude × gamma^step (per step, not per cycle). */
  gamma: positive('gamma').default(1),
  cycleMomentum: flag('cycleMomentum').default(true),
  baseMomentum: unitInterval('baseMomentum').default(0.8),
  maxMomentum: unitInterval('maxMomentum').default(0.9),
})
  .refine((c) => c.baseLr === undefined || c.maxLr >= c.baseLr, {
    error: 'maxLr must be ≥ baseLr (the cycle runs from baseLr up to maxLr)',
    path: ['maxLr'],
  })
  .refine((c) => c.maxMomentum >= c.baseMomentum, { error: 'maxMomentum must be ≥ baseMomentum', path: ['maxMomentum'] })

export const oneCycleSchema = variant('one-cycle', {
  type: z.literal('one-cycle'),
  stepUnit,
  /** Peak lr; omitted = the optimizer's lr. */
  maxLr: learningRate('maxLr').optional(),
  /** Length of the cycle in steps; omitted = the whole run. Must cover the run. */
  totalSteps: atLeast('totalSteps', 1).optional(),
  pctStart: num('pctStart').gt(0, { error: 'pctStart must be in (0, 1)' }).lt(1, { error: 'pctStart must be in (0, 1)' }).default(0.3),
  annealStrategy: oneOf('annealStrategy', ['cos', 'linear']).default('cos'),
  /** Starting lr = maxLr / divFactor. */
  divFactor: positive('divFactor').default(25),
  /** Final lr = starting lr / finalDivFactor. */
  finalDivFactor: positive('finalDivFactor').default(1e4),
  /** Warm up, come back down to the starting lr, then anneal to the final lr (instead of two phases). */
  threePhase: flag('threePhase').default(false),
  cycleMomentum: flag('cycleMomentum').default(true),
  baseMomentum: unitInterval('baseMomentum').default(0.85),
  maxMomentum: unitInterval('maxMomentum').default(0.95),
}).refine((c) => c.maxMomentum >= c.baseMomentum, { error: 'maxMomentum must be ≥ baseMomentum', path: ['maxMomentum'] })

export type CyclicConfig = z.infer<typeof cyclicSchema>
export type OneCycleConfig = z.infer<typeof oneCycleSchema>

export function cyclicProblems(c: CyclicConfig, ctx: ScheduleContext): string[] {
  const base = c.baseLr ?? ctx.baseLr
  return c.maxLr < base ? [`maxLr: ${c.maxLr} is below the cycle's base lr (${base}${c.baseLr === undefined ? ', the optimizer lr' : ''})`] : []
}

export function createCyclic(c: CyclicConfig, ctx: ScheduleContext): LrScheduler {
  const baseLr = c.baseLr ?? ctx.baseLr
  const totalSize = c.stepSizeUp + (c.stepSizeDown ?? c.stepSizeUp)
  const stepRatio = c.stepSizeUp / totalSize
  const cyclesMomentum = c.cycleMomentum && ctx.baseMomentum !== undefined
  const scaleFn = (cycle: number, t: number): number => (c.mode === 'triangular' ? 1 : c.mode === 'triangular2' ? 1 / 2 ** (cycle - 1) : c.gamma ** t)
  let t = 0
  let cycle = 1
  let newCycle = false
  const at = (): Hyper => {
    // PyTorch 1.13 CyclicLR.get_lr, same operation order.
    const x = 1 + t / totalSize - cycle
    const scale = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1)
    const f = scaleFn(cycle, t)
    const lr = baseLr + (c.maxLr - baseLr) * scale * f
    if (!cyclesMomentum) return { lr }
    return { lr, momentum: c.maxMomentum - (c.maxMomentum - c.baseMomentum) * scale * f }
  }
  let value = at()
  return {
    current: () => value,
    step: () => {
      t++
      const next = Math.floor(1 + t / totalSize)
      newCycle = next !== cycle
      cycle = next
      value = at()
    },
    restarted: () => newCycle,
  }
}

export function oneCycleTotal(c: OneCycleConfig, ctx: ScheduleContext): number {
  return c.totalSteps ?? Math.max(1, ctx.totalSteps)
}

interface Phase {
  end: number
  lr: [number, number]
  momentum: [number, number]
}

function oneCyclePhases(c: OneCycleConfig, ctx: ScheduleContext): Phase[] {
  const T = oneCycleTotal(c, ctx)
  const maxLr = c.maxLr ?? ctx.baseLr
  const initialLr = maxLr / c.divFactor
  const minLr = initialLr / c.finalDivFactor
  const [mLo, mHi] = [c.baseMomentum, c.maxMomentum]
  if (!c.threePhase)
    return [
      { end: c.pctStart * T - 1, lr: [initialLr, maxLr], momentum: [mHi, mLo] },
      { end: T - 1, lr: [maxLr, minLr], momentum: [mLo, mHi] },
    ]
  return [
    { end: c.pctStart * T - 1, lr: [initialLr, maxLr], momentum: [mHi, mLo] },
    { end: 2 * c.pctStart * T - 2, lr: [maxLr, initialLr], momentum: [mLo, mHi] },
    { end: T - 1, lr: [initialLr, minLr], momentum: [mHi, mHi] },
  ]
}

/** Phases of zero length would divide by zero (PyTorch raises ZeroDivisionError mid-run). */
export function oneCycleProblems(c: OneCycleConfig, ctx: ScheduleContext): string[] {
  const T = oneCycleTotal(c, ctx)
  const problems: string[] = []
  if (T < ctx.totalSteps) problems.push(`totalSteps: ${T} is shorter than the run (${ctx.totalSteps} steps); one-cycle cannot be stepped past its total (PyTorch raises)`)
  let start = 0
  oneCyclePhases(c, ctx).forEach((p, i) => {
    if (!(p.end > start))
      problems.push(
        `pctStart: ${c.pctStart} with totalSteps ${T} leaves phase ${i + 1} of one-cycle with no steps; ` +
          (i === 0 ? 'pctStart·totalSteps must be > 1' : c.threePhase ? 'three-phase needs pctStart·totalSteps < (totalSteps + 1)/2' : 'pctStart must be < 1'),
      )
    start = p.end
  })
  return problems
}

export function createOneCycle(c: OneCycleConfig, ctx: ScheduleContext): LrScheduler {
  const T = oneCycleTotal(c, ctx)
  const phases = oneCyclePhases(c, ctx)
  const cyclesMomentum = c.cycleMomentum && ctx.baseMomentum !== undefined
  const anneal =
    c.annealStrategy === 'cos'
      ? (start: number, end: number, pct: number) => end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1)
      : (start: number, end: number, pct: number) => (end - start) * pct + start
  let s = 0
  const at = (): Hyper => {
    // PyTorch 1.13 OneCycleLR.get_lr: s = T still extrapolates the last phase; s > T raises.
    if (s > T) throw new Error(`one-cycle stepped ${s + 1} times but its totalSteps is ${T}`)
    let start = 0
    for (let i = 0; i < phases.length; i++) {
      const p = phases[i]!
      if (s <= p.end || i === phases.length - 1) {
        const pct = (s - start) / (p.end - start)
        const lr = anneal(p.lr[0], p.lr[1], pct)
        return cyclesMomentum ? { lr, momentum: anneal(p.momentum[0], p.momentum[1], pct) } : { lr }
      }
      start = p.end
    }
    throw new Error('unreachable: one-cycle has no phases')
  }
  let value = at()
  return {
    current: () => value,
    step: () => {
      s++
      value = at()
    },
    restarted: () => false,
  }
}
