/**
 * A level-of-detail pyramid of one metric column: for blocks of 2^k consecutive rows (k from
 * BASE_LOG up to one block for the whole column), the rows holding the block's min, its max
 * and its first NaN. Built once in O(rows); afterwards the rows a plot of any range needs
 * (each column's extremes per pixel) come out in O(pixels), whatever the run's length.
 */

/** Finest stored level: blocks of 16 rows (a finer request scans the rows themselves). */
export const BASE_LOG = 4

interface Level {
  min: Int32Array
  max: Int32Array
  nan: Int32Array
}

export class MinMaxPyramid {
  private readonly levels: Level[] = []

  constructor(private readonly y: Float64Array) {
    const n = y.length
    if (n === 0) return
    const size = 1 << BASE_LOG
    const blocks = Math.ceil(n / size)
    const base: Level = { min: new Int32Array(blocks), max: new Int32Array(blocks), nan: new Int32Array(blocks) }
    for (let b = 0; b < blocks; b++) scan(y, b * size, Math.min(n, (b + 1) * size), base, b)
    this.levels.push(base)
    // Each coarser level merges pairs of the finer one: the min of two blocks is the min of their mins.
    for (let prev = base; prev.min.length > 1;) {
      const m = Math.ceil(prev.min.length / 2)
      const next: Level = { min: new Int32Array(m), max: new Int32Array(m), nan: new Int32Array(m) }
      for (let j = 0; j < m; j++) {
        const a = 2 * j
        const c = a + 1 < prev.min.length ? a + 1 : -1
        next.min[j] = c < 0 ? prev.min[a]! : pick(y, prev.min[a]!, prev.min[c]!, true)
        next.max[j] = c < 0 ? prev.max[a]! : pick(y, prev.max[a]!, prev.max[c]!, false)
        next.nan[j] = prev.nan[a]! >= 0 || c < 0 ? prev.nan[a]! : prev.nan[c]!
      }
      this.levels.push(next)
      prev = next
    }
  }

  /** Bytes held besides the column itself. */
  get bytes(): number {
    return this.levels.reduce((s, l) => s + 3 * l.min.byteLength, 0)
  }

  /**
   * Marks in `marks` (indexed from `from`) the rows holding the min, max and first NaN of each
   * block of 2^k rows within [from, to). Blocks cut by the range's ends are scanned row by row,
   * so nothing outside the range is marked.
   */
  collect(from: number, to: number, k: number, marks: Uint8Array): void {
    const y = this.y
    to = Math.min(to, y.length)
    if (to <= from) return
    const j = Math.min(Math.max(0, k - BASE_LOG), this.levels.length - 1)
    const stored = this.levels.length > 0 && k >= BASE_LOG
    const size = stored ? 1 << (BASE_LOG + j) : 1 << Math.max(0, k)
    const level = this.levels[j]
    const tmp: Level = { min: new Int32Array(1), max: new Int32Array(1), nan: new Int32Array(1) }
    const mark = (i: number) => {
      if (i >= 0) marks[i - from] = 1
    }
    for (let b = Math.floor(from / size); b * size < to; b++) {
      const start = b * size
      const end = Math.min(y.length, start + size)
      if (stored && level && start >= from && end <= to) {
        mark(level.min[b]!)
        mark(level.max[b]!)
        mark(level.nan[b]!)
      } else {
        scan(y, Math.max(start, from), Math.min(end, to), tmp, 0)
        mark(tmp.min[0]!)
        mark(tmp.max[0]!)
        mark(tmp.nan[0]!)
      }
    }
  }
}

/** Min, max and first NaN of rows [a, b) into slot `at` of `out` (-1 for none). Ties keep the earliest row. */
function scan(y: Float64Array, a: number, b: number, out: Level, at: number): void {
  let lo = -1
  let hi = -1
  let nan = -1
  let vlo = Infinity
  let vhi = -Infinity
  for (let i = a; i < b; i++) {
    const v = y[i]!
    if (v !== v) {
      if (nan < 0) nan = i
      continue
    }
    if (lo < 0 || v < vlo) {
      lo = i
      vlo = v
    }
    if (hi < 0 || v > vhi) {
      hi = i
      vhi = v
    }
  }
  out.min[at] = lo
  out.max[at] = hi
  out.nan[at] = nan
}

function pick(y: Float64Array, a: number, c: number, min: boolean): number {
  if (a < 0) return c
  if (c < 0) return a
  return (min ? y[c]! < y[a]! : y[c]! > y[a]!) ? c : a
}
