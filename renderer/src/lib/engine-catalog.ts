/**
 * What the engine offers, read from the shared modules: variant lists come from the zod
 * schemas; docs and preview come from the schedule/optimizer modules when they export them
 * (the lookups are by name so the renderer keeps working while those modules grow).
 */
import * as schedules from '../../../shared/schedules'
import * as optimizers from '../../../shared/optimizer-config'
import * as clipping from '../../../shared/clipping-config'
import { BACKEND_CHOICES } from '../../../shared/config'
import { unionVariants, variantFields, type FieldSpec, type Variant } from './schema-fields'

export interface Doc {
  title: string
  summary: string
  formula: string
}

export interface Choice {
  value: string
  fields: FieldSpec[]
  doc: Doc | null
}

function docsFrom(mod: Record<string, unknown>, name: string): Record<string, Doc> {
  const d = mod[name]
  return d && typeof d === 'object' ? (d as Record<string, Doc>) : {}
}

function choices(variants: Variant[], discriminator: string, docs: Record<string, Doc>): Choice[] {
  return variants.map((v) => ({ value: v.value, fields: variantFields(v, discriminator), doc: docs[v.value] ?? null }))
}

const scheduleMod = schedules as unknown as Record<string, unknown>
const optimizerMod = optimizers as unknown as Record<string, unknown>
const clippingMod = clipping as unknown as Record<string, unknown>

export const SCHEDULE_CHOICES: Choice[] = choices(unionVariants(schedules.ScheduleSchema, 'type'), 'type', docsFrom(scheduleMod, 'SCHEDULE_DOCS'))
export const OPTIMIZER_CHOICES: Choice[] = choices(unionVariants(optimizers.OptimizerSchema, 'type'), 'type', docsFrom(optimizerMod, 'OPTIMIZER_DOCS'))
export const CLIPPING_CHOICES: Choice[] = choices(unionVariants(clipping.ClippingSchema, 'mode'), 'mode', docsFrom(clippingMod, 'CLIPPING_DOCS'))
export const BACKENDS: readonly string[] = BACKEND_CHOICES

export const previewSchedule = schedules.previewSchedule

type RunProblems = (cfg: unknown, ctx: { baseLr: number; baseMomentum?: number; totalSteps: number }) => string[]
/** Problems of a schema-valid schedule that only the run's length and lr reveal (e.g. one-cycle shorter than the run). */
export function scheduleRunProblems(cfg: unknown, ctx: { baseLr: number; baseMomentum?: number; totalSteps: number }): string[] {
  const f = scheduleMod['validateScheduleForRun']
  if (typeof f !== 'function') return []
  try {
    return (f as RunProblems)(cfg, ctx)
  } catch {
    return []
  }
}
export type ScheduleConfig = schedules.ScheduleConfig
export type SchedulePreview = schedules.SchedulePreview

/** The momentum / beta1 a momentum-cycling schedule starts from, when the optimizer has one. */
export function baseMomentumOf(opt: Record<string, unknown>): number | undefined {
  const f = optimizerMod['momentumOf']
  if (typeof f === 'function') {
    try {
      const m = (f as (c: unknown) => number | undefined)(opt)
      return typeof m === 'number' ? m : undefined
    } catch {
      return undefined
    }
  }
  const m = opt['momentum'] ?? opt['beta1']
  return typeof m === 'number' ? m : undefined
}
