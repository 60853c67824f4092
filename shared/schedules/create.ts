/** Turning a schedule config into a running scheduler, checking it against the run first. */
import { type z } from 'zod'
import { createConstant, createConstantFactor, createExponential, createInverseTime, createLinear, createMultistep, createPolynomial, createStep } from './decay'
import { createCosine, createCosineRestarts } from './cosine'
import { createCyclic, createOneCycle, cyclicProblems, oneCycleProblems } from './cyclic'
import { createPlateau } from './plateau'
import { createSequential, createWarmup, sequentialChildContexts, warmupChildContext } from './compose'
import { ScheduleSchema, type ScheduleConfig, type ScheduleInput } from './schema'
import type { LrScheduler, ScheduleContext } from './types'

export class ScheduleError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid schedule:\n  ${problems.join('\n  ')}`)
    this.name = 'ScheduleError'
  }
}

function issuesOf(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((i) => `${prefix}${i.path.length ? i.path.join('.') : '(schedule)'}: ${i.message}`)
}

function contextProblems(ctx: ScheduleContext): string[] {
  const p: string[] = []
  if (!(Number.isFinite(ctx.baseLr) && ctx.baseLr > 0)) p.push(`baseLr: the optimizer lr must be a finite number > 0 (got ${ctx.baseLr})`)
  if (!(Number.isInteger(ctx.totalSteps) && ctx.totalSteps >= 0)) p.push(`totalSteps: the run length must be a whole number ≥ 0 (got ${ctx.totalSteps})`)
  if (ctx.baseMomentum !== undefined && !Number.isFinite(ctx.baseMomentum)) p.push(`baseMomentum: must be a finite number (got ${ctx.baseMomentum})`)
  return p
}

/** Problems that only show against a particular run (its length, the optimizer's lr). */
function runProblems(c: ScheduleConfig, ctx: ScheduleContext, path: string): string[] {
  const at = (msgs: string[]): string[] => msgs.map((m) => path + m)
  switch (c.type) {
    case 'cyclic':
      return at(cyclicProblems(c, ctx))
    case 'one-cycle':
      return at(oneCycleProblems(c, ctx))
    case 'warmup': {
      if (c.warmupSteps > ctx.totalSteps) return [`${path}warmupSteps: ${c.warmupSteps} is longer than the run (${ctx.totalSteps} steps)`]
      if (!c.schedule) return []
      if (c.warmupSteps === ctx.totalSteps) return [`${path}warmupSteps: ${c.warmupSteps} fills the whole run (${ctx.totalSteps} steps), leaving no steps for the schedule after it`]
      return runProblems(c.schedule, warmupChildContext(c, ctx), `${path}schedule.`)
    }
    case 'sequential': {
      const own = c.milestones.flatMap((m, i) => (m >= ctx.totalSteps ? [`${path}milestones.${i}: ${m} is not inside the run (${ctx.totalSteps} steps), so schedules.${i + 1} would never run`] : []))
      const contexts = sequentialChildContexts(c, ctx)
      return [...own, ...c.schedules.flatMap((s, i) => runProblems(s, contexts[i]!, `${path}schedules.${i}.`))]
    }
    default:
      return []
  }
}

/**
 * Everything wrong with using this schedule for this run, one line per problem naming the
 * field by its path inside the schedule (`schedules.1.totalSteps: …`); empty when it is fine.
 * Accepts unparsed input too.
 */
export function validateScheduleForRun(cfg: ScheduleInput | ScheduleConfig, ctx: ScheduleContext): string[] {
  const ctxProblems = contextProblems(ctx)
  const parsed = ScheduleSchema.safeParse(cfg)
  if (!parsed.success) return [...issuesOf(parsed.error), ...ctxProblems]
  if (ctxProblems.length) return ctxProblems
  return runProblems(parsed.data, ctx, '')
}

function build(c: ScheduleConfig, ctx: ScheduleContext): LrScheduler {
  switch (c.type) {
    case 'constant':
      return createConstant(ctx)
    case 'constant-factor':
      return createConstantFactor(c, ctx)
    case 'linear':
      return createLinear(c, ctx)
    case 'inverse-time':
      return createInverseTime(c, ctx)
    case 'step':
      return createStep(c, ctx)
    case 'multistep':
      return createMultistep(c, ctx)
    case 'exponential':
      return createExponential(c, ctx)
    case 'polynomial':
      return createPolynomial(c, ctx)
    case 'cosine':
      return createCosine(c, ctx)
    case 'cosine-restarts':
      return createCosineRestarts(c, ctx)
    case 'cyclic':
      return createCyclic(c, ctx)
    case 'one-cycle':
      return createOneCycle(c, ctx)
    case 'plateau':
      return createPlateau(c, ctx)
    case 'warmup':
      return createWarmup(c, ctx, build)
    case 'sequential':
      return createSequential(c, ctx, build)
  }
}

/** A scheduler for this run; throws ScheduleError listing every problem when the config does not fit it. */
export function createScheduler(cfg: ScheduleInput | ScheduleConfig, ctx: ScheduleContext): LrScheduler {
  const problems = validateScheduleForRun(cfg, ctx)
  if (problems.length) throw new ScheduleError(problems)
  return build(ScheduleSchema.parse(cfg), ctx)
}

/** The whole run's schedule, for the builder's preview and for charts. */
export interface SchedulePreview {
  lr: Float64Array
  momentum: Float64Array | null
  /** Indices (scheduler steps) where a restart or new cycle begins. */
  restarts: number[]
}

/**
 * Steps a fresh scheduler through the run; `metrics[i]` is fed after step i (plateau).
 * `limit` caps how many steps are computed while `ctx` still describes the whole run, so
 * run-length defaults (cosine tMax, one-cycle totalSteps, segments) stay those of the run.
 */
export function previewSchedule(cfg: ScheduleInput | ScheduleConfig, ctx: ScheduleContext, metrics?: ArrayLike<number>, limit = Infinity): SchedulePreview {
  const s = createScheduler(cfg, ctx)
  const n = Math.min(ctx.totalSteps, limit)
  const lr = new Float64Array(n)
  let momentum: Float64Array | null = null
  const restarts: number[] = []
  for (let i = 0; i < n; i++) {
    const h = s.current()
    lr[i] = h.lr
    if (h.momentum !== undefined) {
      momentum ??= new Float64Array(n).fill(ctx.baseMomentum ?? NaN)
      momentum[i] = h.momentum
    }
    s.step(metrics?.[i])
    if (s.restarted() && i + 1 < n) restarts.push(i + 1)
  }
  return { lr, momentum, restarts }
}
