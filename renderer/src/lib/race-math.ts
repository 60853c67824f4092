/**
 * The race view's numbers, free of Svelte: a member's current value of a metric, the
 * leaderboard order, colours by axis value, and the sensitivity curve (final or best metric
 * against the learning rate, one line per schedule/optimizer, where each line starts diverging).
 */
import { formatAxisValue, type SweepInfo, type SweepMemberInfo } from '../../../shared/sweep'
import type { RunConfig } from '../../../shared/config'
import type { RunSummary } from '../../../shared/run'

export type RaceMetric = 'loss' | 'val_loss' | 'val_metric'

/** What the race knows of one member's run: its last values and its config. */
export interface MemberRun {
  member: SweepMemberInfo
  config: RunConfig | null
  summary: RunSummary | null
  /** Current (last finite) values: train loss per step, val loss and val metric per epoch. */
  current: Record<RaceMetric, number | null>
  best: Record<RaceMetric, number | null>
  /** Step where the run diverged (null if it did not). */
  divergedAt: number | null
}

/** Lower is better for losses and MAE; higher for accuracy and R². */
export function higherIsBetter(metric: RaceMetric, valMetricName: string | undefined): boolean {
  return metric === 'val_metric' && valMetricName !== 'mae'
}

/** Last finite value of a column (a diverged run ends in NaN/∞). */
export function lastFinite(col: ArrayLike<number> | null | undefined): number | null {
  if (!col) return null
  for (let i = col.length - 1; i >= 0; i--) if (Number.isFinite(col[i]!)) return col[i]!
  return null
}

export function bestFinite(col: ArrayLike<number> | null | undefined, higher: boolean): number | null {
  if (!col) return null
  let best: number | null = null
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!
    if (Number.isFinite(v) && (best === null || (higher ? v > best : v < best))) best = v
  }
  return best
}

/**
 * Members ranked by the current value of `metric`: best first; members without a value yet
 * next; diverged members last (they have no usable value), by how late they died.
 */
export function leaderboard(runs: readonly MemberRun[], metric: RaceMetric, valMetricName?: string): MemberRun[] {
  const higher = higherIsBetter(metric, valMetricName)
  const rank = (r: MemberRun): [number, number] => {
    if (r.divergedAt !== null) return [2, -r.divergedAt]
    const v = r.current[metric]
    if (v === null) return [1, r.member.index]
    return [0, higher ? -v : v]
  }
  return [...runs].sort((a, b) => {
    const [ga, va] = rank(a)
    const [gb, vb] = rank(b)
    return ga - gb || va - vb || a.member.index - b.member.index
  })
}

/** Axis paths that pick a line of the sensitivity curve: every axis but the LR itself and the seed. */
export function lineAxes(info: SweepInfo): string[] {
  return info.axes.filter((p) => p !== 'optimizer.lr' && p !== 'seed')
}

/** The name of a member's line on the sensitivity curve (its schedule, optimizer, variant…). */
export function lineOf(info: SweepInfo, m: SweepMemberInfo): string {
  const axes = lineAxes(info)
  if (!axes.length) return 'all'
  return axes
    .map((p) =>
      formatAxisValue(
        m.axes[p],
        info.members.map((o) => o.axes[p]),
      ),
    )
    .join(' · ')
}

export interface SensitivityPoint {
  member: number
  line: string
  lr: number
  /** null for a member that diverged. */
  value: number | null
  diverged: boolean
}

export interface SensitivityLine {
  line: string
  points: SensitivityPoint[]
  /** The smallest LR at which this line diverged (the boundary), null if none did. */
  divergesFrom: number | null
}

/**
 * Final (or best) metric against the LR read from each member's own config, one line per
 * combination of the other axes; members that have not ended are left out. With seeds, each
 * LR's point is the mean over the seeds that did not diverge.
 */
