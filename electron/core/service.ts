/**
 * LR Lab's core service: the API behind both bridges (Electron IPC and the local
 * WebSocket). Electron-free; training runs in child processes so callers never wait on it.
 */
import { EventEmitter } from 'node:events'
import { API_ARGS, ApiError, ExportOptionsSchema, type ApiMethod, type AppInfo, type ExportOptions, type LoadedRun, type LrLabApi, type Progress, type RangeTestResultData, type ServiceEvent } from '../../shared/api'
import { ConfigError, type RunConfig } from '../../shared/config'
import { parseRunnableConfig } from '../../shared/run-plan'
import { RangeTestSchema } from '../../shared/lr-finder'
import { PRESETS, type Preset } from '../../shared/presets'
import { formatIssues } from '../../shared/config'
import type { BackendInfo, RunListEntry, RunStatus } from '../../shared/run'
import { version } from '../../package.json'
import { RunStore, RunTail, type WatchEvent } from '../storage'
import { planRun } from '../../shared/run-plan'
import type { Columns } from '../../shared/metrics'
import { hostname } from 'node:os'
import { exportComparisonCsv, exportRunCsv } from '../storage/csv'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { SpawnTrainer, TrainerProcess } from './trainer-process'
import { RunViewRequestSchema, type RunView, type RunViewRequest } from '../../shared/run-view'
import { DEFAULT_VIEW_CACHE_BYTES, RunViewCache } from './run-views'

export interface ServiceOptions {
  dataDir: string
  spawnTrainer: SpawnTrainer
  host: AppInfo['host']
  /** The backend 'auto' resolves to here, when known (probed by the host). */
  backend?: BackendInfo | null
  /** Memory for recently viewed runs' columns and pyramids (default 256 MB). */
  viewCacheBytes?: number
}

/** A run another process writes, followed from its files. */
interface TailedRun {
  tail: RunTail
  status: RunStatus
  /** Why this service cannot control it, shown beside the disabled Pause/Stop. */
  external: string
}

const LIVE: readonly RunStatus[] = ['running', 'paused']

interface ActiveRun {
  proc: TrainerProcess
  status: RunStatus
  backend: BackendInfo
  progress?: Progress
}

/** A config from a caller, validated; a bad one becomes an ApiError naming each field. */
function configOrApiError(input: unknown): RunConfig {
  try {
    return parseRunnableConfig(input)
  } catch (e) {
    if (e instanceof ConfigError) throw new ApiError(e.message)
    throw e
  }
}

export class LrLabService implements LrLabApi {
  readonly store: RunStore
  private readonly events = new EventEmitter()
  private readonly active = new Map<string, ActiveRun>()
  /** Watched folders: a read-only store each, and the function that stops watching it. */
  private readonly watched = new Map<string, { store: RunStore; stop: () => void }>()
  private stopLibraryWatch: (() => void) | null = null
  /** Runs written by other processes, followed live (tailRun). */
  private readonly tailed = new Map<string, TailedRun>()
  /** Runs this service's trainers write (active or ended): never tailed. */
  private readonly ownRuns = new Set<string>()
  /** Trainers spawned whose run folder is not announced yet: a new folder may be theirs. */
  private pendingStarts = 0
  private readonly views: RunViewCache

  constructor(private readonly o: ServiceOptions) {
    this.store = new RunStore(o.dataDir)
    this.views = new RunViewCache(o.viewCacheBytes ?? DEFAULT_VIEW_CACHE_BYTES)
    // Runs left 'running' by a process that died (app or trainer killed) become 'interrupted'.
    this.store.recoverInterrupted()
    this.events.setMaxListeners(100)
    // Runs written by another process (the CLI, say) into this library show up live.
    this.stopLibraryWatch = this.store.watch(this.store.runsDir, (ev) => {
      if (this.active.has(ev.id)) return
      this.emit({ type: 'library', change: ev.kind, runId: ev.id })
      this.followRun(ev)
    })
    // Runs another live process was writing when this service started (recoverInterrupted left them).
    for (const r of this.store.list()) if (LIVE.includes(r.status)) this.followRun({ kind: 'added', id: r.id, dir: this.store.runDir(r.id) })
  }

