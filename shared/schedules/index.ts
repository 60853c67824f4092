/**
 * Learning-rate schedules as pure, stateful scalar math, shared by the trainer and the
 * renderer's preview. Semantics follow torch.optim.lr_scheduler: a scheduler reports the
 * hyperparameters in effect for the next optimizer step, and is stepped once after each
 * step (stepUnit 'batch') or after each epoch (stepUnit 'epoch').
 */
import { z } from 'zod'

const stepUnit = z.enum(['batch', 'epoch']).default('epoch')

export const ScheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant'), stepUnit }),
  z.object({ type: z.literal('exponential'), stepUnit, gamma: z.number().positive().max(1e6) }),
])
export type ScheduleConfig = z.infer<typeof ScheduleSchema>
export type ScheduleInput = z.input<typeof ScheduleSchema>

export interface ScheduleContext {
  /** The optimizer's configured learning rate (PyTorch's base_lr / initial_lr). */
  baseLr: number
  /** The optimizer's configured momentum or beta1, when it has one. */
  baseMomentum?: number
  /** How many times step() will be called over the whole run. */
  totalSteps: number
}

export interface Hyper {
  lr: number
  /** Set only by schedules that cycle momentum / beta1. */
  momentum?: number
}

export interface LrScheduler {
  /** Hyperparameters for the next optimizer step. */
  current(): Hyper
  /** Advance one unit; `metric` feeds reduce-on-plateau. */
  step(metric?: number): void
  /** True when the schedule restarted (warm restart or new cycle) at the last step(). */
  restarted(): boolean
}

export function createScheduler(cfg: ScheduleConfig, ctx: ScheduleContext): LrScheduler {
  let t = 0
  const lrAt = (): number => {
    switch (cfg.type) {
      case 'constant':
        return ctx.baseLr
      case 'exponential':
        return ctx.baseLr * Math.pow(cfg.gamma, t)
    }
  }
  return {
    current: () => ({ lr: lrAt() }),
    step: () => void t++,
    restarted: () => false,
  }
}

/** The whole run's schedule, for the builder's preview and for charts. */
export interface SchedulePreview {
  lr: Float64Array
  momentum: Float64Array | null
  /** Indices (scheduler steps) where a restart or new cycle begins. */
  restarts: number[]
}

export function previewSchedule(cfg: ScheduleConfig, ctx: ScheduleContext, metrics?: ArrayLike<number>): SchedulePreview {
  const s = createScheduler(cfg, ctx)
  const n = ctx.totalSteps
  const lr = new Float64Array(n)
  let momentum: Float64Array | null = null
  const restarts: number[] = []
  for (let i = 0; i < n; i++) {
    const h = s.current()
    lr[i] = h.lr
    if (h.momentum !== undefined) {
      momentum ??= new Float64Array(n)
      momentum[i] = h.momentum
    }
    s.step(metrics?.[i])
    if (s.restarted() && i + 1 < n) restarts.push(i + 1)
  }
  return { lr, momentum, restarts }
}