export function sensitivity(info: SweepInfo, runs: readonly MemberRun[], metric: RaceMetric, which: 'final' | 'best'): SensitivityLine[] {
  const lines = new Map<string, Map<number, { values: number[]; diverged: boolean; member: number }>>()
  for (const r of runs) {
    const ended = r.member.status === 'finished' || r.member.status === 'diverged'
    if (!ended || !r.config) continue
    const line = lineOf(info, r.member)
    const lr = r.config.optimizer.lr
    const byLr = lines.get(line) ?? new Map()
    lines.set(line, byLr)
    const at = byLr.get(lr) ?? { values: [], diverged: false, member: r.member.index }
    byLr.set(lr, at)
    const v = which === 'final' ? r.current[metric] : r.best[metric]
    if (r.divergedAt !== null) at.diverged = true
    else if (v !== null) at.values.push(v)
  }
  return [...lines].map(([line, byLr]) => {
    const points = [...byLr]
      .sort((a, b) => a[0] - b[0])
      .map(([lr, p]): SensitivityPoint => ({
        member: p.member,
        line,
        lr,
        value: p.values.length ? p.values.reduce((s, v) => s + v, 0) / p.values.length : null,
        diverged: p.diverged && !p.values.length,
      }))
    const first = points.find((p) => p.diverged)
    return { line, points, divergesFrom: first ? first.lr : null }
  })
}

/** Colours for an axis's values: a blue→red ramp along a numeric axis (log-spaced for LRs), a palette otherwise. */
export function axisColors(values: readonly unknown[]): Map<string, string> {
  const keys = [...new Set(values.map((v) => JSON.stringify(v)))]
  const out = new Map<string, string>()
  if (keys.length && values.every((v) => typeof v === 'number')) {
    const nums = [...new Set(values as number[])].sort((a, b) => a - b)
    const log = nums.every((v) => v > 0)
    const t = (v: number): number => {
      if (nums.length < 2) return 0.5
      const [lo, hi] = log ? [Math.log(nums[0]!), Math.log(nums.at(-1)!)] : [nums[0]!, nums.at(-1)!]
      return ((log ? Math.log(v) : v) - lo) / (hi - lo || 1)
    }
    // Hue from blue (small) through green to red (large): "too small crawls, too large diverges".
    for (const v of nums) out.set(JSON.stringify(v), `hsl(${Math.round(230 - 230 * t(v))} 75% 48%)`)
    return out
  }
  const PALETTE = ['#3b82f6', '#f97316', '#10b981', '#e11d48', '#8b5cf6', '#0ea5e9', '#ca8a04', '#db2777', '#14b8a6', '#64748b']
  keys.forEach((k, i) => out.set(k, PALETTE[i % PALETTE.length]!))
  return out
}

/** The axis members are coloured by: the LR when it varies, else the first axis. */
export function colorAxis(info: SweepInfo): string | null {
  if (info.axes.includes('optimizer.lr')) return 'optimizer.lr'
  return info.axes[0] ?? null
}

/** Dash patterns for the second thing that varies (schedules), so colour can carry the LR. */
export const DASHES: (number[] | undefined)[] = [undefined, [6, 4], [2, 3], [10, 3, 2, 3], [1, 6]]

/**
 * The loss charts' ceiling: this many times the highest starting loss. A member that blows up
 * (diverged, or an LR far too large) would otherwise stretch the shared axis over thirty
 * decades and flatten the race into one line; above the ceiling its curve leaves the chart.
 */
export const BLOW_UP_FACTOR = 10

export function lossCeiling(curves: readonly ArrayLike<number>[]): number | null {
  let top = -Infinity
  for (const y of curves) {
    for (let i = 0; i < y.length; i++) {
      if (Number.isFinite(y[i]!)) {
        top = Math.max(top, y[i]!)
        break
      }
    }
  }
  return top > 0 ? top * BLOW_UP_FACTOR : null
}

/**
 * A curve cut where it first leaves the chart (above the ceiling, or not finite): the rest is
 * NaN (no line), and `last` is the last point drawn, where the race view marks it.
 */
export function clipCurve(x: ArrayLike<number>, y: ArrayLike<number>, ceiling: number | null): { y: Float64Array; last: { x: number; y: number } | null; clipped: boolean } {
  const out = Float64Array.from(y)
  let i = 0
  while (i < out.length && Number.isFinite(out[i]!) && (ceiling === null || out[i]! <= ceiling)) i++
  if (i === out.length) return { y: out, last: out.length ? { x: x[out.length - 1]!, y: out[out.length - 1]! } : null, clipped: false }
  out.fill(NaN, i)
  return { y: out, last: i > 0 ? { x: x[i - 1]!, y: out[i - 1]! } : null, clipped: true }
}
