/** Proposed for tests/unit/ (renderer chart math: TensorBoard smoothing, min/max decimation, fractional epochs). */
import { describe, expect, it } from 'vitest'
import { alignInto, decimateMinMax, fractionalEpochs, IncrementalEma, LiveMinMax, smoothDebiasedEma, type AlignedColumns } from '../../renderer/src/lib/series-math'

describe('smoothDebiasedEma (TensorBoard classicSmoothing)', () => {
  it('debiases the first point and follows the recurrence', () => {
    const out = smoothDebiasedEma([1, 2, 3], 0.6)
    // last = 0.4, 0.4*0.6+0.8 = 1.04, 1.04*0.6+1.2 = 1.824; divided by 1-0.6^n
    expect(out[0]).toBeCloseTo(1, 12)
    expect(out[1]).toBeCloseTo(1.04 / (1 - 0.36), 12)
    expect(out[2]).toBeCloseTo(1.824 / (1 - 0.216), 12)
  })
  it('passes NaN/Inf through without advancing the debias count', () => {
    const out = smoothDebiasedEma([1, NaN, Infinity, 3], 0.5)
    expect(Number.isNaN(out[1]!)).toBe(true)
    expect(out[2]).toBe(Infinity)
    expect(out[3]).toBeCloseTo((0.5 * 0.5 + 1.5) / (1 - 0.25), 12)
  })
  it('returns a constant series unchanged', () => {
    expect(Array.from(smoothDebiasedEma([0.1, 0.1, 0.1], 0.9))).toEqual([0.1, 0.1, 0.1])
  })
})

describe('decimateMinMax', () => {
  it('keeps a single-point spike when 100k points become 2 per pixel', () => {
    const n = 100_000
    const x = Float64Array.from({ length: n }, (_, i) => i)
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000))
    y[54_321] = 1e6
    const d = decimateMinMax(x, y, 0, n - 1, 500)
    expect(d.x.length).toBeLessThanOrEqual(2 * 500 + 4)
    expect(Math.max(...d.y)).toBe(1e6)
    expect(Array.from(d.x)).toContain(54_321)
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]!).toBeGreaterThan(d.x[i - 1]!)
  })
  it('returns the points of the range (plus a neighbour each side) when they fit', () => {
    const x = Float64Array.from([0, 1, 2, 3, 4, 5])
    const d = decimateMinMax(x, x, 2, 3, 100)
    expect(Array.from(d.x)).toEqual([1, 2, 3, 4])
  })
})

describe('fractionalEpochs', () => {
  it('spreads the steps of each epoch over [e, e+1)', () => {
    expect(Array.from(fractionalEpochs(Float64Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])))).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25])
  })
})

/** Deterministic noise in [0, 1). */
function rand(seed: number): () => number {
  let s = seed >>> 0
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32
}

/** A live-looking series: noisy decay with spikes, NaN gaps, ties and uneven x spacing. */
function liveSeries(n: number, seed: number): { x: Float64Array; y: Float64Array } {
  const r = rand(seed)
  const x = new Float64Array(n)
  const y = new Float64Array(n)
  let t = 3
  for (let i = 0; i < n; i++) {
    t += r() < 0.1 ? 0 : r() * 2
    x[i] = t
    const u = r()
    y[i] = u < 0.002 ? 1e6 : u < 0.004 ? -1e6 : u < 0.01 ? NaN : u < 0.05 ? 0.5 : 1 / (1 + i / 500) + 0.1 * r()
  }
  return { x, y }
}

/** From scratch: group every point by floor((x − origin) / width), keep min, max, first NaN in order. */
function bucketsFromScratch(x: Float64Array, y: Float64Array, origin: number, width: number): number[][] {
  const groups = new Map<number, number[]>()
  for (let i = 0; i < x.length; i++) {
    const b = Math.floor((x[i]! - origin) / width)
    if (!groups.has(b)) groups.set(b, [])
    groups.get(b)!.push(i)
  }
  const out: number[][] = []
  for (const b of [...groups.keys()].sort((a, c) => a - c)) {
    const idx = groups.get(b)!
    const finite = idx.filter((i) => !Number.isNaN(y[i]!))
    let lo = -1
    let hi = -1
    for (const i of finite) {
      if (lo < 0 || y[i]! < y[lo]!) lo = i
      if (hi < 0 || y[i]! > y[hi]!) hi = i
    }
    const nan = idx.find((i) => Number.isNaN(y[i]!)) ?? -1
    for (const i of [...new Set([lo, hi, nan])].filter((i) => i >= 0).sort((a, c) => a - c)) out.push([x[i]!, y[i]!])
  }
  return out
}

function pairs(d: { x: Float64Array; y: Float64Array }): number[][] {
  return Array.from(d.x, (v, i) => [v, d.y[i]!])
}

