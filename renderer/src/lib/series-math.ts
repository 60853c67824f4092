/** Pure series transforms for charts: smoothing, decimation, x axes. */
import { lowerBound, upperBound } from '../../../shared/sorted-search'

/**
 * TensorBoard's debiased EMA (classicSmoothing): NaN/Inf pass through without advancing
 * the debias count; a constant series is returned unchanged.
 */
export function smoothDebiasedEma(y: ArrayLike<number>, weight: number): Float64Array {
  const w = Math.min(1, Math.max(0, weight))
  const out = new Float64Array(y.length)
  let last = 0
  let n = 0
  let first: number | null = null
  let constant = true
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!
    if (!Number.isFinite(v)) {
      out[i] = v
      continue
    }
    if (first === null) first = v
    else if (v !== first) constant = false
    last = last * w + (1 - w) * v
    n++
    out[i] = w === 1 ? last : last / (1 - Math.pow(w, n))
  }
  if (constant) for (let i = 0; i < y.length; i++) out[i] = y[i]!
  return out
}

export interface XY {
  x: Float64Array
  y: Float64Array
}

/**
 * Per-pixel min/max decimation: the points of [xMin, xMax] (plus one neighbour each side,
 * so lines reach the edges) split into `buckets` equal x intervals; each bucket keeps its
 * min and max in their original order, so spikes survive at any zoom.
 * Returns views of the input when it already fits.
 */
export function decimateMinMax(x: Float64Array, y: Float64Array, xMin: number, xMax: number, buckets: number): XY {
  const from = Math.max(0, lowerBound(x, xMin) - 1)
  const to = Math.min(x.length, upperBound(x, xMax) + 1)
  const count = to - from
  if (count <= 2 * buckets || buckets < 1 || !(xMax > xMin)) return { x: x.subarray(from, to), y: y.subarray(from, to) }
  const ox = new Float64Array(2 * buckets + 4)
  const oy = new Float64Array(2 * buckets + 4)
  let k = 0
  const span = xMax - xMin
  let i = from
  while (i < to) {
    const b = Math.min(buckets - 1, Math.max(0, Math.floor(((x[i]! - xMin) / span) * buckets)))
    let minI = -1
    let maxI = -1
    let nanI = -1
    let j = i
    for (; j < to; j++) {
      const bj = Math.min(buckets - 1, Math.max(0, Math.floor(((x[j]! - xMin) / span) * buckets)))
      if (bj !== b) break
      const v = y[j]!
      if (Number.isNaN(v)) {
        if (nanI < 0) nanI = j
        continue
      }
      if (minI < 0 || v < y[minI]!) minI = j
      if (maxI < 0 || v > y[maxI]!) maxI = j
    }
    const keep = [minI, maxI, nanI].filter((v, idx, arr) => v >= 0 && arr.indexOf(v) === idx).sort((a, c) => a - c)
    if (keep.length === 0) keep.push(i)
    for (const idx of keep) {
      if (k >= ox.length) break
      ox[k] = x[idx]!
      oy[k] = y[idx]!
      k++
    }
    i = j
  }
  return { x: ox.subarray(0, k), y: oy.subarray(0, k) }
}

// One definition, shared with the service (which computes a view's epoch x from the whole run).
export { fractionalEpochs } from '../../../shared/run-view'

/**
 * smoothDebiasedEma for a series that only grows (a live run): keeps the running state and
 * smooths only the new points. Same values as smoothDebiasedEma (up to rounding); starts
 * over when the weight changes or the series is not an extension of the last one.
 */
export class IncrementalEma {
  private out = new Float64Array(0)
  private n = 0
  private weight = NaN
  private last = 0
  private count = 0
  private wPow = 1
  private first: number | null = null
  private constant = true
  private source: ArrayLike<number> | null = null