  /**
   * A run folder changed: when another process is writing the run, stream what it appended
   * (the same metrics and status events a trainer of this service sends), until it ends.
   */
  private followRun(ev: WatchEvent): void {
    if (ev.kind === 'removed') {
      this.tailed.delete(ev.id)
      return
    }
    if (this.active.has(ev.id) || this.ownRuns.has(ev.id)) return
    let t = this.tailed.get(ev.id)
    if (!t) {
      // A folder that appears while a trainer of ours starts may be that trainer's: its next change decides.
      if (this.pendingStarts > 0) return
      let tail: RunTail
      try {
        tail = new RunTail(ev.dir, ev.id)
      } catch {
        return
      }
      const m = tail.read().manifest
      if (!m || !LIVE.includes(m.status)) return
      const who = m.writerPid !== undefined ? `process ${m.writerPid}${m.writerHost && m.writerHost !== hostname() ? ` on ${m.writerHost}` : ''}` : 'another process'
      t = { tail, status: m.status, external: `written by ${who} (the CLI or another LR Lab): pause or stop it there` }
      this.tailed.set(ev.id, t)
      this.emit({ type: 'status', runId: ev.id, status: m.status, backend: m.backend, external: t.external })
      return
    }
    let read
    try {
      read = t.tail.read()
    } catch {
      return // a file mid-replace: the next change reads it
    }
    const m = read.manifest
    if (read.stepRows || read.epochRows) this.emit({ type: 'metrics', runId: ev.id, steps: read.steps, epochs: read.epochs })
    if (!m) return
    t.status = m.status
    if (LIVE.includes(m.status)) {
      const progress = progressOf(m.config, read.stepRows ? read.steps : null, m.summary.durationSec)
      this.emit({ type: 'status', runId: ev.id, status: m.status, backend: m.backend, external: t.external, ...(progress ? { progress } : {}) })
    } else {
      this.tailed.delete(ev.id)
      this.emit({ type: 'status', runId: ev.id, status: m.status, summary: m.summary, external: t.external, ...(m.summary.error ? { message: m.summary.error } : {}) })
    }
  }

  onEvent(listener: (e: ServiceEvent) => void): () => void {
    this.events.on('event', listener)
    return () => this.events.off('event', listener)
  }

  private emit(e: ServiceEvent): void {
    this.events.emit('event', e)
  }

  /** Validate a bridge call's arguments and dispatch it. Every bridge goes through here. */
  async call(method: string, args: unknown): Promise<unknown> {
    if (!Object.hasOwn(API_ARGS, method)) throw new ApiError(`unknown method "${method}"`)
    const schema = API_ARGS[method as ApiMethod]
    const parsed = schema.safeParse(args)
    if (!parsed.success) throw new ApiError(`${method}: ${formatIssues(parsed.error).join('; ')}`)
    const fn = this[method as ApiMethod] as (...a: unknown[]) => Promise<unknown>
    return fn.apply(this, parsed.data as unknown[])
  }

  async getInfo(): Promise<AppInfo> {
    return { version, dataDir: this.o.dataDir, backend: this.o.backend ?? null, host: this.o.host }
  }

  async startRun(configInput: unknown): Promise<{ runId: string }> {
    const config = configOrApiError(configInput)
    const proc = this.o.spawnTrainer()
    this.pendingStarts++
    let announced = false
    const settled = () => {
      if (!announced) this.pendingStarts--
      announced = true
    }
    return new Promise((resolve, reject) => {
      let runId: string | null = null
      proc.onMessage((m) => {
        switch (m.type) {
          case 'created':
            runId = m.runId
            this.ownRuns.add(runId)
            this.tailed.delete(runId)
            settled()
            this.active.set(runId, { proc, status: 'running', backend: m.backend })
            this.emit({ type: 'status', runId, status: 'running', backend: m.backend })
            resolve({ runId })
            break
          case 'metrics':
            this.emit({ type: 'metrics', runId: m.runId, steps: m.steps, epochs: m.epochs })
            break
          case 'progress': {
            const a = this.active.get(m.runId)
            if (a) a.progress = m.progress
            this.emit({ type: 'status', runId: m.runId, status: a?.status ?? 'running', progress: m.progress, backend: a?.backend })
            break
          }
          case 'status': {
            const a = this.active.get(m.runId)
            if (a) a.status = m.status
            this.emit({ type: 'status', runId: m.runId, status: m.status, message: m.message, backend: a?.backend, progress: a?.progress })
            break
          }
          case 'notice': {
            const a = this.active.get(m.runId)
            this.emit({ type: 'status', runId: m.runId, status: a?.status ?? 'running', message: m.message, backend: a?.backend, progress: a?.progress })
            break
          }
          case 'done':
            this.active.delete(m.runId)
            this.emit({ type: 'status', runId: m.runId, status: m.status, summary: m.summary })
            break
          case 'error':
            settled()
            if (!runId) reject(new ApiError(`the trainer could not start: ${m.message}`, 'internal'))
            else {
              this.active.delete(runId)
              this.emit({ type: 'status', runId, status: 'failed', message: m.message })
            }
            break
        }
      })
      proc.onExit((code) => {
        settled()
        if (!runId) {
          reject(new ApiError(`the trainer exited (code ${code}) before the run started`, 'internal'))
          return
        }
        if (this.active.has(runId)) {
          // The trainer died without reporting: keep its data, mark it interrupted.
          this.active.delete(runId)
          this.store.recoverInterrupted()
          this.emit({ type: 'status', runId, status: 'interrupted', message: `the trainer process exited unexpectedly (code ${code})` })
        }
      })
      proc.send({ type: 'start', config, dataDir: this.o.dataDir })
    })
  }

