/** Messages between a host (service) and its trainer child process. */
import type { RunConfig } from '../../shared/config'
import type { Progress } from '../../shared/api'
import type { RangeTestOptions } from '../../shared/lr-finder'
import type { RangeTestResult } from './lr-finder'
import type { Columns } from '../../shared/metrics'
import type { BackendInfo, RunStatus, RunSummary } from '../../shared/run'

export type HostToTrainer =
  /** runId: a queued run's folder to train into (the trainer makes a new one otherwise); tags: a sweep member's. */
  | { type: 'start'; config: RunConfig; dataDir: string; name?: string; tags?: string[]; runId?: string }
  | { type: 'find-lr'; config: RunConfig; options: RangeTestOptions; dataDir: string }
  | { type: 'stop' }
  | { type: 'pause' }
  | { type: 'resume' }

export type TrainerToHost =
  | { type: 'created'; runId: string; backend: BackendInfo }
  | { type: 'metrics'; runId: string; steps: Columns; epochs: Columns }
  | { type: 'progress'; runId: string; progress: Progress }
  | { type: 'status'; runId: string; status: RunStatus; message?: string }
  | { type: 'done'; runId: string; status: RunStatus; summary: RunSummary }
  /** badConfig: the config was refused before a run folder was made (the caller's mistake). */
  | { type: 'error'; runId: string | null; message: string; badConfig?: boolean }
  | { type: 'find-lr-progress'; done: number; total: number }
  /** Something the user should see now: what data was loaded, rows dropped, and so on. */
  | { type: 'notice'; runId: string; level: 'info' | 'warning'; message: string }
  | { type: 'find-lr-done'; result: RangeTestResult }
  /** The schedule restarted (warm restarts, a new cycle) before `step`: streamed so the charts mark it live. */
  | { type: 'restart'; runId: string; step: number; message: string }
