import type { RunConfig } from './config'

export const RUN_STATUSES = ['running', 'paused', 'finished', 'stopped', 'diverged', 'failed', 'interrupted'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export type BackendName = 'tensorflow' | 'wasm' | 'cpu'

/** Which backend trains a run, and why any faster one was not used. */
export interface BackendInfo {
  name: BackendName
  /** What was asked for: 'auto' or a forced backend (config or LRLAB_BACKEND). */
  requested: 'auto' | BackendName
  /** One line per backend that was tried before this one and failed, with the reason. */
  fallbackReasons: string[]
  /** Fast paths LR Lab installed on this backend (see electron/trainer/wasm-tuning/). */
  tuning?: string[]
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
  /** The task metric on the validation split after the last epoch, and which metric it is. */
  finalValMetric: number | null
  valMetricName: 'accuracy' | 'r2' | 'mae' | null
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
