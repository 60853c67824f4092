/**
 * LR Lab's core service: the API behind both bridges (Electron IPC and the local
 * WebSocket). Electron-free; training runs in child processes so callers never wait on it.
 */
import { EventEmitter } from 'node:events'
import {
  API_ARGS,
  ApiError,
  ExportOptionsSchema,
  type ApiMethod,
  type AppInfo,
  type ExportOptions,
  type LoadedRun,
  type LrLabApi,
  type OpenedRun,
  type Progress,
  type RangeTestResultData,
  type ServiceEvent,
} from '../../shared/api'
import { ConfigError, type RunConfig } from '../../shared/config'
import { parseRunnableConfig } from '../../shared/run-plan'
import { RangeTestSchema } from '../../shared/lr-finder'
import { PRESETS, type Preset } from '../../shared/presets'
import { formatIssues } from '../../shared/config'
import type { BackendInfo, RunListEntry, RunStatus } from '../../shared/run'
import { version, dependencies } from '../../package.json'
import { RunStore, RunTail, type WatchEvent } from '../storage'
import { planRun } from '../../shared/run-plan'
import type { Columns } from '../../shared/metrics'
import { hostname } from 'node:os'
import { exportComparisonCsv, exportRunCsv } from '../storage/csv'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, extname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { extractRunZip, UnsafeZipError, zipRunFolder, ZIP_LIMITS } from '../storage/run-archive'
import type { SpawnTrainer, TrainerProcess } from './trainer-process'
import { SweepConflict, SweepManager } from './sweeps'
import { sweepReportCsv } from '../storage/sweep-report'
import type { SweepInfo, SweepOptions } from '../../shared/sweep'
import { RunViewRequestSchema, type RunView, type RunViewRequest } from '../../shared/run-view'
import { DEFAULT_VIEW_CACHE_BYTES, RunViewCache } from './run-views'
import { defaultMaxParallel, RunQueue } from './run-queue'
import { openWriterDirs } from '../storage/run-writer'

export interface ServiceOptions {
  dataDir: string
  spawnTrainer: SpawnTrainer
  host: AppInfo['host']
  /** The backend 'auto' resolves to here, when known (probed by the host). */
  backend?: BackendInfo | null
  /** Memory for recently viewed runs' columns and pyramids (default 256 MB). */
  viewCacheBytes?: number
  /** Runs (sweep members included) training at once; more wait as 'queued' (default: LRLAB_MAX_PARALLEL or the number of cores). */
  maxParallel?: number
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
  /** The one place trainer slots are handed out: runs beyond the limit wait here (their folders say 'queued'), and so do sweep members. */
  readonly queue: RunQueue
  /** Queued runs' configs, by run id, until they start. */
  private readonly queued = new Map<string, RunConfig>()
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
  private readonly sweeps: SweepManager

  /** Runs opened from outside the library (copies under <dataDir>/opened), by id, with where they came from. */
  private readonly openedStore: RunStore
  private readonly opened = new Map<string, string>()
  constructor(private readonly o: ServiceOptions) {
    this.store = new RunStore(o.dataDir)
    // Opened runs are per session: last session's copies go.
    rmSync(join(o.dataDir, 'opened'), { recursive: true, force: true })
    this.openedStore = new RunStore(join(o.dataDir, 'opened'))
    this.views = new RunViewCache(o.viewCacheBytes ?? DEFAULT_VIEW_CACHE_BYTES)
    this.queue = new RunQueue(o.maxParallel ?? defaultMaxParallel())
    this.sweeps = new SweepManager({
      dataDir: o.dataDir,
      store: this.store,
      queue: this.queue,
      launch: (config, tags) => this.launchRun(config, { tags }),
      control: (runId, action) => this.active.get(runId)?.proc.send({ type: action }),
      changed: (sweep) => this.emit({ type: 'sweep', sweep }),
    })
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
    const { node, electron, chrome } = process.versions as NodeJS.ProcessVersions & { electron?: string; chrome?: string }
    return { version, dataDir: this.o.dataDir, backend: this.o.backend ?? null, host: this.o.host, versions: { node, tfjs: dependencies['@tensorflow/tfjs'], electron, chrome } }
  }