  private activeRun(runId: string): ActiveRun {
    const a = this.active.get(runId)
    const t = this.tailed.get(runId)
    if (!a && t) throw new ApiError(`run ${runId} is ${t.external}`, 'conflict')
    if (!a) throw new ApiError(`run ${runId} is not running`, 'conflict')
    return a
  }

  async stopRun(runId: string): Promise<void> {
    this.activeRun(runId).proc.send({ type: 'stop' })
  }

  async pauseRun(runId: string): Promise<void> {
    this.activeRun(runId).proc.send({ type: 'pause' })
  }

  async resumeRun(runId: string): Promise<void> {
    this.activeRun(runId).proc.send({ type: 'resume' })
  }

  private findLrRequests = 0

  async findLr(configInput: unknown, optionsInput?: unknown): Promise<RangeTestResultData> {
    const config = configOrApiError(configInput)
    const parsed = RangeTestSchema.safeParse(optionsInput ?? {})
    if (!parsed.success) throw new ApiError(`Invalid range test:\n  ${formatIssues(parsed.error).join('\n  ')}`)
    const requestId = ++this.findLrRequests
    const proc = this.o.spawnTrainer()
    return new Promise((resolve, reject) => {
      let done = false
      proc.onMessage((m) => {
        if (m.type === 'find-lr-progress') this.emit({ type: 'find-lr-progress', requestId, done: m.done, total: m.total })
        else if (m.type === 'find-lr-done') {
          done = true
          resolve(m.result)
        } else if (m.type === 'error') {
          done = true
          reject(new ApiError(`the range test failed: ${m.message}`, 'internal'))
        }
      })
      proc.onExit((code) => {
        if (!done) reject(new ApiError(`the range test's process exited (code ${code}) before it finished`, 'internal'))
      })
      proc.send({ type: 'find-lr', config, options: parsed.data, dataDir: this.o.dataDir })
    })
  }

  async listPresets(): Promise<Preset[]> {
    return PRESETS
  }

  async listRuns(): Promise<RunListEntry[]> {
    const own = this.store.list()
    const ids = new Set(own.map((r) => r.id))
    const others = [...this.watched].flatMap(([folder, w]) =>
      w.store.list().filter((r) => !ids.has(r.id)).map((r) => ({ ...r, watchedFolder: folder })),
    )
    return [...own, ...others].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
  }

  async loadRun(runId: string): Promise<LoadedRun> {
    return this.loadOrThrow(runId)
  }

  async loadRunView(runId: string, request: RunViewRequest): Promise<RunView> {
    const req = RunViewRequestSchema.safeParse(request)
    if (!req.success) throw new ApiError(`loadRunView: ${formatIssues(req.error).join('; ')}`)
    return this.orNotFound(() => this.views.view(this.storeOf(runId), runId, req.data))
  }

  async exportComparisonCsv(runIds: string[]): Promise<{ filename: string; csv: string }> {
    // Manifests only: a report over big runs must not load their metrics.
    const runs = runIds.map((id) => this.orNotFound(() => this.storeOf(id).reportManifest(id)))
    return { filename: `comparison-${runIds.length}-runs.csv`, csv: exportComparisonCsv(runs) }
  }

  /** The library's own store holding this run; runs of watched folders are read-only. */
  private ownRun(runId: string): RunStore {
    if (this.active.has(runId)) throw new ApiError(`run ${runId} is still running; stop it first`, 'conflict')
    if (existsSync(this.store.runDir(runId))) return this.store
    if ([...this.watched.values()].some((w) => existsSync(w.store.runDir(runId))))
      throw new ApiError(`run ${runId} belongs to a watched folder; import it to change it`, 'conflict')
    throw new ApiError(`no run ${runId}`, 'not-found')
  }

  private wrap<T>(fn: () => T): T {
    try {
      return fn()
    } catch (e) {
      if (e instanceof ApiError) throw e
      throw new ApiError(e instanceof Error ? e.message : String(e))
    }
  }

  async renameRun(runId: string, name: string): Promise<void> {
    this.wrap(() => this.ownRun(runId).rename(runId, name))
    this.emit({ type: 'library', change: 'updated', runId })
  }

