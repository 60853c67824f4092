/**
 * The one API the renderer uses, whichever bridge carries it (Electron IPC or the local
 * WebSocket). Every method's arguments are validated with these schemas on the service side.
 */
import { z } from 'zod'
import type { Columns } from './metrics'
import type { CommandId } from './commands'
import { API_METHODS, type ApiMethod } from './api-methods'
import type { Proposals, RangeTestOptions, Suggestion } from './lr-finder'
import type { Preset } from './presets'
import { SweepOptionsSchema, type SweepInfo } from './sweep'
import { RunViewRequestSchema, type RunView, type RunViewRequest } from './run-view'
import type { BackendInfo, RunEvent, RunListEntry, RunManifest, RunStatus, RunSummary } from './run'
import { RunNameSchema, RunNotesSchema, RunTagsSchema } from './run-limits'

// Its own module: config.ts needs it, and this file imports run.ts, which imports config.ts.
import { RunIdSchema } from './run-id'
export { RunIdSchema }

export const SweepIdSchema = z.string().regex(/^[a-z0-9-]{1,64}$/, 'a sweep id is 1–64 lower-case letters, digits or dashes')

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

/** Uploads travel inside one WebSocket frame (16 MiB), base64 in JSON: this leaves room for the envelope. */
export const MAX_UPLOAD_BYTES = 12 * 1024 * 1024
const UploadNameSchema = z.string().trim().min(1, 'a file name is required').max(255)
const Base64Schema = z
  .string()
  .max(Math.ceil(MAX_UPLOAD_BYTES / 3) * 4, `an upload is at most ${MAX_UPLOAD_BYTES} bytes`)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'the file must be sent as base64')

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
  openRun: z.tuple([FolderPathSchema]),
  openRunUpload: z.tuple([UploadNameSchema, Base64Schema]),
  keepOpenedRun: z.tuple([RunIdSchema]),
  exportRunZip: z.tuple([RunIdSchema]),
  uploadDataset: z.tuple([UploadNameSchema, z.string().max(MAX_UPLOAD_BYTES, `a CSV upload is at most ${MAX_UPLOAD_BYTES} characters`)]),
  // The spec is checked field by field by parseSweepSpec (members with the run-config schema).
  startSweep: z.tuple([z.unknown(), SweepOptionsSchema.nullish()]),
  stopSweep: z.tuple([SweepIdSchema]),
  pauseSweep: z.tuple([SweepIdSchema]),
  resumeSweep: z.tuple([SweepIdSchema, SweepOptionsSchema.nullish()]),
  listSweeps: z.tuple([]),
  exportSweepCsv: z.tuple([SweepIdSchema]),
} as const satisfies Record<ApiMethod, z.ZodType>
export { API_METHODS, type ApiMethod }

