/**
 * The shapes a run is saved in (manifest.json, events.jsonl) and listed by, one zod schema
 * each; the TypeScript types derive from them, and the store reads with the same schemas,
 * so a field added here cannot be dropped on the way in or out.
 */
import { z } from 'zod'
import { BACKEND_CHOICES, RunConfigSchema } from './config'

/** queued: waiting for a trainer slot (the service runs at most --max-parallel at once). */
export const RUN_STATUSES = ['queued', 'running', 'paused', 'finished', 'stopped', 'diverged', 'failed', 'interrupted'] as const
export const RunStatusSchema = z.enum(RUN_STATUSES)
export type RunStatus = z.infer<typeof RunStatusSchema>

export const BackendNameSchema = z.enum(BACKEND_CHOICES).exclude(['auto'])
export type BackendName = z.infer<typeof BackendNameSchema>
export const BACKEND_NAMES = BackendNameSchema.options

/**
 * How `backend: auto` chose: training steps of this run's model timed on each backend that loads
 * (electron/trainer/backend-choice.ts), or why nothing could be measured.
 */
export const BackendChoiceSchema = z.object({
  /** Milliseconds per training step of this model on each backend measured. */
  msPerStep: z.partialRecord(BackendNameSchema, z.number()),
  /** The fastest other backend, and how many times slower than the pick it was. */
  runnerUp: BackendNameSchema.optional(),
  ratio: z.number().optional(),
  /** When the measurement was taken (ISO 8601). */
  measuredAt: z.string(),
  /** What choosing cost this run, ms (0 when the answer came from the data dir's cache). */
  costMs: z.number(),
  /** Loading the backends measured, when this process had not loaded them yet (not counted in costMs). */
  loadMs: z.number().optional(),
  cached: z.boolean(),
  /** Set when there was nothing to measure: why (only one backend loads). */
  unmeasured: z.string().optional(),
})
export type BackendChoice = z.infer<typeof BackendChoiceSchema>

/** Which backend trains a run, and why any faster one was not used. */
export const BackendInfoSchema = z.object({
  name: BackendNameSchema,
  /** What was asked for: 'auto' or a forced backend (config or LRLAB_BACKEND). */
  requested: z.enum(BACKEND_CHOICES),
  /** One line per backend that was tried before this one and failed, with the reason. */
  fallbackReasons: z.array(z.string()),
  /** Fast paths LR Lab installed on this backend (see electron/trainer/wasm-tuning/). */
  tuning: z.array(z.string()).optional(),
  /** How 'auto' picked this backend for the run's model (absent when forced or for the service's default). */
  choice: BackendChoiceSchema.optional(),
})
export type BackendInfo = z.infer<typeof BackendInfoSchema>

/** "wasm (tuned) — 4.1× faster than tensorflow for this model, measured 2026-12-02". */
export function describeChoice(info: Pick<BackendInfo, 'name' | 'tuning' | 'choice'>): string | null {
  const c = info.choice
  if (!c) return null
  const name = `${info.name}${info.tuning?.length ? ' (tuned)' : ''}`
  if (c.unmeasured) return `${name} — not measured: ${c.unmeasured}`
  if (!c.runnerUp || !c.ratio) return name
  const how = c.cached
    ? `measured ${c.measuredAt.slice(0, 10)}, cached`
    : `measured ${c.measuredAt.slice(0, 10)} in ${Math.round(c.costMs)} ms${c.loadMs && c.loadMs >= 50 ? ` + ${(c.loadMs / 1000).toFixed(1)} s loading` : ''}`
  return `${name} — ${c.ratio.toFixed(1)}× faster than ${c.runnerUp} for this model (${how})`
}

const nullableNumber = z.number().nullable()
export const RunSummarySchema = z.object({
  steps: z.number(),
  epochs: z.number(),
  finalLoss: nullableNumber,
  bestLoss: nullableNumber,
  finalValLoss: nullableNumber,
  bestValLoss: nullableNumber,
  bestValEpoch: nullableNumber,
  finalValMetric: nullableNumber,
  /** What finalValMetric measures: accuracy (classification), R² or MAE (regression). */
  valMetricName: z.enum(['accuracy', 'r2', 'mae']).optional(),
  divergedAtStep: nullableNumber,
  divergedAtEpoch: nullableNumber,
  durationSec: z.number(),
  error: z.string().optional(),
})
export type RunSummary = z.infer<typeof RunSummarySchema>

export const RunManifestSchema = z.object({
  formatVersion: z.number().int().min(1),
  id: z.string(),
  name: z.string(),
  createdAt: z.string(), // ISO 8601
  updatedAt: z.string(),
  status: RunStatusSchema,
  config: RunConfigSchema,
  backend: BackendInfoSchema,
  versions: z.object({ lrlab: z.string(), tfjs: z.string(), node: z.string() }),
  summary: RunSummarySchema,
  tags: z.array(z.string()),
  notes: z.string(),
  /** Process id of the writer while status is running/paused, to detect a dead writer. */
  writerPid: z.number().int().optional(),
  /** Host name of the writer while running/paused: a pid only means something on its own machine. */
  writerHost: z.string().optional(),
  /** When the writer process started (an opaque token), so a recycled pid is not taken for the writer. */
  writerStart: z.string().optional(),
  /** Column names of steps.arrow / epochs.arrow, fixed when the run is created. */
  stepColumns: z.array(z.string()).optional(),
  epochColumns: z.array(z.string()).optional(),
})
export type RunManifest = z.infer<typeof RunManifestSchema>

export const EVENT_KINDS = ['start', 'pause', 'resume', 'stop', 'diverged', 'restart', 'clipping', 'error', 'finish', 'interrupted', 'data', 'warning'] as const
export const RunEventSchema = z.object({
  time: z.string(), // ISO 8601
  step: z.number(),
  kind: z.enum(EVENT_KINDS),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
})
export type RunEvent = z.infer<typeof RunEventSchema>

/** One row of the run library. */
export const RunListEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  status: RunStatusSchema,
  dataset: z.string(),
  model: z.string(),
  optimizer: z.string(),
  schedule: z.string(),
  bestValLoss: nullableNumber,
  finalValLoss: nullableNumber,
  /** The task metric on the validation split after the last epoch, and which metric it is. */
  finalValMetric: nullableNumber,
  valMetricName: z.enum(['accuracy', 'r2', 'mae']).nullable(),
  steps: z.number(),
  durationSec: z.number(),
  backend: z.string(),
  tags: z.array(z.string()),
  /** Problems found while reading the run (empty when intact). */
  damage: z.array(z.string()),
  /** Set for runs listed from a watched folder (not the library's own): that folder. */
  watchedFolder: z.string().optional(),
})
export type RunListEntry = z.infer<typeof RunListEntrySchema>

export function emptySummary(): RunSummary {
  return {
    steps: 0,
    epochs: 0,
    finalLoss: null,
    bestLoss: null,
    finalValLoss: null,
    bestValLoss: null,
    bestValEpoch: null,
    finalValMetric: null,
    divergedAtStep: null,
    divergedAtEpoch: null,
    durationSec: 0,
  }
}