  async setRunTags(runId: string, tags: string[]): Promise<void> {
    this.wrap(() => this.ownRun(runId).setTags(runId, [...new Set(tags)]))
    this.emit({ type: 'library', change: 'updated', runId })
  }

  async setRunNotes(runId: string, notes: string): Promise<void> {
    this.wrap(() => this.ownRun(runId).setNotes(runId, notes))
    this.emit({ type: 'library', change: 'updated', runId })
  }

  async deleteRun(runId: string): Promise<void> {
    this.wrap(() => this.ownRun(runId).delete(runId))
    this.emit({ type: 'library', change: 'removed', runId })
  }

  async undoDeleteRun(runId: string): Promise<void> {
    this.wrap(() => this.store.undoDelete(runId))
    this.emit({ type: 'library', change: 'added', runId })
  }

  async importRun(folder: string): Promise<{ runId: string }> {
    const runId = this.wrap(() => this.store.importRun(resolve(folder)))
    this.emit({ type: 'library', change: 'added', runId })
    return { runId }
  }

  async watchFolder(folder: string): Promise<void> {
    const abs = resolve(folder)
    if (this.watched.has(abs)) return
    if (!existsSync(abs)) throw new ApiError(`${folder} does not exist`)
    // A data dir (with runs/ inside, as --data-dir writes) or a runs folder itself; read only, creating nothing.
    const store = this.wrap(() => RunStore.openWatched(abs))
    if (resolve(store.runsDir) === resolve(this.store.runsDir)) throw new ApiError(`${folder} is this library's own folder`)
    const stop = store.watch(store.runsDir, (ev) => {
      this.emit({ type: 'library', change: ev.kind, runId: ev.id })
      this.followRun(ev)
    })
    for (const r of store.list()) if (LIVE.includes(r.status)) this.followRun({ kind: 'added', id: r.id, dir: store.runDir(r.id) })
    this.watched.set(abs, { store, stop })
  }

  async unwatchFolder(folder: string): Promise<void> {
    const abs = resolve(folder)
    this.watched.get(abs)?.stop()
    this.watched.delete(abs)
  }

  async listWatchedFolders(): Promise<string[]> {
    return [...this.watched.keys()]
  }

  async exportCsv(runId: string, options?: Partial<ExportOptions>): Promise<{ filename: string; csv: string }> {
    const opts: ExportOptions = ExportOptionsSchema.parse(options ?? {})
    const run = this.loadOrThrow(runId)
    const csv = exportRunCsv(run, opts)
    return { filename: `${runId}-${opts.level}${opts.format === 'long' ? '-long' : ''}.csv`, csv }
  }

  /** The store holding a run: the library's own, else a watched folder's. */
  private storeOf(runId: string): RunStore {
    if (existsSync(this.store.runDir(runId))) return this.store
    return [...this.watched.values()].find((w) => existsSync(w.store.runDir(runId)))?.store ?? this.store
  }

  private orNotFound<T>(read: () => T): T {
    try {
      return read()
    } catch (e) {
      throw new ApiError(e instanceof Error ? e.message : String(e), 'not-found')
    }
  }

  private loadOrThrow(runId: string): LoadedRun {
    return this.orNotFound(() => this.storeOf(runId).load(runId))
  }

  /** Stop every trainer (app shutdown): each writes its final state before exiting. */
  async shutdown(): Promise<void> {
    this.stopLibraryWatch?.()
    for (const w of this.watched.values()) w.stop()
    this.watched.clear()
    this.tailed.clear()
    for (const a of this.active.values()) a.proc.send({ type: 'stop' })
    const deadline = Date.now() + 3000
    while (this.active.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    for (const a of this.active.values()) a.proc.kill()
  }
}

/**
 * Progress of a followed run from its config and the step rows just read (the same shape a
 * trainer reports); null when the rows say nothing new.
 */
function progressOf(config: RunConfig, steps: Columns | null, durationSec: number): Progress | null {
  const plan = planRun(config)
  const stepCol = steps?.step
  const elapsedCol = steps?.elapsed
  if (!stepCol?.length) return null
  const step = stepCol[stepCol.length - 1]! + 1
  const secs = elapsedCol?.length ? elapsedCol[elapsedCol.length - 1]! : durationSec
  const totalSteps = plan?.totalSteps ?? 0
  const perEpoch = plan?.batchesPerEpoch ?? 1
  return {
    epoch: Math.floor(step / perEpoch),
    step,
    totalEpochs: config.epochs,
    totalSteps,
    stepsPerSec: secs > 0 ? step / secs : 0,
    etaSec: step > 0 && totalSteps > 0 ? (secs / step) * (totalSteps - step) : null,
  }
}