  async startRun(configInput: unknown): Promise<{ runId: string }> {
    const config = configOrApiError(configInput)
    if (this.queue.hasFreeSlot) {
      // A slot is free: the trainer creates the run folder and the caller gets its id then.
      return new Promise((resolve, reject) => {
        this.queue.submit({
          key: `start-${++this.startRequests}`,
          start: (release) => void this.launchRun(config, { release }).then(({ runId }) => resolve({ runId }), reject),
        })
      })
    }
    const runId = this.store.createQueuedRun({
      config,
      backend: this.o.backend ?? { name: 'cpu', requested: config.backend === 'auto' ? 'auto' : config.backend, fallbackReasons: [] },
      versions: { lrlab: version, tfjs: 'unknown', node: process.versions.node },
    })
    openWriterDirs.add(this.store.runDir(runId)) // ours: recoverInterrupted and delete leave it alone
    this.queued.set(runId, config)
    this.queue.submit({
      key: runId,
      start: (release) => {
        this.queued.delete(runId)
        // Still ours until the trainer has taken the folder over (else listRuns' recovery would
        // see a 'queued' manifest of a live process as abandoned).
        const handedOver = (): boolean => openWriterDirs.delete(this.store.runDir(runId))
        this.launchRun(config, { queuedId: runId, release }).then(handedOver, (e: Error) => {
          handedOver()
          // Refused when it came to start (its data did not fit the config, say): the run says why.
          this.store.settleQueuedRun(runId, 'failed', e.message)
          this.emit({ type: 'status', runId, status: 'failed', message: e.message })
        })
      },
    })
    this.emit({ type: 'library', change: 'added', runId })
    this.emit({ type: 'status', runId, status: 'queued', message: `queued: ${this.queue.active} runs are training (at most ${this.queue.limit} at once)` })
    return { runId }
  }

  private startRequests = 0

