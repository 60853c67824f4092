/** Proposed for tests/unit/ (renderer chart math: TensorBoard smoothing, min/max decimation, fractional epochs). */
import { describe, expect, it } from 'vitest'
import { decimateMinMax, fractionalEpochs, smoothDebiasedEma } from '../../renderer/src/lib/series-math'

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