  smooth(y: Float64Array, weight: number): Float64Array {
    const w = Math.min(1, Math.max(0, weight))
    const extends_ = w === this.weight && y.length >= this.n && (this.n === 0 || y[this.n - 1] === this.source?.[this.n - 1] || Object.is(y[this.n - 1], this.source?.[this.n - 1]))
    if (!extends_) this.reset(w)
    if (this.out.length < y.length) {
      const grown = new Float64Array(Math.max(y.length, this.out.length * 2, 1024))
      grown.set(this.out.subarray(0, this.n))
      this.out = grown
    }
    const wasConstant = this.constant
    for (let i = this.n; i < y.length; i++) {
      const v = y[i]!
      if (!Number.isFinite(v)) {
        this.out[i] = v
        continue
      }
      if (this.first === null) this.first = v
      else if (v !== this.first) this.constant = false
      this.last = this.last * w + (1 - w) * v
      this.count++
      this.wPow *= w
      this.out[i] = w === 1 ? this.last : this.last / (1 - this.wPow)
    }
    this.n = y.length
    this.source = y
    // A constant series is returned unchanged (TensorBoard); when it stops being constant, recompute exactly.
    if (this.constant) {
      this.out.set(y.subarray(0, this.n))
    } else if (wasConstant && this.n > 0) {
      this.out.set(smoothDebiasedEma(y, w).subarray(0, this.n))
    }
    return this.out.subarray(0, this.n)
  }

  private reset(w: number): void {
    this.n = 0
    this.weight = w
    this.last = 0
    this.count = 0
    this.wPow = 1
    this.first = null
    this.constant = true
  }
}

/**
 * decimateMinMax over a growing series' whole extent (a live, unzoomed chart), kept up to
 * date instead of recomputed: only the points added since the last call are visited.
 * Buckets are a power of two wide in x and anchored at the extent's start, with between
 * `pixels` and 2·`pixels` of them (each at most one pixel); when the extent outgrows them,
 * neighbouring buckets merge exactly (min of mins, max of maxes), since a bucket of twice
 * the width is precisely the union of two. Each bucket keeps its min, max and first NaN in
 * their original order, as decimateMinMax does. Starts over when the pixel count, the
 * extent's start or the already-seen points change. Returned arrays are reused (valid until
 * the next call).
 */
export class LiveMinMax {
  private origin = NaN
  private width = NaN
  private pixels = 0
  private buckets = 0
  private minI = new Int32Array(0)
  private maxI = new Int32Array(0)
  private nanI = new Int32Array(0)
  private seen = 0
  private lastX = NaN
  private lastY = NaN
  private ox = new Float64Array(0)
  private oy = new Float64Array(0)

  /** x per bucket (NaN before there are two distinct x). */
  get bucketWidth(): number {
    return this.width
  }

  decimate(x: Float64Array, y: Float64Array, xMin: number, pixels: number): XY {
    const n = x.length
    const intact = pixels === this.pixels && xMin === this.origin && n >= this.seen && (this.seen === 0 || (Object.is(x[this.seen - 1], this.lastX) && Object.is(y[this.seen - 1], this.lastY)))
    if (!intact) this.reset(xMin, pixels)
    this.y = y
    if (n === 0) return { x, y }
    const span = x[n - 1]! - xMin
    if (span > 0) {
      // The narrowest power of two that fits the extent in 2·pixels buckets.
      const needed = Math.pow(2, Math.ceil(Math.log2(span / (2 * pixels))))
      if (Number.isNaN(this.width)) this.width = needed
      else if (needed > this.width) this.merge(needed / this.width)
      for (let i = this.seen; i < n; i++) this.add(i, y[i]!, Math.max(0, Math.floor((x[i]! - xMin) / this.width)))
      this.seen = n
      this.lastX = x[n - 1]!
      this.lastY = y[n - 1]!
    }
    // Few enough points to draw them all (also while every x is still the same).
    if (n <= 4 * pixels || this.seen < n) return { x, y }
    return this.emit(x, y)
  }

  private reset(origin: number, pixels: number): void {
    this.origin = origin
    this.pixels = pixels
    this.width = NaN
    this.buckets = 0
    this.seen = 0
    this.lastX = NaN
    this.lastY = NaN
    const cap = 2 * pixels + 4
    if (this.minI.length < cap) {
      this.minI = new Int32Array(cap)
      this.maxI = new Int32Array(cap)
      this.nanI = new Int32Array(cap)
      this.ox = new Float64Array(3 * cap)
      this.oy = new Float64Array(3 * cap)
    }
  }

