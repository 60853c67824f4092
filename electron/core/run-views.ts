/**
 * Run views for the charts (shared/run-view.ts). A finished run's whole-run view comes from
 * its stored step summary (storage/step-summary.ts) without reading its rows, so the first
 * paint of a million-step run sends a few thousand rows read from a few MB. A zoom reads the
 * run: the service keeps recently zoomed runs' columns and their min/max pyramids in an LRU
 * bounded by a memory budget, and sends the visible range at the detail its pixels can show
 * (every row once the range is small). A run viewed without a valid summary gets one written.
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { LoadedRun } from '../../shared/api'
import { fractionalEpochs, type RunView, type RunViewRequest } from '../../shared/run-view'
import type { Columns } from '../../shared/metrics'
import type { RunStore } from '../storage'
import { EPOCHS_FILE, EVENTS_FILE, MANIFEST_FILE, STEPS_FILE } from '../storage/run-writer'
import { MinMaxPyramid } from '../storage/min-max-pyramid'
import { buildStepSummary, countClipped, fileBytes, gatherRows, readStepSummary, summaryLevel, summaryView, writeStepSummary } from '../storage/step-summary'
import { lowerBound, upperBound } from '../../shared/sorted-search'

export const DEFAULT_VIEW_CACHE_BYTES = 256 * 1024 * 1024

/** A range of at most this many rows per pixel is sent whole (exact, and still small). */
const WHOLE_ROWS_PER_BUCKET = 16

interface CachedRun {
  stamp: string
  loaded: LoadedRun
  stepRows: number
  epochX: Float64Array
  clippedSteps: number
  pyramids: Map<string, MinMaxPyramid>
  bytes: number
  /** The stored summary was checked (and written when missing). */
  summaryChecked: boolean
}

function columnsBytes(c: Columns): number {
  let n = 0
  for (const k in c) n += c[k]!.byteLength
  return n
}

function rowCount(c: Columns): number {
  for (const k in c) return c[k]!.length
  return 0
}

/** Changes whenever any of the run's files does (a live run's appends, an edited manifest). */
function stampOf(dir: string): string {
  return [STEPS_FILE, EPOCHS_FILE, MANIFEST_FILE, EVENTS_FILE]
    .map((f) => {
      try {
        const s = statSync(join(dir, f))
        return `${s.size}:${s.mtimeMs}`
      } catch {
        return '-'
      }
    })
    .join('|')
}

export class RunViewCache {
  /** Map order is recency: the first entry is the least recently viewed. */
  private readonly entries = new Map<string, CachedRun>()

  constructor(private readonly budgetBytes = DEFAULT_VIEW_CACHE_BYTES) {}

  /** Bytes held by cached runs (columns and pyramids). */
  get bytes(): number {
    let n = 0
    for (const e of this.entries.values()) n += e.bytes
    return n
  }

  view(store: RunStore, runId: string, req: Required<RunViewRequest>): RunView {
    const dir = store.runDir(runId)
    const stamp = stampOf(dir)
    let e = this.entries.get(dir)
    if (!req.range && !(e && e.stamp === stamp)) {
      const fromSummary = this.fromSummary(store, runId, dir, req.buckets)
      if (fromSummary) return fromSummary
    }
    if (!e || e.stamp !== stamp) {
      this.entries.delete(dir)
      const loaded = store.load(runId)
      const epoch = loaded.steps['epoch']
      const stepRows = rowCount(loaded.steps)
      const epochX = epoch ? fractionalEpochs(epoch) : new Float64Array(stepRows).fill(NaN)
      e = {
        stamp,
        loaded,
        stepRows,
        epochX,
        clippedSteps: countClipped(loaded.steps),
        pyramids: new Map(),
        bytes: columnsBytes(loaded.steps) + columnsBytes(loaded.epochs) + epochX.byteLength,
        summaryChecked: false,
      }
    }
    if (!e.summaryChecked) {
      e.summaryChecked = true
      this.storeSummary(e, dir)
    }
    // Most recent last.
    this.entries.delete(dir)
    this.entries.set(dir, e)
    const view = this.build(e, req)
    this.evict()
    return view
  }

