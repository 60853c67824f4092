/** Turns runs' metric columns into chart series for the chosen x axis. */
import type { ChartSeries, XAxisMode } from './chart-types'
import type { RunData } from './run-data.svelte'
import { fractionalEpochs } from './series-math'
import { lowerBound } from '../../../shared/sorted-search'

export interface RunColumnsView {
  run: RunData
  color: string
  stepX: Float64Array
  epochX: Float64Array | null
}

/** x of each step row and each epoch row of a run, for the mode. */
export function runXs(run: RunData, mode: XAxisMode): { stepX: Float64Array; epochX: Float64Array | null } {
  const s = run.steps
  const e = run.epochs
  let stepX: Float64Array
  let epochX: Float64Array | null
  if (mode === 'time') {
    stepX = s.get('elapsed') ?? new Float64Array(0)
    epochX = e.get('elapsed')
  } else if (mode === 'epoch') {
    const ep = s.get('epoch')
    // A view holds some rows only: their epoch x comes from the service, which has them all.
    stepX = run.viewEpochX ?? (ep ? fractionalEpochs(ep) : new Float64Array(0))
    // An epoch row summarises the epoch that just ended: place it at its end.
    const ee = e.get('epoch')
    epochX = ee ? ee.map((v) => v + 1) : null
  } else {
    stepX = s.get('step') ?? new Float64Array(0)
    epochX = e.get('step')
  }
  return { stepX, epochX }
}

export interface MetricLine {
  /** Column name in the step or epoch table. */
  column: string
  level: 'step' | 'epoch'
  label: string
  smooth?: boolean
  dash?: number[]
  points?: boolean
  /** Lighten/darken the run colour for secondary lines of the same run. */
  shade?: number
}

function shadeColor(hex: string, amount: number): string {
  if (!amount || !hex.startsWith('#') || hex.length !== 7) return hex
  const n = parseInt(hex.slice(1), 16)
  const mix = (c: number) => Math.round(amount > 0 ? c + (255 - c) * amount : c * (1 + amount))
  const r = mix((n >> 16) & 255)
  const g = mix((n >> 8) & 255)
  const b = mix(n & 255)
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`
}

/** One series per (run, line) that has at least one finite value. */
export function buildSeries(views: RunColumnsView[], lines: MetricLine[], lineLabels = lines.length > 1): ChartSeries[] {
  const many = views.length > 1
  const out: ChartSeries[] = []
  for (const v of views) {
    for (const line of lines) {
      const table = line.level === 'step' ? v.run.steps : v.run.epochs
      const x = line.level === 'step' ? v.stepX : v.epochX
      const y = table.get(line.column)
      if (!x || !y || !table.hasFinite(line.column)) continue
      out.push({
        key: `${v.run.id}:${line.level}:${line.column}`,
        label: many ? (lineLabels ? `${v.run.name} ${line.label}` : v.run.name) : line.label,
        color: shadeColor(v.color, line.shade ?? 0),
        x,
        y,
        smooth: line.smooth,
        dash: line.dash,
        points: line.points,
      })
    }
  }
  return out
}

/** x positions of a run's schedule restarts, from its 'restart' events (streamed live, read from its files when opened). */
export function restartMarkers(run: RunData, stepX: Float64Array): number[] {
  const steps = run.steps.get('step')
  if (!steps) return []
  return run.restartSteps().flatMap((s) => {
    const i = lowerBound(steps, s)
    return i < stepX.length ? [stepX[i]!] : []
  })
}

/** Per run: x of the steps where clipping acted, extended as rows arrive (not rescanned every frame). */
const clipCache = new WeakMap<RunData, { rows: number; lastX: number; xs: number[] }>()

/** x of a run's steps whose `clipped` column is 1. */
export function clipEventXs(run: RunData, stepX: Float64Array): number[] {
  const clipped = run.steps.get('clipped')
  if (!clipped) return []
  const n = Math.min(clipped.length, stepX.length)
  let c = clipCache.get(run)
  // x of already-scanned rows can change (x axis switched, fractional epochs rescaled): rescan then.
  if (!c || n < c.rows || (c.rows > 0 && !Object.is(stepX[c.rows - 1], c.lastX))) clipCache.set(run, (c = { rows: 0, lastX: NaN, xs: [] }))
  for (let i = c.rows; i < n; i++) if (clipped[i] === 1) c.xs.push(stepX[i]!)
  c.rows = n
  c.lastX = n > 0 ? stepX[n - 1]! : NaN
  return c.xs
}

export function formatSeconds(v: number): string {
  if (!Number.isFinite(v)) return ''
  if (Math.abs(v) < 60) return `${Number(v.toFixed(2))}s`
  const m = Math.floor(v / 60)
  const s = v - m * 60
  return `${m}:${s.toFixed(0).padStart(2, '0')}`
}
