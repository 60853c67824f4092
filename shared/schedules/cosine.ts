/**
 * Cosine annealing (PyTorch CosineAnnealingLR, recursive form) and cosine with warm restarts
 * (PyTorch CosineAnnealingWarmRestarts, extended with Keras CosineDecayRestarts' non-integer
 * t_mul and restart-peak decay m_mul).
 */
import { z } from 'zod'
import { atLeast, lrFloor, num, positive, pyMod, stepUnit, variant } from './fields'
import { recursiveScheduler, type LrScheduler, type ScheduleContext } from './types'

export const cosineSchema = variant('cosine', {
  type: z.literal('cosine'),
  stepUnit,
  /** Half-period in steps; omitted = the whole run. Past tMax the curve climbs back up (PyTorch). */
  tMax: atLeast('tMax', 1).optional(),
  etaMin: lrFloor('etaMin').default(0),
})

export const cosineRestartsSchema = variant('cosine-restarts', {
  type: z.literal('cosine-restarts'),
  stepUnit,
  /** Length of the first period in steps. */
  t0: atLeast('t0', 1),
  /** Each period is tMult times longer than the one before; may be fractional (Keras t_mul). */
  tMult: num('tMult').min(1, { error: 'tMult must be ≥ 1' }).default(1),
  etaMin: lrFloor('etaMin').default(0),
  /** Each restart's peak is peakDecay times the previous one (Keras m_mul); 1 = PyTorch. */
  peakDecay: positive('peakDecay').default(1),
})

export type CosineConfig = z.infer<typeof cosineSchema>
export type CosineRestartsConfig = z.infer<typeof cosineRestartsSchema>

export function cosineTMax(c: CosineConfig, ctx: ScheduleContext): number {
  return c.tMax ?? Math.max(1, ctx.totalSteps)
}

export function createCosine(c: CosineConfig, ctx: ScheduleContext): LrScheduler {
  const T = cosineTMax(c, ctx)
  const lr0 = ctx.baseLr
  const eta = c.etaMin
  return recursiveScheduler(lr0, (lr, t) => {
    // One step after each minimum the ratio below would be 0/0; PyTorch adds the increment instead.
    if (pyMod(t - 1 - T, 2 * T) === 0) return lr + ((lr0 - eta) * (1 - Math.cos(Math.PI / T))) / 2
    return ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (lr - eta) + eta
  })
}

export function createCosineRestarts(c: CosineRestartsConfig, ctx: ScheduleContext): LrScheduler {
  let tCur = 0
  let tI: number = c.t0
  let restarts = 0
  let justRestarted = false
  const lrNow = (): number => {
    const height = (ctx.baseLr - c.etaMin) * (c.peakDecay === 1 ? 1 : c.peakDecay ** restarts)
    return c.etaMin + (height * (1 + Math.cos((Math.PI * tCur) / tI))) / 2
  }
  let lr = lrNow()
  return {
    current: () => ({ lr }),
    step: () => {
      tCur = tCur + 1
      justRestarted = tCur >= tI
      // Subtracting (not resetting to 0) keeps fractional period boundaries exact for non-integer tMult.
      if (justRestarted) {
        tCur = tCur - tI
        tI = tI * c.tMult
        restarts++
      }
      lr = lrNow()
    },
    restarted: () => justRestarted,
  }
}
