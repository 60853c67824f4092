/**
 * What the engine offers, read from the shared modules: variant lists come from the zod
 * schemas (so every optimizer, schedule, clipping mode, dataset and model the engine
 * accepts gets an editor), docs from the modules' doc tables.
 */
import { ScheduleSchema, SCHEDULE_DOCS, previewSchedule as previewScheduleImpl } from '../../../shared/schedules'
import { OptimizerSchema, OPTIMIZER_DOCS } from '../../../shared/optimizer-config'
import { ClippingSchema, CLIPPING_DOCS } from '../../../shared/clipping-config'
import { BACKEND_CHOICES, DataSchema, ModelSchema, RunConfigSchema } from '../../../shared/config'
import { unionVariants, variantFields, describeField, type Variant } from './schema-fields'
import type { FieldSpec } from './schema-fields'
import { DATA_DOCS, type Doc } from '../../../shared/docs'

export interface Choice {
  value: string
  fields: FieldSpec[]
  doc: Doc | null
}

function choices(variants: Variant[], discriminator: string, docs: Partial<Record<string, Doc>>): Choice[] {
  return variants.map((v) => ({ value: v.value, fields: variantFields(v, discriminator), doc: docs[v.value] ?? null }))
}

export const SCHEDULE_CHOICES: Choice[] = choices(unionVariants(ScheduleSchema, 'type'), 'type', SCHEDULE_DOCS)
export const OPTIMIZER_CHOICES: Choice[] = choices(unionVariants(OptimizerSchema, 'type'), 'type', OPTIMIZER_DOCS)
export const CLIPPING_CHOICES: Choice[] = choices(unionVariants(ClippingSchema, 'mode'), 'mode', CLIPPING_DOCS)
export const DATA_CHOICES: Choice[] = choices(unionVariants(DataSchema, 'kind'), 'kind', DATA_DOCS)
export const MODEL_CHOICES: Choice[] = choices(unionVariants(ModelSchema, 'kind'), 'kind', {})
export const BACKENDS: readonly string[] = BACKEND_CHOICES

const runShape = RunConfigSchema as unknown as { _zod: { def: { in?: { shape?: Record<string, never> }; shape?: Record<string, never> } } }
function runField(key: string): FieldSpec | null {
  // RunConfigSchema is an object wrapped by superRefine; find its shape either way.
  const s = (RunConfigSchema as unknown as { shape?: Record<string, never> }).shape ?? runShape._zod.def.in?.shape ?? runShape._zod.def.shape
  const f = s?.[key]
  return f ? describeField(key, f) : null
}
export const LOSSES: string[] = runField('loss')?.options ?? ['mse']
export const METRICS: string[] = runField('metric')?.options ?? ['auto']

export const previewSchedule = previewScheduleImpl
export type { ScheduleConfig, SchedulePreview } from '../../../shared/schedules'
