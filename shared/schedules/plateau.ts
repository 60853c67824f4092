/**
 * PyTorch 1.13 ReduceLROnPlateau: multiply lr by `factor` once the monitored metric has not
 * improved for more than `patience` steps. Needs the validation metric, so it is stepped
 * once per epoch; step() without a metric leaves everything unchanged.
 */
import { z } from 'zod'
import { atLeast, lrFloor, nonNegative, num, oneOf, stepUnit, variant } from './fields'
import type { LrScheduler, ScheduleContext } from './types'

export const plateauSchema = variant('plateau', {
  type: z.literal('plateau'),
  stepUnit,
  /** 'min' for a loss, 'max' for an accuracy. */
  mode: oneOf('mode', ['min', 'max']).default('min'),
  factor: num('factor').gt(0, { error: 'factor must be in (0, 1)' }).lt(1, { error: 'factor must be in (0, 1)' }).default(0.1),
  /** Bad steps tolerated; lr drops on bad step number patience + 1. */
  patience: atLeast('patience', 0).default(10),
  /** Smallest change that counts as an improvement (relative or absolute, see thresholdMode). */
  threshold: nonNegative('threshold').default(1e-4),
  thresholdMode: oneOf('thresholdMode', ['rel', 'abs']).default('rel'),
  /** Steps after a reduction during which bad steps are not counted. */
  cooldown: atLeast('cooldown', 0).default(0),
  minLr: lrFloor('minLr').default(0),
  /** Reductions smaller than eps are skipped. */
  eps: nonNegative('eps').default(1e-8),
}).refine((c) => c.stepUnit === 'epoch', {
  error: "stepUnit must be 'epoch' for plateau: it needs the validation metric, which exists once per epoch",
  path: ['stepUnit'],
})

export type PlateauConfig = z.infer<typeof plateauSchema>

export function createPlateau(c: PlateauConfig, ctx: ScheduleContext): LrScheduler {
  let lr = ctx.baseLr
  let best = c.mode === 'min' ? Infinity : -Infinity
  let bad = 0
  let cooldownLeft = 0
  const isBetter = (a: number): boolean => {
    if (c.mode === 'min') return c.thresholdMode === 'rel' ? a < best * (1 - c.threshold) : a < best - c.threshold
    return c.thresholdMode === 'rel' ? a > best * (c.threshold + 1) : a > best + c.threshold
  }
  return {
    current: () => ({ lr }),
    step: (metric?: number) => {
      if (metric === undefined) return
      if (isBetter(metric)) {
        best = metric
        bad = 0
      } else bad += 1
      if (cooldownLeft > 0) {
        cooldownLeft -= 1
        bad = 0
      }
      if (bad > c.patience) {
        const reduced = Math.max(lr * c.factor, c.minLr)
        if (lr - reduced > c.eps) lr = reduced
        cooldownLeft = c.cooldown
        bad = 0
      }
    },
    restarted: () => false,
  }
}
