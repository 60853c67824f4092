/**
 * Run views for the charts (shared/run-view.ts): the service keeps recently viewed runs'
 * columns and their min/max pyramids in an LRU bounded by a memory budget, so the first
 * paint of a million-step run sends a few thousand rows, and a zoom sends the rows of the
 * visible range at the detail its pixels can show (every row once the range is small).
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { LoadedRun } from '../../shared/api'
import { fractionalEpochs, type RunView, type RunViewRequest } from '../../shared/run-view'
import type { Columns } from '../../shared/metrics'
import type { RunStore } from '../storage'
import { EPOCHS_FILE, EVENTS_FILE, MANIFEST_FILE, STEPS_FILE } from '../storage/run-writer'
import { MinMaxPyramid } from './min-max-pyramid'

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

function lowerBound(x: Float64Array, v: number): number {
  let lo = 0
  let hi = x.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (x[mid]! < v) lo = mid + 1
    else hi = mid
  }
  return lo
}

function upperBound(x: Float64Array, v: number): number {
  let lo = 0
  let hi = x.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (x[mid]! <= v) lo = mid + 1
    else hi = mid
  }
  return lo
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
    if (!e || e.stamp !== stamp) {
      this.entries.delete(dir)
      const loaded = store.load(runId)
      const epoch = loaded.steps['epoch']
      const clipped = loaded.steps['clipped']
      let clippedSteps = 0
      if (clipped) for (let i = 0; i < clipped.length; i++) if (clipped[i] === 1) clippedSteps++
      const stepRows = rowCount(loaded.steps)
      const epochX = epoch ? fractionalEpochs(epoch) : new Float64Array(stepRows).fill(NaN)
      e = { stamp, loaded, stepRows, epochX, clippedSteps, pyramids: new Map(), bytes: columnsBytes(loaded.steps) + columnsBytes(loaded.epochs) + epochX.byteLength }
    }
    // Most recent last.
    this.entries.delete(dir)
    this.entries.set(dir, e)
    const view = this.build(e, req)
    this.evict()
    return view
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
    let kept = 0
    for (let i = 0; i < count; i++) kept += marks[i]!
    const rows = new Int32Array(kept)
    for (let i = 0, j = 0; i < count; i++) if (marks[i]) rows[j++] = from + i
    const gather = (col: Float64Array): Float64Array => {
      const out = new Float64Array(kept)
      for (let j = 0; j < kept; j++) out[j] = col[rows[j]!]!
      return out
    }
    const steps: Columns = {}
    for (const name in loaded.steps) steps[name] = gather(loaded.steps[name]!)
    return { ...base, from, to, rows, steps, epochX: gather(e.epochX), complete: false }
  }
}
