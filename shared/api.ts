/**
 * The one API the renderer uses, whichever bridge carries it (Electron IPC or the local
 * WebSocket). Every method's arguments are validated with these schemas on the service side.
 */
import { z } from 'zod'
import type { Columns } from './metrics'
import { API_METHODS, type ApiMethod } from './api-methods'
import type { Proposals, RangeTestOptions, Suggestion } from './lr-finder'
import type { Preset } from './presets'
import { RunViewRequestSchema, type RunView, type RunViewRequest } from './run-view'
import type { BackendInfo, RunEvent, RunListEntry, RunManifest, RunStatus, RunSummary } from './run'
import { RunNameSchema, RunNotesSchema, RunTagsSchema } from './run'

import { RunIdSchema } from './run-id'
export { RunIdSchema }

export const FolderPathSchema = z.string().trim().min(1, 'a folder path is required').max(4096)

export const ExportOptionsSchema = z
  .object({
    level: z.enum(['step', 'epoch']).default('step'),
    format: z.enum(['wide', 'long']).default('wide'),
  })
  .strict()
export type ExportOptions = z.infer<typeof ExportOptionsSchema>
/** What an export writes when not told otherwise (CLI, service, UI). */
export const DEFAULT_EXPORT_OPTIONS: ExportOptions = ExportOptionsSchema.parse({})

/** Argument schemas, one tuple per method. Config payloads are checked again by parseRunConfig. */
export const API_ARGS = {
  getInfo: z.tuple([]),
  startRun: z.tuple([z.unknown()]),
  stopRun: z.tuple([RunIdSchema]),
  pauseRun: z.tuple([RunIdSchema]),
  resumeRun: z.tuple([RunIdSchema]),
  listRuns: z.tuple([]),
  loadRun: z.tuple([RunIdSchema]),
  loadRunView: z.tuple([RunIdSchema, RunViewRequestSchema]),
  exportCsv: z.tuple([RunIdSchema, ExportOptionsSchema.default(DEFAULT_EXPORT_OPTIONS)]),
  exportComparisonCsv: z.tuple([z.array(RunIdSchema).min(1).max(1000)]),
  renameRun: z.tuple([RunIdSchema, RunNameSchema]),
  setRunTags: z.tuple([RunIdSchema, RunTagsSchema]),
  setRunNotes: z.tuple([RunIdSchema, RunNotesSchema]),
  deleteRun: z.tuple([RunIdSchema]),
  undoDeleteRun: z.tuple([RunIdSchema]),
  importRun: z.tuple([FolderPathSchema]),
  watchFolder: z.tuple([FolderPathSchema]),
  unwatchFolder: z.tuple([FolderPathSchema]),
  listWatchedFolders: z.tuple([]),
  findLr: z.tuple([z.unknown(), z.unknown().optional()]),
  listPresets: z.tuple([]),
} as const satisfies Record<ApiMethod, z.ZodType>
export { API_METHODS, type ApiMethod }

export interface AppInfo {
  version: string
  dataDir: string
  /** The backend the service's trainer will pick for 'auto', probed at start. */
  backend: BackendInfo | null
  host: 'electron' | 'browser-bridge'
}

export interface LoadedRun {
  manifest: RunManifest
  steps: Columns
  epochs: Columns
  events: RunEvent[]
  /** What could not be read (empty when the run is intact). */
  damage: string[]
}

export interface Progress {
  epoch: number
  step: number
  totalEpochs: number
  totalSteps: number
  stepsPerSec: number
  etaSec: number | null
}

export type ServiceEvent =
  | { type: 'find-lr-progress'; requestId: number; done: number; total: number }
  | { type: 'library'; change: 'added' | 'updated' | 'removed'; runId: string }
  | { type: 'metrics'; runId: string; steps: Columns; epochs: Columns }
  | {
      type: 'status'
      runId: string
      status: RunStatus
      backend?: BackendInfo
      progress?: Progress
      summary?: RunSummary
      message?: string
    }

export interface LrLabApi {
  getInfo(): Promise<AppInfo>
  startRun(config: unknown): Promise<{ runId: string }>
  stopRun(runId: string): Promise<void>
  pauseRun(runId: string): Promise<void>
  resumeRun(runId: string): Promise<void>
  listRuns(): Promise<RunListEntry[]>
  /** Every row of a run (the page opens runs with loadRunView). */
  loadRun(runId: string): Promise<LoadedRun>
  /** A run decimated for a plot `buckets` pixels wide: per-pixel min/max of every column over the whole run or a range. */
  loadRunView(runId: string, request: RunViewRequest): Promise<RunView>
  exportCsv(runId: string, options?: Partial<ExportOptions>): Promise<{ filename: string; csv: string }>
  /** One row per run: config and summary metrics. */
  exportComparisonCsv(runIds: string[]): Promise<{ filename: string; csv: string }>
  renameRun(runId: string, name: string): Promise<void>
  setRunTags(runId: string, tags: string[]): Promise<void>
  setRunNotes(runId: string, notes: string): Promise<void>
  /** Moves the run to the app's trash; undoDeleteRun brings it back. */
  deleteRun(runId: string): Promise<void>
  undoDeleteRun(runId: string): Promise<void>
  /** Copies a run folder from elsewhere into the library; returns its id there. */
  importRun(folder: string): Promise<{ runId: string }>
  /** Lists the runs of another folder (a data dir or its runs/ folder) beside the library's, live. */
  watchFolder(folder: string): Promise<void>
  unwatchFolder(folder: string): Promise<void>
  listWatchedFolders(): Promise<string[]>
  /** The LR range test for a config (its data, model, optimizer, clipping), in a trainer process. */
  findLr(config: unknown, options?: unknown): Promise<RangeTestResultData>
  listPresets(): Promise<Preset[]>
}

/** What findLr returns (typed arrays travel exactly over both bridges). */
export interface RangeTestResultData {
  lrs: Float64Array
  losses: Float64Array
  smoothed: Float64Array
  suggestions: Suggestion[]
  proposals: Proposals | null
  trimmed: [number, number]
  stoppedEarly: boolean
  stopReason: string | null
  options: RangeTestOptions
}

/** A failure the caller caused (bad config, unknown run): shown to the user as is. */
export class ApiError extends Error {
  constructor(message: string, readonly code: 'bad-request' | 'not-found' | 'conflict' | 'internal' = 'bad-request') {
    super(message)
    this.name = 'ApiError'
  }
}

/** What the Electron preload exposes as `window.lrlab` (the browser bridge offers the same through WebSocket). */
export interface ElectronBridge extends LrLabApi {
  onEvent(listener: (event: ServiceEvent) => void): () => void
  /** Opens a save dialog and writes the text; resolves to the chosen path, or null when cancelled. */
  saveTextFile(suggestedName: string, text: string): Promise<string | null>
  /** Opens a folder picker; resolves to the chosen folder, or null when cancelled. */
  pickFolder(title: string): Promise<string | null>
}

/** WebSocket messages: requests are JSON text; answers and events go through shared/wire.ts encodeFrame (binary when they carry typed arrays). */
export type WsResponse =
  | { id: number; result: unknown }
  | { id: number; error: { message: string; code: string } }
  | { event: ServiceEvent }