  private add(i: number, v: number, b: number): void {
    while (this.buckets <= b) {
      this.minI[this.buckets] = -1
      this.maxI[this.buckets] = -1
      this.nanI[this.buckets] = -1
      this.buckets++
    }
    if (Number.isNaN(v)) {
      if (this.nanI[b]! < 0) this.nanI[b] = i
      return
    }
    // Strict comparisons keep the earliest of equal values, as a rescan would.
    const lo = this.minI[b]!
    const hi = this.maxI[b]!
    if (lo < 0 || v < this.yAt(lo)) this.minI[b] = i
    if (hi < 0 || v > this.yAt(hi)) this.maxI[b] = i
  }

  // The y column being folded in (set at the start of each decimate call).
  private y: Float64Array = new Float64Array(0)
  private yAt(i: number): number {
    return this.y[i]!
  }

  /** Widen buckets by `factor` (a power of two): bucket j absorbs factor·j … factor·j + factor − 1. */
  private merge(factor: number): void {
    const merged = Math.floor((this.buckets - 1) / factor) + 1
    for (let j = 0; j < merged; j++) {
      let lo = -1
      let hi = -1
      let nan = -1
      for (let b = j * factor; b < Math.min(this.buckets, (j + 1) * factor); b++) {
        const bl = this.minI[b]!
        const bh = this.maxI[b]!
        const bn = this.nanI[b]!
        if (bl >= 0 && (lo < 0 || this.yAt(bl) < this.yAt(lo))) lo = bl
        if (bh >= 0 && (hi < 0 || this.yAt(bh) > this.yAt(hi))) hi = bh
        if (bn >= 0 && nan < 0) nan = bn
      }
      this.minI[j] = lo
      this.maxI[j] = hi
      this.nanI[j] = nan
    }
    this.buckets = merged
    this.width *= factor
  }

  private emit(x: Float64Array, y: Float64Array): XY {
    const ox = this.ox
    const oy = this.oy
    let k = 0
    for (let b = 0; b < this.buckets; b++) {
      // min and max are both set or both unset; the NaN index differs from both. Emit ascending.
      const a = this.minI[b]!
      const c = this.maxI[b]!
      const d = this.nanI[b]!
      const p = a < c ? a : c
      const q = a < c ? c : a
      if (d >= 0 && (p < 0 || d < p)) {
        ox[k] = x[d]!
        oy[k++] = y[d]!
      }
      if (p < 0) continue
      ox[k] = x[p]!
      oy[k++] = y[p]!
      if (d > p && d < q) {
        ox[k] = x[d]!
        oy[k++] = y[d]!
      }
      if (q !== p) {
        ox[k] = x[q]!
        oy[k++] = y[q]!
      }
      if (d > q) {
        ox[k] = x[d]!
        oy[k++] = y[d]!
      }
    }
    return { x: ox.subarray(0, k), y: oy.subarray(0, k) }
  }
}

/** uPlot's aligned data built in place: one x column and a y column per part. */
export interface AlignedColumns {
  x: number[]
  ys: (number | null)[][]
}

/**
 * Merges series with their own ascending x into one x column (uPlot's aligned data), each
 * part null where it has no point, into `out`'s arrays (reused from frame to frame instead
 * of reallocated). `keep` filters y values (non-finite, or ≤ 0 on a log scale, become null).
 */
export function alignInto(parts: XY[], keep: (v: number) => boolean, out: AlignedColumns): void {
  const k = parts.length
  while (out.ys.length < k) out.ys.push([])
  out.ys.length = k
  const heads = new Array<number>(k).fill(0)
  let rows = 0
  for (;;) {
    let xNext = Infinity
    for (let p = 0; p < k; p++) {
      const h = heads[p]!
      if (h < parts[p]!.x.length && parts[p]!.x[h]! < xNext) xNext = parts[p]!.x[h]!
    }
    if (xNext === Infinity) break
    out.x[rows] = xNext
    for (let p = 0; p < k; p++) {
      const part = parts[p]!
      const h = heads[p]!
      if (h < part.x.length && part.x[h] === xNext) {
        const v = part.y[h]!
        out.ys[p]![rows] = keep(v) ? v : null
        heads[p] = h + 1
      } else out.ys[p]![rows] = null
    }
    rows++
  }
  out.x.length = rows
  for (const y of out.ys) y.length = rows
}
