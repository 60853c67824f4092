import type { LoadedRun, Progress, ServiceEvent } from '../../../shared/api'
import { concatColumns, type Columns } from '../../../shared/metrics'
import type { RunView } from '../../../shared/run-view'
import type { RunConfig } from '../../../shared/config'
import type { BackendInfo, RunEvent, RunManifest, RunStatus, RunSummary } from '../../../shared/run'
import { GrowableColumns } from './growable-columns'
import { lowerBound } from '../../../shared/sorted-search'

/** Step rows of a run view: which rows of the file, their columns and epoch x. */
interface ViewRows {
  from: number
  to: number
  rows: Int32Array
  steps: Columns
  epochX: Float64Array
}

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
  /** Set while another process writes this run (the service follows its files): why it cannot be paused or stopped here. */
  external = $state<string | null>(null)
  manifest = $state.raw<RunManifest | null>(null)
  /** The config, from the manifest or (for a run started here) as submitted and validated. */
  config = $state.raw<RunConfig | null>(null)
  events = $state.raw<RunEvent[]>([])
  damage = $state.raw<string[]>([])
  revision = $state(0)
  steps = new GrowableColumns()
  epochs = new GrowableColumns()
  /**
   * For a run opened as a view (a finished run too long to hold whole): the x of `steps` rows
   * on the epoch axis (computed by the service over the whole run), the file's row count, and
   * its clipped steps. Null / 0 when `steps` holds every row.
   */
  viewEpochX: Float64Array | null = null
  stepRows = $state(0)
  clippedSteps: number | null = null
  /** The zoom the detail rows were asked for (mode and range), so a zoom is fetched once. */
  detailKey: string | null = null
  private overview: ViewRows | null = null
  private detail: ViewRows | null = null
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

  /** A run from loadRunView: every row when the service sent them all, else the decimated rows. */
  static fromView(v: RunView): RunData {
    const r = new RunData(v.manifest.id)
    r.applyManifest(v.manifest)
    r.epochs = GrowableColumns.from(v.epochs)
    r.events = v.events
    r.damage = v.damage
    r.stepRows = v.stepRows
    if (v.complete && v.from === 0 && v.to === v.stepRows) r.steps = GrowableColumns.from(v.steps)
    else {
      r.clippedSteps = v.clippedSteps
      r.overview = viewRows(v)
      r.rebuildSteps()
    }
    r.revision++
    return r
  }

  /** True when `steps` holds decimated rows (min/max per pixel) rather than every row. */
  get isView(): boolean {
    return this.overview !== null
  }

  /** Step rows of the run (in the file for a view, which holds fewer). */
  get rowCount(): number {
    return this.overview ? this.stepRows : this.steps.length
  }

  /** Rows of a zoomed range, at the detail of its pixels, spliced into the overview; null drops them. */
  applyDetail(v: RunView | null): void {
    if (!this.overview) return
    this.detail = v ? viewRows(v) : null
    this.rebuildSteps()
    this.revision++
  }

  /** Bytes this run holds in the page. */
  get bytes(): number {
    const cols = (c: Columns) => Object.values(c).reduce((n, a) => n + a.byteLength, 0)
    const view = (v: ViewRows | null) => (v ? cols(v.steps) + v.rows.byteLength + v.epochX.byteLength : 0)
    return this.steps.bytes + this.epochs.bytes + view(this.overview) + view(this.detail) + (this.viewEpochX?.byteLength ?? 0)
  }

  private rebuildSteps(): void {
    const o = this.overview!
    const d = this.detail
    if (!d) {
      this.steps = GrowableColumns.from(o.steps)
      this.viewEpochX = o.epochX
      return
    }
    // Overview rows before the detailed range, the detail, overview rows after it.
    const a = lowerBound(o.rows, d.from)
    const c = lowerBound(o.rows, d.to)
    const slice = (cols: Columns, from: number, to?: number): Columns => Object.fromEntries(Object.entries(cols).map(([k, col]) => [k, col.subarray(from, to)]))
    this.steps = GrowableColumns.from(concatColumns([slice(o.steps, 0, a), d.steps, slice(o.steps, c)]))
    const x = new Float64Array(a + d.epochX.length + (o.epochX.length - c))
    x.set(o.epochX.subarray(0, a))
    x.set(d.epochX, a)
    x.set(o.epochX.subarray(c), a + d.epochX.length)
    this.viewEpochX = x
  }

  applyManifest(m: RunManifest): void {
    this.manifest = m
    this.config = m.config
    this.name = m.name
    this.status = m.status
    this.backend = m.backend
    this.summary = m.summary
  }

  /**
   * Append streamed rows, skipping any this run holds already (a run loaded from its files while
   * it streams gets rows both ways). Returns true when rows before these are missing here (the
   * stream was joined mid-run): the caller loads the run from its files then.
   */
  appendMetrics(steps: Columns, epochs: Columns): boolean {
    const lastStep = lastOf(this.steps, 'step')
    const firstStep = steps['step']?.[0]
    const gap = firstStep !== undefined && firstStep > lastStep + 1
    this.steps.append(rowsAfterKey(steps, 'step', lastStep))
    this.epochs.append(rowsAfterKey(epochs, 'epoch', lastOf(this.epochs, 'epoch')))
    this.scheduleRedraw()
    return gap
  }

  applyStatus(e: Extract<ServiceEvent, { type: 'status' }>): void {
    this.status = e.status
    if (e.backend) this.backend = e.backend
    if (e.progress) this.progress = e.progress
    if (e.summary) this.summary = e.summary
    if (e.message !== undefined) this.message = e.message
    if (e.external !== undefined) this.external = TERMINAL_STATUSES.includes(e.status) ? null : e.external
  }

  get isLive(): boolean {
    return this.status === 'running' || this.status === 'paused'
  }

  /** Append the rows of `other` (same run, streamed live) that come after this one's last step; take its live status. */
  adoptNewerRows(other: RunData): void {
    this.steps.append(rowsAfter(other.steps, 'step', lastOf(this.steps, 'step')))
    this.epochs.append(rowsAfter(other.epochs, 'epoch', lastOf(this.epochs, 'epoch')))
    if (other.progress) this.progress = other.progress
    if (other.external && !TERMINAL_STATUSES.includes(this.status)) this.external = other.external
    if (other.isLive || TERMINAL_STATUSES.includes(other.status)) this.status = other.status
    this.revision++
  }

  /** A run event as it happens (a live run's schedule restart); the run's files hold it too. */
  addEvent(event: RunEvent): void {
    if (!this.events.some((e) => e.kind === event.kind && e.step === event.step)) this.events = [...this.events, event]
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

function viewRows(v: RunView): ViewRows {
  return { from: v.from, to: v.to, rows: v.rows, steps: v.steps, epochX: v.epochX }
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

/** The last value of a key column (step or epoch), or -1 when there are no rows. */
function lastOf(cols: GrowableColumns, key: string): number {
  const k = cols.get(key)
  return k && k.length ? k[k.length - 1]! : -1
}

/** The rows of a batch whose key is above `last` (keys ascend). */
function rowsAfterKey(batch: Columns, key: string, last: number): Columns {
  const k = batch[key]
  if (!k || !k.length || k[0]! > last) return batch
  let from = 0
  while (from < k.length && k[from]! <= last) from++
  const out: Columns = {}
  for (const name in batch) out[name] = batch[name]!.subarray(from)
  return out
}