  /** The whole-run view from the stored summary (null when there is none, it is stale, the run is live or the plot needs finer rows). */
  private fromSummary(store: RunStore, runId: string, dir: string, buckets: number): RunView | null {
    const summary = readStepSummary(dir, fileBytes(join(dir, STEPS_FILE)))
    if (!summary) return null
    const v = summaryView(summary, buckets)
    if (!v) return null
    const meta = store.load(runId, { steps: false })
    const m = meta.manifest
    if (m.status === 'running' || m.status === 'paused') return null
    return {
      manifest: m,
      events: meta.events,
      damage: meta.damage,
      epochs: meta.epochs,
      stepRows: summary.stepRows,
      clippedSteps: summary.clippedSteps,
      from: 0,
      to: summary.stepRows,
      ...v,
      complete: false,
    }
  }

  /** Write the summary of a finished, intact run whose stored one is missing or stale. */
  private storeSummary(e: CachedRun, dir: string): void {
    const m = e.loaded.manifest
    if (m.status === 'running' || m.status === 'paused' || e.loaded.damage.length || summaryLevel(e.stepRows) === null) return
    const bytes = fileBytes(join(dir, STEPS_FILE))
    if (readStepSummary(dir, bytes)) return
    const s = buildStepSummary(e.loaded.steps, bytes, e.epochX, (name) => this.pyramid(e, name))
    if (s) writeStepSummary(dir, s)
  }

  private evict(): void {
    let total = this.bytes
    for (const [key, e] of this.entries) {
      if (total <= this.budgetBytes || this.entries.size <= 1) break
      this.entries.delete(key)
      total -= e.bytes
    }
  }

  private pyramid(e: CachedRun, name: string): MinMaxPyramid {
    let p = e.pyramids.get(name)
    if (!p) {
      p = new MinMaxPyramid(e.loaded.steps[name]!)
      e.pyramids.set(name, p)
      e.bytes += p.bytes
    }
    return p
  }

  private build(e: CachedRun, req: Required<RunViewRequest>): RunView {
    const { loaded, stepRows: n } = e
    const m = loaded.manifest
    const base = { manifest: m, events: loaded.events, damage: loaded.damage, epochs: loaded.epochs, stepRows: n, clippedSteps: e.clippedSteps }
    const x = req.x === 'epoch' ? e.epochX : req.x === 'time' ? loaded.steps['elapsed'] : loaded.steps['step']
    let from = 0
    let to = n
    if (req.range && x) {
      // One neighbour each side, so lines reach the plot's edges.
      from = Math.max(0, lowerBound(x, req.range[0]) - 1)
      to = Math.min(n, upperBound(x, req.range[1]) + 1)
    }
    const count = Math.max(0, to - from)
    const live = m.status === 'running' || m.status === 'paused'
    // A live run's page appends streamed rows to what it loaded: it needs them all.
    if (live || count <= WHOLE_ROWS_PER_BUCKET * req.buckets) {
      const rows = new Int32Array(count)
      for (let i = 0; i < count; i++) rows[i] = from + i
      const steps: Columns = {}
      // Copies, not views: structured clone (Electron IPC) would carry a view's whole buffer.
      for (const k in loaded.steps) steps[k] = loaded.steps[k]!.slice(from, to)
      return { ...base, from, to, rows, steps, epochX: e.epochX.slice(from, to), complete: true }
    }
    // Blocks of 2^k rows with at least `buckets` of them in the range: no block spans two pixels' worth.
    const k = Math.floor(Math.log2(count / req.buckets))
    const marks = new Uint8Array(count)
    marks[0] = 1
    marks[count - 1] = 1
    for (const name in loaded.steps) this.pyramid(e, name).collect(from, to, k, marks)
    return { ...base, from, to, ...gatherRows(loaded.steps, e.epochX, from, marks), complete: false }
  }
}
