/**
 * The schedule config: a zod union discriminated on `type`. `warmup` and `sequential` nest
 * other schedules (recursive schemas through getters, as zod 4 recommends).
 */
import { z } from 'zod'
import { atLeast, int, num, stepUnit, variant } from './fields'
import { constantFactorSchema, constantSchema, exponentialSchema, inverseTimeSchema, linearSchema, multistepSchema, polynomialSchema, stepSchema } from './decay'
import { cosineRestartsSchema, cosineSchema } from './cosine'
import { cyclicSchema, oneCycleSchema } from './cyclic'
import { plateauSchema } from './plateau'

export const SCHEDULE_TYPES = [
  'constant',
  'constant-factor',
  'linear',
  'inverse-time',
  'step',
  'multistep',
  'exponential',
  'polynomial',
  'cosine',
  'cosine-restarts',
  'cyclic',
  'one-cycle',
  'plateau',
  'warmup',
  'sequential',
] as const
export type ScheduleType = (typeof SCHEDULE_TYPES)[number]

/** Schedules that nest no other schedule. */
const leafSchemas = [
  constantSchema,
  constantFactorSchema,
  linearSchema,
  inverseTimeSchema,
  stepSchema,
  multistepSchema,
  exponentialSchema,
  polynomialSchema,
  cosineSchema,
  cosineRestartsSchema,
  cyclicSchema,
  oneCycleSchema,
  plateauSchema,
] as const
type LeafSchema = (typeof leafSchemas)[number]

/** Children follow the parent's stepUnit; plateau among them needs it to be 'epoch'. */
function plateauNeedsEpoch(c: { stepUnit: string }, children: readonly { type: string }[]): boolean {
  return c.stepUnit === 'epoch' || !children.some((s) => containsPlateau(s))
}

export function containsPlateau(s: { type: string; schedule?: unknown; schedules?: unknown }): boolean {
  if (s.type === 'plateau') return true
  const kids = [...(s.schedule ? [s.schedule] : []), ...(Array.isArray(s.schedules) ? s.schedules : [])] as { type: string }[]
  return kids.some((k) => containsPlateau(k))
}

const plateauMessage = "stepUnit must be 'epoch': a nested plateau schedule needs the validation metric, which exists once per epoch"

/**
 * The recursive variants are typed by hand so the nested schemas can refer to the whole
 * union through an annotated z.lazy (TypeScript cannot infer a self-referencing type).
 */
export interface WarmupConfig {
  type: 'warmup'
  stepUnit: 'batch' | 'epoch'
  warmupSteps: number
  startFactor: number
  schedule?: ScheduleConfig | undefined
}
export interface WarmupInput {
  type: 'warmup'
  stepUnit?: 'batch' | 'epoch' | undefined
  warmupSteps: number
  startFactor?: number | undefined
  schedule?: ScheduleInput | undefined
}
export interface SequentialConfig {
  type: 'sequential'
  stepUnit: 'batch' | 'epoch'
  schedules: ScheduleConfig[]
  milestones: number[]
}
export interface SequentialInput {
  type: 'sequential'
  stepUnit?: 'batch' | 'epoch' | undefined
  schedules: ScheduleInput[]
  milestones: number[]
}

/**
 * How deep warmup and sequential may nest schedules inside each other. Real recipes nest two or
 * three levels; the cap keeps a generated or malicious config from exhausting the stack (zod
 * parses nested schemas recursively: 2,000 levels died with "Maximum call stack size exceeded").
 */
export const MAX_SCHEDULE_DEPTH = 8

/** Levels of schedules in `value` (1 for a leaf), counted without recursion and up to `limit` + 1. */
export function scheduleDepth(value: unknown, limit = MAX_SCHEDULE_DEPTH): number {
  let deepest = 0
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length) {
    const [v, d] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    deepest = Math.max(deepest, d)
    if (deepest > limit) break
    const o = v as { schedule?: unknown; schedules?: unknown }
    if (o.schedule !== undefined) stack.push([o.schedule, d + 1])
    if (Array.isArray(o.schedules)) for (const c of o.schedules) stack.push([c, d + 1])
  }
  return deepest
}

/** A nested schedule, refused before it is parsed when the nesting below it is too deep. */
const anySchedule = z.preprocess(
  (v, ctx) => {
    if (scheduleDepth(v, MAX_SCHEDULE_DEPTH - 1) > MAX_SCHEDULE_DEPTH - 1)
      ctx.addIssue({ code: 'custom', message: `schedules nest at most ${MAX_SCHEDULE_DEPTH} levels deep (warmup and sequential inside each other)`, input: v })
    return v
  },
  z.lazy(() => ScheduleSchema),
) as unknown as z.ZodType<ScheduleConfig, ScheduleInput>

export const warmupSchema = variant('warmup', {
  type: z.literal('warmup'),
  stepUnit,
  /** Steps of linear warm-up from startFactor·lr to lr. */
  warmupSteps: atLeast('warmupSteps', 1),
  startFactor: num('startFactor').min(0, { error: 'startFactor must be in [0, 1)' }).lt(1, { error: 'startFactor must be in [0, 1)' }).default(0.01),
  /** The schedule that follows the warm-up, counted from its end; omitted = hold lr. Its own stepUnit is ignored. */
  schedule: anySchedule.optional(),
}).refine((c) => plateauNeedsEpoch(c, c.schedule ? [c.schedule] : []), { error: plateauMessage, path: ['stepUnit'] })

export const sequentialSchema = variant('sequential', {
  type: z.literal('sequential'),
  stepUnit,
  /** Run one after the other (PyTorch SequentialLR); each child counts its steps from its own start. Their stepUnits are ignored. */
  schedules: z.array(anySchedule, { error: 'schedules must be a list of schedules' }).min(1, { error: 'schedules must list at least one schedule' }),
  /** Step at which each schedule after the first takes over (one fewer than schedules). */
  milestones: z.array(int('milestones[]').min(1, { error: 'milestones must be ≥ 1' }), { error: 'milestones must be a list of step numbers' }),
})
  .refine((c) => c.milestones.length === c.schedules.length - 1, {
    error: 'milestones must have one entry fewer than schedules (the step at which each later schedule starts)',
    path: ['milestones'],
  })
  .refine((c) => c.milestones.every((m, i) => i === 0 || m > c.milestones[i - 1]!), {
    error: 'milestones must be strictly increasing',
    path: ['milestones'],
  })
  .refine((c) => plateauNeedsEpoch(c, c.schedules), { error: plateauMessage, path: ['stepUnit'] })

export const ScheduleSchema = z.discriminatedUnion('type', [...leafSchemas, warmupSchema, sequentialSchema], {
  error: (issue) => (issue.code === 'invalid_union' && (issue as { note?: string }).note === 'No matching discriminator' ? `type must be one of ${SCHEDULE_TYPES.join(', ')}` : undefined),
})
export type ScheduleConfig = z.infer<LeafSchema> | WarmupConfig | SequentialConfig
export type ScheduleInput = z.input<LeafSchema> | WarmupInput | SequentialInput
export type ScheduleOf<T extends ScheduleType> = Extract<ScheduleConfig, { type: T }>

// Compile-time guard: the hand-written types above must agree with what the schema parses.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const scheduleTypesAgree: [Same<z.infer<typeof ScheduleSchema>, ScheduleConfig>, Same<z.input<typeof ScheduleSchema>, ScheduleInput>] = [true, true]
void scheduleTypesAgree
