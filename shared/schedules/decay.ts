/**
 * Monotone decays: constant, PyTorch's ConstantLR, LinearLR, StepLR, MultiStepLR, ExponentialLR,
 * PolynomialLR (their recursive `get_lr()` forms, as PyTorch 1.13 runs them) and Keras's
 * InverseTimeDecay (closed form, as Keras evaluates it).
 */
import { z } from 'zod'
import { atLeast, flag, int, nonNegative, num, positive, stepUnit, variant } from './fields'
import { closedFormScheduler, recursiveScheduler, type LrScheduler, type ScheduleContext } from './types'

/** PyTorch's StepLR/MultiStepLR default; ExponentialLR has none. */
const decayGamma = () => positive('gamma').default(0.1)

export const constantSchema = variant('constant', { type: z.literal('constant'), stepUnit })

export const constantFactorSchema = variant('constant-factor', {
  type: z.literal('constant-factor'),
  stepUnit,
  /** lr0·factor until totalIters, then lr0. */
  factor: num('factor')
    .gt(0, { error: 'factor must be in (0, 1]' })
    .max(1, { error: 'factor must be in (0, 1]' })
    .default(1 / 3),
  totalIters: atLeast('totalIters', 0).default(5),
})

export const linearSchema = variant('linear', {
  type: z.literal('linear'),
  stepUnit,
  /** > 0: PyTorch's recursion divides by it (1.13 crashes at step 1 with 0). */
  startFactor: num('startFactor')
    .gt(0, { error: 'startFactor must be in (0, 1] (PyTorch cannot start LinearLR from 0; use warmup for that)' })
    .max(1, { error: 'startFactor must be in (0, 1]' })
    .default(1 / 3),
  endFactor: num('endFactor').min(0, { error: 'endFactor must be in [0, 1]' }).max(1, { error: 'endFactor must be in [0, 1]' }).default(1),
  totalIters: atLeast('totalIters', 0).default(5),
})

export const inverseTimeSchema = variant('inverse-time', {
  type: z.literal('inverse-time'),
  stepUnit,
  decaySteps: positive('decaySteps'),
  decayRate: nonNegative('decayRate'),
  /** Decay in whole multiples of decaySteps (floor) instead of continuously. */
  staircase: flag('staircase').default(false),
})

export const stepSchema = variant('step', {
  type: z.literal('step'),
  stepUnit,
  stepSize: atLeast('stepSize', 1),
  gamma: decayGamma(),
})

export const multistepSchema = variant('multistep', {
  type: z.literal('multistep'),
  stepUnit,
  /** Steps at which lr is multiplied by gamma; a repeated milestone applies gamma once per repeat (PyTorch's Counter). */
  milestones: z
    .array(int('milestones[]').min(1, { error: 'milestones must be ≥ 1' }), { error: 'milestones must be a list of step numbers' })
    .min(1, { error: 'milestones must list at least one step' }),
  gamma: decayGamma(),
}).refine((c) => c.milestones.every((m, i) => i === 0 || m >= c.milestones[i - 1]!), {
  error: 'milestones must be in increasing order',
  path: ['milestones'],
})

export const exponentialSchema = variant('exponential', { type: z.literal('exponential'), stepUnit, gamma: positive('gamma') })

export const polynomialSchema = variant('polynomial', {
  type: z.literal('polynomial'),
  stepUnit,
  totalIters: atLeast('totalIters', 0).default(5),
  power: nonNegative('power').default(1),
})

export type ConstantFactorConfig = z.infer<typeof constantFactorSchema>
export type LinearConfig = z.infer<typeof linearSchema>
export type InverseTimeConfig = z.infer<typeof inverseTimeSchema>
export type StepConfig = z.infer<typeof stepSchema>
export type MultistepConfig = z.infer<typeof multistepSchema>
export type ExponentialConfig = z.infer<typeof exponentialSchema>
export type PolynomialConfig = z.infer<typeof polynomialSchema>

export function createConstant(ctx: ScheduleContext): LrScheduler {
  return recursiveScheduler(ctx.baseLr, (lr) => lr)
}

export function createConstantFactor(c: ConstantFactorConfig, ctx: ScheduleContext): LrScheduler {
  // 1.13 ConstantLR.get_lr: ×factor at t = 0, ×1/factor exactly at t = totalIters (so totalIters 0 never restores).
  return recursiveScheduler(ctx.baseLr * c.factor, (lr, t) => (t === c.totalIters ? lr * (1.0 / c.factor) : lr))
}

export function createLinear(c: LinearConfig, ctx: ScheduleContext): LrScheduler {
  const { startFactor: s, endFactor: e, totalIters: n } = c
  return recursiveScheduler(ctx.baseLr * s, (lr, t) => (t > n ? lr : lr * (1 + (e - s) / (n * s + (t - 1) * (e - s)))))
}

export function createInverseTime(c: InverseTimeConfig, ctx: ScheduleContext): LrScheduler {
  return closedFormScheduler((t) => {
    const p = c.staircase ? Math.floor(t / c.decaySteps) : t / c.decaySteps
    return { lr: ctx.baseLr / (1 + c.decayRate * p) }
  })
}

export function createStep(c: StepConfig, ctx: ScheduleContext): LrScheduler {
  return recursiveScheduler(ctx.baseLr, (lr, t) => (t % c.stepSize !== 0 ? lr : lr * c.gamma))
}

export function createMultistep(c: MultistepConfig, ctx: ScheduleContext): LrScheduler {
  const count = new Map<number, number>()
  for (const m of c.milestones) count.set(m, (count.get(m) ?? 0) + 1)
  return recursiveScheduler(ctx.baseLr, (lr, t) => {
    const k = count.get(t)
    return k === undefined ? lr : lr * c.gamma ** k
  })
}

export function createExponential(c: ExponentialConfig, ctx: ScheduleContext): LrScheduler {
  return recursiveScheduler(ctx.baseLr, (lr) => lr * c.gamma)
}

export function createPolynomial(c: PolynomialConfig, ctx: ScheduleContext): LrScheduler {
  const n = c.totalIters
  return recursiveScheduler(ctx.baseLr, (lr, t) => (t > n ? lr : lr * ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** c.power))
}
