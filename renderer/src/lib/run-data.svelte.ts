import type { LoadedRun, Progress, ServiceEvent } from '../../../shared/api'
import type { Columns } from '../../../shared/metrics'
import type { RunConfig } from '../../../shared/config'
import type { BackendInfo, RunEvent, RunManifest, RunStatus, RunSummary } from '../../../shared/run'
import { GrowableColumns } from './growable-columns'

export const TERMINAL_STATUSES: readonly RunStatus[] = ['finished', 'stopped', 'diverged', 'failed', 'interrupted']

/**
 * One run as the renderer shows it: live metadata is reactive, the metric columns are not
 * (they can hold millions of values); `revision` bumps at most once per animation frame
 * after new rows arrive, and charts redraw on it.
 */
export class RunData {
  readonly id: string
  name = $state('')
  status = $state<RunStatus>('running')
  backend = $state<BackendInfo | null>(null)
  progress = $state<Progress | null>(null)
  summary = $state<RunSummary | null>(null)
  message = $state<string | null>(null)
  manifest = $state.raw<RunManifest | null>(null)
  /** The config, from the manifest or (for a run started here) as submitted and validated. */
  config = $state.raw<RunConfig | null>(null)
  events = $state.raw<RunEvent[]>([])
  damage = $state.raw<string[]>([])
  revision = $state(0)
  steps = new GrowableColumns()
  epochs = new GrowableColumns()
  private frame = 0

  constructor(id: string) {
    this.id = id
    this.name = id
  }

  static fromLoaded(loaded: LoadedRun): RunData {
    const r = new RunData(loaded.manifest.id)
    r.applyManifest(loaded.manifest)
    r.steps = GrowableColumns.from(loaded.steps)
    r.epochs = GrowableColumns.from(loaded.epochs)
    r.events = loaded.events
    r.damage = loaded.damage
    r.revision++
    return r
  }

  applyManifest(m: RunManifest): void {
    this.manifest = m
    this.config = m.config
    this.name = m.name
    this.status = m.status
    this.backend = m.backend
    this.summary = m.summary
  }

  appendMetrics(steps: Columns, epochs: Columns): void {
    this.steps.append(steps)
    this.epochs.append(epochs)
    this.scheduleRedraw()
  }

  applyStatus(e: Extract<ServiceEvent, { type: 'status' }>): void {
    this.status = e.status
    if (e.backend) this.backend = e.backend
    if (e.progress) this.progress = e.progress
    if (e.summary) this.summary = e.summary
    if (e.message !== undefined) this.message = e.message
  }

  get isLive(): boolean {
    return this.status === 'running' || this.status === 'paused'
  }

  /** Append the rows of `other` (same run, streamed live) that come after this one's last step; take its live status. */
  adoptNewerRows(other: RunData): void {
    const lastStep = this.steps.length ? this.steps.get('step')![this.steps.length - 1]! : -Infinity
    const lastEpoch = this.epochs.length ? this.epochs.get('epoch')![this.epochs.length - 1]! : -Infinity
    this.steps.append(rowsAfter(other.steps, 'step', lastStep))
    this.epochs.append(rowsAfter(other.epochs, 'epoch', lastEpoch))
    if (other.progress) this.progress = other.progress
    if (other.isLive || TERMINAL_STATUSES.includes(other.status)) this.status = other.status
    this.revision++
  }

  /** Scheduler steps where the schedule restarted (from 'restart' run events). */
  restartSteps(): number[] {
    return this.events.filter((e) => e.kind === 'restart').map((e) => e.step)
  }

  /** The last finite training loss and its step, for the divergence banner. */
  lastFiniteLoss(): { step: number; loss: number } | null {
    const loss = this.steps.get('loss')
    const step = this.steps.get('step')
    if (!loss || !step) return null
    for (let i = loss.length - 1; i >= 0; i--) if (Number.isFinite(loss[i]!)) return { step: step[i]!, loss: loss[i]! }
    return null
  }

  private scheduleRedraw(): void {
    if (this.frame) return
    const raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame : (cb: () => void) => setTimeout(cb, 16)
    this.frame = raf(() => {
      this.frame = 0
      this.revision++
    }) as number
  }
}

function rowsAfter(cols: GrowableColumns, key: string, last: number): Columns {
  const k = cols.get(key)
  if (!k) return {}
  let from = 0
  while (from < k.length && k[from]! <= last) from++
  const out: Columns = {}
  for (const name of cols.names()) out[name] = cols.get(name)!.slice(from)
  return out
}
