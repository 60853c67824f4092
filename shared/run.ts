import { z } from 'zod'
import type { RunConfig } from './config'

export const RUN_STATUSES = ['running', 'paused', 'finished', 'stopped', 'diverged', 'failed', 'interrupted'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const
export type BackendName = (typeof BACKEND_NAMES)[number]

/**
 * How `backend: auto` chose: training steps of this run's model timed on each backend that loads
 * (electron/trainer/backend-choice.ts), or why nothing could be measured.
 */
export const BackendChoiceSchema = z.object({
  /** Milliseconds per training step of this model on each backend measured. */
  msPerStep: z.partialRecord(z.enum(BACKEND_NAMES), z.number()),
  /** The fastest other backend, and how many times slower than the pick it was. */
  runnerUp: z.enum(BACKEND_NAMES).optional(),
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
export interface BackendInfo {
  name: BackendName
  /** What was asked for: 'auto' or a forced backend (config or LRLAB_BACKEND). */
  requested: 'auto' | BackendName
  /** One line per backend that was tried before this one and failed, with the reason. */
  fallbackReasons: string[]
  /** Fast paths LR Lab installed on this backend (see electron/trainer/wasm-tuning/). */
  tuning?: string[]
  /** How 'auto' picked this backend for the run's model (absent when forced or for the service's default). */
  choice?: BackendChoice
}

/** "wasm (tuned) — 4.1× faster than tensorflow for this model, measured 2026-12-02". */
export function describeChoice(info: Pick<BackendInfo, 'name' | 'tuning' | 'choice'>): string | null {
  const c = info.choice
  if (!c) return null
  const name = `${info.name}${info.tuning?.length ? ' (tuned)' : ''}`
  if (c.unmeasured) return `${name} — not measured: ${c.unmeasured}`
  if (!c.runnerUp || !c.ratio) return name
  const how = c.cached ? `measured ${c.measuredAt.slice(0, 10)}, cached` : `measured ${c.measuredAt.slice(0, 10)} in ${Math.round(c.costMs)} ms${c.loadMs && c.loadMs >= 50 ? ` + ${(c.loadMs / 1000).toFixed(1)} s loading` : ''}`
  return `${name} — ${c.ratio.toFixed(1)}× faster than ${c.runnerUp} for this model (${how})`
}

export interface RunSummary {
  steps: number
  epochs: number
  finalLoss: number | null
  bestLoss: number | null
  finalValLoss: number | null
  bestValLoss: number | null
  bestValEpoch: number | null
  finalValMetric: number | null
  /** What finalValMetric measures: accuracy (classification), R² or MAE (regression). */
  valMetricName?: 'accuracy' | 'r2' | 'mae'
  divergedAtStep: number | null
  divergedAtEpoch: number | null
  durationSec: number
  error?: string
}

export interface RunManifest {
  formatVersion: number
  id: string
  name: string
  createdAt: string // ISO 8601
  updatedAt: string
  status: RunStatus
  config: RunConfig
  backend: BackendInfo
  versions: { lrlab: string; tfjs: string; node: string }
  summary: RunSummary
  tags: string[]
  notes: string
  /** Process id of the writer while status is running/paused, to detect a dead writer. */
  writerPid?: number
  /** Host name of the writer while running/paused: a pid only means something on its own machine. */
  writerHost?: string
  /** Column names of steps.arrow / epochs.arrow, fixed when the run is created. */
  stepColumns?: string[]
  epochColumns?: string[]
}

export interface RunEvent {
  time: string // ISO 8601
  step: number
  kind: 'start' | 'pause' | 'resume' | 'stop' | 'diverged' | 'restart' | 'clipping' | 'error' | 'finish' | 'interrupted' | 'data' | 'warning'
  message: string
  data?: Record<string, unknown>
}

/** One row of the run library. */
export interface RunListEntry {
  id: string
  name: string
  createdAt: string
  status: RunStatus
  dataset: string
  model: string
  optimizer: string
  schedule: string
  bestValLoss: number | null
  finalValLoss: number | null
  steps: number
  durationSec: number
  backend: string
  tags: string[]
  /** Problems found while reading the run (empty when intact). */
  damage: string[]
  /** Set for runs listed from a watched folder (not the library's own): that folder. */
  watchedFolder?: string
}

export function emptySummary(): RunSummary {
  return {
    steps: 0, epochs: 0, finalLoss: null, bestLoss: null, finalValLoss: null, bestValLoss: null,
    bestValEpoch: null, finalValMetric: null, divergedAtStep: null, divergedAtEpoch: null, durationSec: 0,
  }
}