describe('LiveMinMax (incremental min/max decimation of a growing series)', () => {
  it('matches the from-scratch bucketing after every batch, through bucket merges, NaN and ties', () => {
    const pixels = 300
    const { x, y } = liveSeries(60_000, 7)
    const live = new LiveMinMax()
    const r = rand(11)
    let n = 0
    let checked = 0
    const widths = new Set<number>()
    while (n < x.length) {
      n = Math.min(x.length, n + 1 + Math.floor(r() * 3000))
      // Views of the filled part, as GrowableColumns hands them out.
      const d = live.decimate(x.subarray(0, n), y.subarray(0, n), x[0]!, pixels)
      if (n <= 4 * pixels) {
        expect(d.x.length).toBe(n)
        continue
      }
      const w = live.bucketWidth
      widths.add(w)
      const span = x[n - 1]! - x[0]!
      // At most one pixel per bucket, and not needlessly narrow.
      expect(span / w).toBeLessThanOrEqual(2 * pixels)
      expect(span / w).toBeGreaterThan(pixels)
      expect(pairs(d)).toEqual(bucketsFromScratch(x.subarray(0, n), y.subarray(0, n), x[0]!, w))
      checked++
    }
    expect(checked).toBeGreaterThan(10)
    expect(widths.size).toBeGreaterThan(3)
  })

  it('keeps every spike: the decimated extremes are the series extremes', () => {
    const n = 200_000
    const x = Float64Array.from({ length: n }, (_, i) => i)
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000))
    y[123_457] = 42
    y[77] = -42
    const live = new LiveMinMax()
    // Grow the series as a live run does; only the final decimation is checked.
    for (let k = 1000; k <= n; k += 7919) live.decimate(x.subarray(0, k), y.subarray(0, k), 0, 500)
    const d = live.decimate(x, y, 0, 500)
    expect(d.x.length).toBeLessThanOrEqual(3 * (2 * 500 + 4))
    expect(Math.max(...d.y)).toBe(42)
    expect(Math.min(...d.y)).toBe(-42)
    expect(Array.from(d.x)).toContain(123_457)
    for (let i = 1; i < d.x.length; i++) expect(d.x[i]!).toBeGreaterThan(d.x[i - 1]!)
  })

  it('starts over when already-seen points change, the origin moves or the width changes', () => {
    const { x, y } = liveSeries(20_000, 3)
    const live = new LiveMinMax()
    live.decimate(x, y, x[0]!, 200)
    // The same length prefix with different values (e.g. fractional epochs rescaled).
    const y2 = y.map((v) => v * 2)
    expect(pairs(live.decimate(x, y2, x[0]!, 200))).toEqual(bucketsFromScratch(x, y2, x[0]!, live.bucketWidth))
    expect(pairs(live.decimate(x, y2, x[0]! - 50, 200))).toEqual(bucketsFromScratch(x, y2, x[0]! - 50, live.bucketWidth))
    expect(pairs(live.decimate(x, y2, x[0]! - 50, 333))).toEqual(bucketsFromScratch(x, y2, x[0]! - 50, live.bucketWidth))
  })
})

describe('IncrementalEma', () => {
  it('equals smoothDebiasedEma of the whole series after every batch', () => {
    const { y } = liveSeries(30_000, 5)
    // A constant start that later varies, to cross the constant-series rule.
    y.fill(0.25, 0, 500)
    const ema = new IncrementalEma()
    const r = rand(2)
    let n = 0
    while (n < y.length) {
      n = Math.min(y.length, n + 1 + Math.floor(r() * 2000))
      const got = ema.smooth(y.subarray(0, n), 0.9)
      const want = smoothDebiasedEma(y.subarray(0, n), 0.9)
      expect(got.length).toBe(n)
      for (const i of [...Array.from({ length: Math.ceil(n / 97) }, (_, k) => k * 97), n - 1]) {
        if (Number.isFinite(want[i]!)) expect(got[i]).toBeCloseTo(want[i]!, 9)
        else expect(Object.is(got[i], want[i])).toBe(true)
      }
    }
    // A new weight recomputes.
    const again = ema.smooth(y, 0.3)
    expect(again[y.length - 1]).toBeCloseTo(smoothDebiasedEma(y, 0.3)[y.length - 1]!, 12)
  })
})

describe('alignInto (uPlot aligned data, reused arrays)', () => {
  it('puts every part on the union of x, null elsewhere, dropping values keep() rejects', () => {
    const a = { x: Float64Array.from([0, 2, 4, 6]), y: Float64Array.from([1, NaN, 3, -1]) }
    const b = { x: Float64Array.from([1, 2, 7]), y: Float64Array.from([10, 20, 70]) }
    const out: AlignedColumns = { x: [], ys: [] }
    alignInto([a, b], (v) => Number.isFinite(v) && v > 0, out)
    expect(out.x).toEqual([0, 1, 2, 4, 6, 7])
    expect(out.ys).toEqual([
      [1, null, null, 3, null, null],
      [null, 10, 20, null, null, 70],
    ])
    // Refilled in place: the same arrays, shorter now.
    const [xs, y0] = [out.x, out.ys[0]]
    alignInto([b], Number.isFinite, out)
    expect(out.x).toBe(xs)
    expect(out.ys[0]).toBe(y0)
    expect(out.x).toEqual([1, 2, 7])
    expect(out.ys).toEqual([[10, 20, 70]])
  })
})
