/**
 * A run as the charts need it: its step rows decimated to what a plot of `buckets` pixels can
 * show (per-pixel min/max of every column, so no spike is lost), over the whole run or a
 * zoomed x range. The full rows stay in the service (CSV export reads them all).
 */
import { z } from 'zod'
import type { Columns } from './metrics'
import type { RunEvent, RunManifest } from './run'

export const RunViewRequestSchema = z
  .object({
    /** Plot width in pixels: the view keeps each column's min and max per pixel of the range. */
    buckets: z.number({ error: 'buckets must be a number' }).int('buckets must be a whole number').min(16, 'buckets must be at least 16').max(16_384, 'buckets must be at most 16384'),
    /** What the range is measured in (the chart's x axis). */
    x: z.enum(['step', 'epoch', 'time']).default('step'),
    /** Visible x range; null = the whole run. */
    range: z
      .tuple([z.number(), z.number()])
      .refine(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && a <= b, 'range must be two finite numbers, low first')
      .nullable()
      .default(null),
  })
  .strict()
export type RunViewRequest = z.input<typeof RunViewRequestSchema>

export interface RunView {
  manifest: RunManifest
  events: RunEvent[]
  damage: string[]
  /** Epoch rows, all of them (one per epoch: few). */
  epochs: Columns
  /** Step rows in the file. */
  stepRows: number
  /** Rows [from, to) of the file this view covers (the range plus one neighbour each side). */
  from: number
  to: number
  /** Row index in the file of each row below, ascending. */
  rows: Int32Array
  /** Step columns at those rows. */
  steps: Columns
  /** x of those rows on the 'epoch' axis (fractional epochs of the whole run). */
  epochX: Float64Array
  /** Every row of [from, to) is here (no decimation). */
  complete: boolean
  /** Steps whose `clipped` column is 1, in the whole run. */
  clippedSteps: number
}

/**
 * Step rows to fractional epochs (epoch + position within it), so "x = epoch" keeps
 * every step distinct and ascending. The running epoch uses the previous epoch's length.
 */
export function fractionalEpochs(epoch: Float64Array): Float64Array {
  const out = new Float64Array(epoch.length)
  let start = 0
  let lastLen = 0
  const fill = (from: number, to: number, len: number) => {
    for (let i = from; i < to; i++) out[i] = epoch[i]! + (i - from) / Math.max(1, len)
  }
  for (let i = 1; i <= epoch.length; i++) {
    if (i === epoch.length || epoch[i] !== epoch[i - 1]) {
      const len = i - start
      const complete = i < epoch.length
      fill(start, i, complete ? len : Math.max(len, lastLen))
      if (complete) lastLen = len
      start = i
    }
  }
  return out
}