export interface AppInfo {
  version: string
  dataDir: string
  /** The backend the service's trainer will pick for 'auto', probed at start. */
  backend: BackendInfo | null
  host: 'electron' | 'browser-bridge'
  /** For the About panel. */
  versions: { node: string; tfjs: string; electron?: string; chrome?: string }
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
  /** A sweep changed: a member was queued, started or ended, or the sweep was paused, resumed or stopped. */
  | { type: 'sweep'; sweep: SweepInfo }
  | { type: 'metrics'; runId: string; steps: Columns; epochs: Columns }
  /** A live run's schedule restarted before `step` (its 'restart' run event, as it happens). */
  | { type: 'restart'; runId: string; step: number; message: string }
  | {
      type: 'status'
      runId: string
      status: RunStatus
      backend?: BackendInfo
      progress?: Progress
      summary?: RunSummary
      message?: string
      /**
       * Set for a run written by another process (the CLI, another app, a job on a watched
       * folder) that the service follows from its files: why this service cannot pause or stop it.
       */
      external?: string
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
  /** Validate a sweep spec and run its members (those without a result yet) in the run queue (at most `parallel` of them at once). */
  startSweep(spec: unknown, options?: unknown): Promise<{ sweepId: string; members: number; toRun: number }>
  stopSweep(sweepId: string): Promise<void>
  pauseSweep(sweepId: string): Promise<void>
  /** A paused sweep continues; a stopped or unfinished one reruns the members without a result. */
  resumeSweep(sweepId: string, options?: unknown): Promise<void>
  listSweeps(): Promise<SweepInfo[]>
  /** One row per member: its axis values, config and results. */
  exportSweepCsv(sweepId: string): Promise<{ filename: string; csv: string }>
  /**
   * Opens a run from outside the library (a run folder or a .zip, on the service's machine),
   * validated as the store validates its own; it is listed read-only until kept.
   */
  openRun(path: string): Promise<OpenedRun>
  /** The same for a .zip sent from the page (browser mode: a dropped or chosen file). */
  openRunUpload(fileName: string, base64: string): Promise<OpenedRun>
  /** Copies an opened run into the library; returns its id there. */
  keepOpenedRun(runId: string): Promise<{ runId: string }>
  /** A run folder as a .zip that openRun opens again. */
  exportRunZip(runId: string): Promise<{ filename: string; base64: string }>
  /** Saves an uploaded CSV among the service's datasets; returns the path a csv data config reads. */
  uploadDataset(fileName: string, text: string): Promise<{ path: string }>
}

/** A run opened from outside the library. */
export interface OpenedRun {
  runId: string
  /** Where it came from (a path, or the uploaded file's name). */
  source: string
  /** What could not be read; the rest is loaded. */
  damage: string[]
  /** The library already holds a run with this id: that copy is the one shown. */
  inLibrary: boolean
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
export type ApiErrorCode = 'bad-request' | 'not-found' | 'conflict' | 'internal'

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: ApiErrorCode = 'bad-request',
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** An error as both bridges send it: the message and what kind of failure it is. */
export interface ApiErrorPayload {
  message: string
  code: ApiErrorCode
}

export function errorPayload(e: unknown): ApiErrorPayload {
  const code = e instanceof ApiError ? e.code : e instanceof SyntaxError ? 'bad-request' : 'internal'
  return { message: e instanceof Error ? e.message : String(e), code }
}

/**
 * An API call's answer over Electron IPC. Electron keeps only the message of an error that a
 * handler throws, so handlers return this instead and the page throws with the code, as the
 * WebSocket bridge's `{ error: { message, code } }` lets it.
 */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: ApiErrorPayload }

export async function ipcReply(call: () => unknown): Promise<IpcReply> {
  try {
    return { ok: true, value: await call() }
  } catch (e) {
    return { ok: false, error: errorPayload(e) }
  }
}

/** An error the service reported, as the page sees it over either bridge, with its code (bad-request, not-found, conflict, internal). */
export class ServiceError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
    this.name = 'ServiceError'
  }
}

/** An IPC answer's value, or its error thrown with the code (as the WebSocket client does). */
export function unwrapReply(reply: IpcReply): unknown {
  if (reply.ok) return reply.value
  throw new ServiceError(reply.error.message, reply.error.code)
}

/** The API methods as the preload exposes them: each answers with an IpcReply. */
export type ElectronApi = { [M in ApiMethod]: (...args: Parameters<LrLabApi[M]>) => Promise<IpcReply> }

/** What the Electron preload exposes as `window.lrlab` (the browser bridge offers the same through WebSocket). */
export interface ElectronBridge extends ElectronApi {
  onEvent(listener: (event: ServiceEvent) => void): () => void
  /** Opens a save dialog and writes the text; resolves to the chosen path, or null when cancelled. */
  saveTextFile(suggestedName: string, text: string): Promise<string | null>
  /** Opens a folder picker; resolves to the chosen folder, or null when cancelled. */
  pickFolder(title: string): Promise<string | null>
  /** Open dialog for a run folder or .zip; null when cancelled. */
  pickRunToOpen(): Promise<string | null>
  /** Open dialog for a CSV dataset; null when cancelled. */
  pickCsvFile(): Promise<string | null>
  /** Save dialog for a run's .zip, written by the main process; the path, or null when cancelled. */
  saveRunZip(runId: string): Promise<string | null>
  /** Shows the data folder in the system's file manager. */
  openDataFolder(): Promise<void>
  /** The page's state the menu bar reflects (enabled items). */
  setMenuState(state: { hasFocusedRun: boolean; focusedRunLive: boolean }): Promise<void>
  /** Menu clicks, second launches, notifications: what the main process asks the page to do. */
  onShellAction(listener: (action: ShellAction) => void): () => void
  /** The file-system path of a dropped file (Electron no longer puts it on File). */
  pathForFile(file: File): string
}

/** What the main process asks the page to do. */
export type ShellAction = { command: CommandId } | { openRun: string } | { openSweep: string } | { openPath: string; kind: 'run-folder' | 'run-zip' | 'csv' }

/** WebSocket messages: requests are JSON text; answers and events go through shared/wire.ts encodeFrame (binary when they carry typed arrays). */
export type WsResponse = { id: number; result: unknown } | { id: number; error: { message: string; code: string } } | { event: ServiceEvent }
