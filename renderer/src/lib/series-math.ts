/** Pure series transforms for charts: smoothing, decimation, x axes. */

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

/** Index of the first x ≥ v in an ascending array (x.length when none). */
export function lowerBound(x: ArrayLike<number>, v: number): number {
  let lo = 0
  let hi = x.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (x[mid]! < v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Index of the first x > v in an ascending array (x.length when none). */
export function upperBound(x: ArrayLike<number>, v: number): number {
  let lo = 0
  let hi = x.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (x[mid]! <= v) lo = mid + 1
    else hi = mid
  }
  return lo
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
