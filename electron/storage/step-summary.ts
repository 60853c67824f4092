/**
 * A finished run's step summary, stored beside it as `steps.lod`: the rows holding each
 * column's min, max and first NaN in every block of 2^level rows (level chosen so a plot up
 * to SUMMARY_PIXELS wide needs nothing finer), with all columns at those rows. Written once
 * when the run is closed (or first viewed), it lets a million-step run open by reading a few
 * MB instead of the whole steps.arrow; zooming in reads the run itself.
 * The file is shared/wire.ts's binary frame of a StepSummary; it records the byte size of the
 * steps.arrow it summarises and is ignored when that no longer matches.
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { Columns } from '../../shared/metrics'
import { fractionalEpochs } from '../../shared/run-view'
import { decodeWire, encodeFrame } from '../../shared/wire'
import { BASE_LOG, MinMaxPyramid } from './min-max-pyramid'

export const SUMMARY_FILE = 'steps.lod'
const SUMMARY_FORMAT = 1
/** Widest plot the stored summary serves exactly. */
export const SUMMARY_PIXELS = 4096

export interface StepSummary {
  format: number
  /** Size of the steps.arrow summarised. */
  sourceBytes: number
  stepRows: number
  /** Blocks of 2^level rows. */
  level: number
  rows: Int32Array
  steps: Columns
  epochX: Float64Array
  clippedSteps: number
}

export interface ViewRows {
  rows: Int32Array
  steps: Columns
  epochX: Float64Array
}

/** The rows of [from, to) marked in `marks` (indexed from `from`), with every column gathered there. */
export function gatherRows(steps: Columns, epochX: Float64Array, from: number, marks: Uint8Array, rowOf: (i: number) => number = (i) => from + i): ViewRows {
  let kept = 0
  for (let i = 0; i < marks.length; i++) kept += marks[i]!
  const rows = new Int32Array(kept)
  const at = new Int32Array(kept)
  for (let i = 0, j = 0; i < marks.length; i++) {
    if (!marks[i]) continue
    rows[j] = rowOf(i)
    at[j++] = from + i
  }
  const gather = (col: Float64Array): Float64Array => {
    const out = new Float64Array(kept)
    for (let j = 0; j < kept; j++) out[j] = col[at[j]!]!
    return out
  }
  const out: Columns = {}
  for (const name in steps) out[name] = gather(steps[name]!)
  return { rows, steps: out, epochX: gather(epochX) }
}

export function countClipped(steps: Columns): number {
  const c = steps['clipped']
  let n = 0
  if (c) for (let i = 0; i < c.length; i++) if (c[i] === 1) n++
  return n
}

/** Level of the stored summary for a run of n rows; null when the run is small enough to read whole. */
export function summaryLevel(n: number): number | null {
  const level = Math.floor(Math.log2(n / SUMMARY_PIXELS))
  return level >= BASE_LOG ? level : null
}

/** The summary of a run's step columns (null for a run small enough to read whole). `pyramidOf` reuses pyramids already built. */
export function buildStepSummary(
  steps: Columns,
  sourceBytes: number,
  epochX?: Float64Array,
  pyramidOf: (name: string) => MinMaxPyramid = (name) => new MinMaxPyramid(steps[name]!),
): StepSummary | null {
  let n = 0
  for (const k in steps) n = steps[k]!.length
  const level = summaryLevel(n)
  if (level === null) return null
  const marks = new Uint8Array(n)
  marks[0] = 1
  marks[n - 1] = 1
  for (const name in steps) pyramidOf(name).collect(0, n, level, marks)
  const x = epochX ?? (steps['epoch'] ? fractionalEpochs(steps['epoch']) : new Float64Array(n).fill(NaN))
  return { format: SUMMARY_FORMAT, sourceBytes, stepRows: n, level, ...gatherRows(steps, x, 0, marks), clippedSteps: countClipped(steps) }
}

/**
 * The summary decimated further for `buckets` pixels (blocks of 2^k ≥ 2^level rows: the
 * extremes of each are among the stored rows); null when the plot needs finer rows.
 */
export function summaryView(s: StepSummary, buckets: number): ViewRows | null {
  const k = Math.floor(Math.log2(s.stepRows / buckets))
  if (k < s.level) return null
  const m = s.rows.length
  const marks = new Uint8Array(m)
  if (m > 0) {
    marks[0] = 1
    marks[m - 1] = 1
  }
  const rows = s.rows
  for (const name in s.steps) {
    const y = s.steps[name]!
    let block = -1
    let lo = -1
    let hi = -1
    let nan = -1
    for (let j = 0; j <= m; j++) {
      const b = j < m ? rows[j]! >> k : -2
      if (b !== block) {
        // The previous block is complete: keep its extremes.
        if (lo >= 0) marks[lo] = 1
        if (hi >= 0) marks[hi] = 1
        if (nan >= 0) marks[nan] = 1
        block = b
        lo = hi = nan = -1
      }
      if (j === m) break
      const v = y[j]!
      if (v !== v) {
        if (nan < 0) nan = j
        continue
      }
      if (lo < 0 || v < y[lo]!) lo = j
      if (hi < 0 || v > y[hi]!) hi = j
    }
  }
  return gatherRows(s.steps, s.epochX, 0, marks, (j) => s.rows[j]!)
}

/** The stored summary of the run in `dir`, when it matches its steps.arrow of `sourceBytes`. */
export function readStepSummary(dir: string, sourceBytes: number): StepSummary | null {
  try {
    const s = decodeWire(readFileSync(join(dir, SUMMARY_FILE))) as StepSummary
    if (s.format !== SUMMARY_FORMAT || s.sourceBytes !== sourceBytes || !(s.rows instanceof Int32Array)) return null
    return s
  } catch {
    return null
  }
}

/** Store a summary beside the run (atomically; a failure only means the next open reads the run). */
export function writeStepSummary(dir: string, s: StepSummary): void {
  const tmp = join(dir, `.${SUMMARY_FILE}.${randomBytes(4).toString('hex')}`)
  try {
    writeFileSync(tmp, encodeFrame(s))
    renameSync(tmp, join(dir, SUMMARY_FILE))
  } catch {
    rmSync(tmp, { force: true })
  }
}

/** Size of a file, or -1 when it cannot be read. */
export function fileBytes(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return -1
  }
}
