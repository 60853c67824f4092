/**
 * LR Lab's core service: the API behind both bridges (Electron IPC and the local
 * WebSocket). Electron-free; training runs in child processes so callers never wait on it.
 */
import { EventEmitter } from 'node:events'
import { API_ARGS, ApiError, type ApiMethod, type AppInfo, type ExportOptions, type LoadedRun, type LrLabApi, type Progress, type ServiceEvent } from '../../shared/api'
import { ConfigError } from '../../shared/config'
import { parseRunnableConfig } from '../../shared/run-plan'
import { formatIssues } from '../../shared/config'
import type { BackendInfo, RunListEntry, RunStatus } from '../../shared/run'
import { version } from '../../package.json'
import { RunStore } from '../storage'
import { exportRunCsv } from '../storage/csv'
import type { SpawnTrainer, TrainerProcess } from './trainer-process'

export interface ServiceOptions {
  dataDir: string
  spawnTrainer: SpawnTrainer
  host: AppInfo['host']
  /** The backend 'auto' resolves to here, when known (probed by the host). */
  backend?: BackendInfo | null
}

interface ActiveRun {
  proc: TrainerProcess
  status: RunStatus
  backend: BackendInfo
  progress?: Progress
}

export class LrLabService implements LrLabApi {
  readonly store: RunStore
  private readonly events = new EventEmitter()
  private readonly active = new Map<string, ActiveRun>()

  constructor(private readonly o: ServiceOptions) {
    this.store = new RunStore(o.dataDir)
    // Runs left 'running' by a process that died (app or trainer killed) become 'interrupted'.
    this.store.recoverInterrupted()
    this.events.setMaxListeners(100)
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
    let config
    try {
      config = parseRunnableConfig(configInput)
    } catch (e) {
      if (e instanceof ConfigError) throw new ApiError(e.message)
      throw e
    }
    const proc = this.o.spawnTrainer()
    return new Promise((resolve, reject) => {
      let runId: string | null = null
      proc.onMessage((m) => {
        switch (m.type) {
          case 'created':
            runId = m.runId
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
          case 'done':
            this.active.delete(m.runId)
            this.emit({ type: 'status', runId: m.runId, status: m.status, summary: m.summary })
            break
          case 'error':
            if (!runId) reject(new ApiError(`the trainer could not start: ${m.message}`, 'internal'))
            else {
              this.active.delete(runId)
              this.emit({ type: 'status', runId, status: 'failed', message: m.message })
            }
            break
        }
      })
      proc.onExit((code) => {
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

  async listRuns(): Promise<RunListEntry[]> {
    return this.store.list()
  }

  async loadRun(runId: string): Promise<LoadedRun> {
    return this.loadOrThrow(runId)
  }

  async exportCsv(runId: string, options?: Partial<ExportOptions>): Promise<{ filename: string; csv: string }> {
    const opts: ExportOptions = { level: options?.level ?? 'step', format: options?.format ?? 'wide' }
    const run = this.loadOrThrow(runId)
    const csv = exportRunCsv(run, opts)
    return { filename: `${runId}-${opts.level}${opts.format === 'long' ? '-long' : ''}.csv`, csv }
  }

  private loadOrThrow(runId: string): LoadedRun {
    try {
      return this.store.load(runId)
    } catch (e) {
      throw new ApiError(e instanceof Error ? e.message : String(e), 'not-found')
    }
  }

  /** Stop every trainer (app shutdown): each writes its final state before exiting. */
  async shutdown(): Promise<void> {
    for (const a of this.active.values()) a.proc.send({ type: 'stop' })
    const deadline = Date.now() + 3000
    while (this.active.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    for (const a of this.active.values()) a.proc.kill()
  }
}