  /**
   * Spawn a trainer for a validated config (into a queued run's folder when `queuedId` is given):
   * resolves once its run exists; `ended` once its process is gone, when `release` frees its slot.
   */
  private launchRun(config: RunConfig, o: { tags?: string[]; queuedId?: string; release?: () => void } = {}): Promise<{ runId: string; ended: Promise<RunStatus>; backend: BackendInfo }> {
    const { tags, queuedId, release } = o
    const proc = this.o.spawnTrainer()
    let lastStatus: RunStatus = 'running'
    let settle!: (s: RunStatus) => void
    const ended = new Promise<RunStatus>((r) => (settle = r))
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
            resolve({ runId, ended, backend: m.backend })
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
            lastStatus = m.status
            this.emit({ type: 'status', runId: m.runId, status: m.status, message: m.message, backend: a?.backend, progress: a?.progress })
            break
          }
          case 'restart':
            this.emit({ type: 'restart', runId: m.runId, step: m.step, message: m.message })
            break
          case 'notice': {
            const a = this.active.get(m.runId)
            this.emit({ type: 'status', runId: m.runId, status: a?.status ?? 'running', message: m.message, backend: a?.backend, progress: a?.progress })
            break
          }
          case 'done':
            lastStatus = m.status
            this.active.delete(m.runId)
            this.emit({ type: 'status', runId: m.runId, status: m.status, summary: m.summary })
            break
          case 'error':
            settled()
            if (!runId) reject(m.badConfig ? new ApiError(m.message) : new ApiError(`the trainer could not start: ${m.message}`, 'internal'))
            else {
              lastStatus = 'failed'
              this.active.delete(runId)
              this.emit({ type: 'status', runId, status: 'failed', message: m.message })
            }
            break
        }
      })
      proc.onExit((code) => {
        settled()
        release?.()
        if (!runId) {
          reject(new ApiError(`the trainer exited (code ${code}) before the run started`, 'internal'))
          return
        }
        if (this.active.has(runId)) {
          // The trainer died without reporting: keep its data, mark it interrupted.
          lastStatus = 'interrupted'
          this.active.delete(runId)
          this.store.recoverInterrupted()
          this.emit({ type: 'status', runId, status: 'interrupted', message: `the trainer process exited unexpectedly (code ${code})` })
        }
        settle(lastStatus)
      })
      proc.send({ type: 'start', config, dataDir: this.o.dataDir, ...(tags && { tags }), ...(queuedId !== undefined && { runId: queuedId }) })
    })
  }

  /** A queued run the user stops never starts: its folder records that. */
  private cancelQueued(runId: string, status: 'stopped' | 'interrupted', message: string): boolean {
    if (!this.queue.cancel(runId)) return false
    this.queued.delete(runId)
    openWriterDirs.delete(this.store.runDir(runId))
    this.store.settleQueuedRun(runId, status, message)
    this.emit({ type: 'status', runId, status, message })
    return true
  }

  private activeRun(runId: string): ActiveRun {
    const a = this.active.get(runId)
    const t = this.tailed.get(runId)
    if (!a && t) throw new ApiError(`run ${runId} is ${t.external}`, 'conflict')
    if (!a) throw new ApiError(this.queued.has(runId) ? `run ${runId} is queued: it has not started yet` : `run ${runId} is not running`, 'conflict')
    return a
  }

  async stopRun(runId: string): Promise<void> {
    if (this.cancelQueued(runId, 'stopped', 'cancelled while queued')) return
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

  async startSweep(spec: unknown, options?: SweepOptions | null): Promise<{ sweepId: string; members: number; toRun: number }> {
    return this.sweepCall(() => this.sweeps.start(spec, options?.parallel))
  }

  async stopSweep(sweepId: string): Promise<void> {
    this.sweepCall(() => this.sweeps.stop(sweepId))
  }

  async pauseSweep(sweepId: string): Promise<void> {
    this.sweepCall(() => this.sweeps.pause(sweepId))
  }

  async resumeSweep(sweepId: string, options?: SweepOptions | null): Promise<void> {
    this.sweepCall(() => this.sweeps.resume(sweepId, options?.parallel))
  }

  async listSweeps(): Promise<SweepInfo[]> {
    return this.sweeps.list()
  }

  /** Resolves when the sweep has nothing running or waiting (the CLI waits on this). */
  sweepSettled(sweepId: string): Promise<void> {
    return this.sweeps.settled(sweepId)
  }

  async exportSweepCsv(sweepId: string): Promise<{ filename: string; csv: string }> {
    const info = this.sweepCall(() => this.sweeps.get(sweepId))
    const csv = sweepReportCsv(info, (id) => {
      try {
        return this.storeOf(id).reportManifest(id)
      } catch {
        return null
      }
    })
    return { filename: `sweep-${sweepId}.csv`, csv }
  }

  private sweepCall<T>(fn: () => T): T {
    try {
      return fn()
    } catch (e) {
      if (e instanceof ConfigError) throw new ApiError(`Invalid sweep:\n  ${e.problems.join('\n  ')}`)
      if (e instanceof SweepConflict) throw new ApiError(e.message, 'conflict')
      if (e instanceof Error && /^no sweep /.test(e.message)) throw new ApiError(e.message, 'not-found')
      throw e
    }
  }

  async listRuns(): Promise<RunListEntry[]> {
    // A CLI run kill -9'd while LR Lab is open shows as interrupted, not running forever.
    this.store.recoverInterrupted()
    const own = this.store.list()
    const ids = new Set(own.map((r) => r.id))
    const others = [...this.watched].flatMap(([folder, w]) =>
      w.store
        .list()
        .filter((r) => !ids.has(r.id))
        .map((r) => ({ ...r, watchedFolder: folder })),
    )
    for (const [id, source] of this.opened) {
      if (ids.has(id)) continue
      const entry = this.openedStore.list().find((r) => r.id === id)
      if (entry) others.push({ ...entry, watchedFolder: source })
    }
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
    if (this.active.has(runId) || this.queued.has(runId)) throw new ApiError(`run ${runId} is still ${this.queued.has(runId) ? 'queued' : 'running'}; stop it first`, 'conflict')
    if (existsSync(this.store.runDir(runId))) return this.store
    if ([...this.watched.values()].some((w) => existsSync(w.store.runDir(runId)))) throw new ApiError(`run ${runId} belongs to a watched folder; import it to change it`, 'conflict')
    if (this.opened.has(runId)) throw new ApiError(`run ${runId} was opened from ${this.opened.get(runId)}; keep it in the library to change it`, 'conflict')
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

  async importRun(path: string): Promise<{ runId: string }> {
    const runId = this.wrap(() => this.withRunFolder(path, (folder) => this.store.importRun(folder)))
    this.emit({ type: 'library', change: 'added', runId })
    return { runId }
  }

  /** Calls `use` with a run folder: the path itself, or a .zip extracted (safely) to a scratch folder removed afterwards. */
  private withRunFolder<T>(path: string, use: (folder: string) => T, displayName = path): T {
    const abs = resolve(path)
    let st
    try {
      st = statSync(abs)
    } catch {
      throw new ApiError(`${displayName} does not exist`, 'not-found')
    }
    if (st.isDirectory()) return use(abs)
    if (!st.isFile() || extname(abs).toLowerCase() !== '.zip') throw new ApiError(`${displayName} is neither a run folder nor a .zip`)
    if (st.size > ZIP_LIMITS.maxZipBytes) throw new ApiError(`${displayName} is larger than ${ZIP_LIMITS.maxZipBytes} bytes`)
    return this.withZipBytes(readFileSync(abs), basename(abs), use)
  }

  private withZipBytes<T>(bytes: Uint8Array, zipName: string, use: (folder: string) => T): T {
    const scratch = join(this.o.dataDir, 'scratch')
    mkdirSync(scratch, { recursive: true })
    let x: { root: string; folder: string }
    try {
      x = extractRunZip(bytes, scratch, zipName)
    } catch (e) {
      if (e instanceof UnsafeZipError) throw new ApiError(e.message)
      throw e
    }
    try {
      return use(x.folder)
    } finally {
      rmSync(x.root, { recursive: true, force: true })
    }
  }

  private registerOpened(runId: string, source: string): OpenedRun {
    const inLibrary = existsSync(this.store.runDir(runId))
    if (!inLibrary) this.opened.set(runId, source)
    const damage = inLibrary ? [] : this.openedStore.load(runId).damage
    this.emit({ type: 'library', change: 'added', runId })
    return { runId, source, damage, inLibrary }
  }

  async openRun(path: string): Promise<OpenedRun> {
    const runId = this.wrap(() => this.withRunFolder(path, (folder) => this.openedStore.importRun(folder)))
    return this.registerOpened(runId, resolve(path))
  }

  async openRunUpload(fileName: string, base64: string): Promise<OpenedRun> {
    const name = basename(fileName.replace(/\\/g, '/'))
    if (extname(name).toLowerCase() !== '.zip') throw new ApiError(`${name}: only a .zip of a run can be uploaded`)
    const runId = this.wrap(() => this.withZipBytes(Buffer.from(base64, 'base64'), name, (folder) => this.openedStore.importRun(folder)))
    return this.registerOpened(runId, name)
  }

  async keepOpenedRun(runId: string): Promise<{ runId: string }> {
    if (!this.opened.has(runId)) throw new ApiError(`run ${runId} is not an opened run`, 'not-found')
    const kept = this.wrap(() => this.store.importRun(this.openedStore.runDir(runId)))
    this.opened.delete(runId)
    rmSync(this.openedStore.runDir(runId), { recursive: true, force: true })
    this.emit({ type: 'library', change: 'added', runId: kept })
    return { runId: kept }
  }

  async exportRunZip(runId: string): Promise<{ filename: string; base64: string }> {
    const bytes = this.runZip(runId)
    return { filename: `${runId}.zip`, base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') }
  }

  /** The zip bytes of a run (the Electron shell writes them to the path the save dialog gave). */
  runZip(runId: string): Uint8Array {
    if (this.active.has(runId)) throw new ApiError(`run ${runId} is still running; stop it first or wait for it to finish`, 'conflict')
    const dir = this.storeOf(runId).runDir(runId)
    if (!existsSync(dir)) throw new ApiError(`no run ${runId}`, 'not-found')
    return zipRunFolder(dir)
  }

  async uploadDataset(fileName: string, text: string): Promise<{ path: string }> {
    const stem =
      basename(fileName.replace(/\\/g, '/'))
        .replace(/\.csv$/i, '')
        .replace(/[^A-Za-z0-9._-]+/g, '-')
        .replace(/^[-.]+/, '')
        .slice(0, 80) || 'dataset'
    const dir = join(this.o.dataDir, 'datasets')
    mkdirSync(dir, { recursive: true })
    const path = join(dir, `${stem}-${randomBytes(3).toString('hex')}.csv`)
    writeFileSync(path, text, { encoding: 'utf8', flag: 'wx' })
    return { path }
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
    if (this.opened.has(runId)) return this.openedStore
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

  /** Runs training or paused right now, with their names (the close-while-training question). */
  liveRuns(): { id: string; name: string }[] {
    return [...this.active.keys()].map((id) => {
      try {
        return { id, name: this.store.reportManifest(id).name }
      } catch {
        return { id, name: id }
      }
    })
  }

  /** Stop every trainer (app shutdown): each writes its final state before exiting. */
  async shutdown(): Promise<void> {
    this.stopLibraryWatch?.()
    for (const w of this.watched.values()) w.stop()
    this.watched.clear()
    this.sweeps.stopAll()
    this.tailed.clear()
    for (const id of this.queue.waiting) this.cancelQueued(id, 'interrupted', 'LR Lab quit before this queued run started')
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
