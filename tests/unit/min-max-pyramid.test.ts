import { describe, expect, it } from 'vitest'
import { MinMaxPyramid } from '../../electron/storage/min-max-pyramid'
import { createRng } from '../../electron/trainer/random'

/** Max, min and whether a NaN occurs among rows [a, b) of y, optionally only the rows in `only`. */
function extremes(y: Float64Array, a: number, b: number, only?: Set<number>): { min: number; max: number; nan: boolean } {
  let min = Infinity
  let max = -Infinity
  let nan = false
  for (let i = a; i < b; i++) {
    if (only && !only.has(i)) continue
    if (Number.isNaN(y[i]!)) nan = true
    else {
      min = Math.min(min, y[i]!)
      max = Math.max(max, y[i]!)
    }
  }
  return { min, max, nan }
}

describe('MinMaxPyramid', () => {
  it('marks, for every block of 2^k rows in any range, rows holding its min, its max and a NaN when it has one', () => {
    const rand = createRng(7)
    const n = 4_001
    const y = new Float64Array(n)
    for (let i = 0; i < n; i++) y[i] = rand() < 0.002 ? NaN : rand() < 0.001 ? 1e6 * rand() : rand()
    const p = new MinMaxPyramid(y)
    for (let t = 0; t < 60; t++) {
      const from = Math.floor(rand() * n)
      const to = Math.min(n, from + 1 + Math.floor(rand() * (n - from)))
      const k = Math.floor(rand() * 12)
      const marks = new Uint8Array(to - from)
      p.collect(from, to, k, marks)
      const kept = new Set<number>()
      marks.forEach((m, i) => m && kept.add(from + i))
      const size = 1 << k
      for (let s = Math.floor(from / size) * size; s < to; s += size) {
        const a = Math.max(s, from)
        const b = Math.min(s + size, to)
        expect(extremes(y, a, b, kept)).toEqual(extremes(y, a, b))
      }
      // Nothing outside the range, and no more than three rows a block.
      expect(kept.size).toBeLessThanOrEqual(3 * (Math.ceil((to - from) / size) + 1))
    }
  })

  it('handles an empty column and a column shorter than a block', () => {
    const marks = new Uint8Array(3)
    new MinMaxPyramid(new Float64Array(0)).collect(0, 0, 5, marks)
    new MinMaxPyramid(new Float64Array([3, 1, 2])).collect(0, 3, 5, marks)
    expect([...marks]).toEqual([1, 1, 0])
  })
})
