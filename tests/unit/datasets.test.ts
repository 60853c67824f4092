import { describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../shared/config'
import { loadDataset, splitDataset } from '../../electron/trainer/data'

const kinds = [
  ['linreg', 100, 1, undefined],
  ['sine', 200, 1, undefined],
  ['polynomial', 200, 1, undefined],
  ['moons', 400, 2, 2],
  ['circles', 400, 2, 2],
  ['spirals', 600, 2, 3],
  ['xor', 400, 2, 2],
  ['blobs', 400, 2, 3],
  ['digits', 1797, 64, 10],
] as const

const dataOf = (kind: string) => parseRunConfig({ data: { kind }, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 }).data

describe('built-in datasets', () => {
  it.each(kinds)('%s has %i rows of %i features (classes: %s), balanced and finite', (kind, rows, features, classes) => {
    const d = loadDataset(dataOf(kind), 0)
    expect([d.rows, d.features, d.classes]).toEqual([rows, features, classes])
    expect(d.x.length).toBe(rows * features)
    expect(d.x.every(Number.isFinite) && d.y.every(Number.isFinite)).toBe(true)
    if (classes) {
      const counts = new Array(classes).fill(0)
      d.y.forEach((c) => counts[c]++)
      // Every class present; the synthetic ones exactly balanced.
      expect(Math.min(...counts)).toBeGreaterThan(kind === 'digits' ? 150 : Math.floor(rows / classes) - 1)
    }
  })

  it.each(kinds.filter(([k]) => k !== 'digits'))('%s: the same seed gives the same data, another seed other data', (kind) => {
    const a = loadDataset(dataOf(kind), 7)
    const b = loadDataset(dataOf(kind), 7)
    const c = loadDataset(dataOf(kind), 8)
    expect(Array.from(a.x)).toEqual(Array.from(b.x))
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x))
  })

  it("size and noise are the config's: without noise the points lie exactly on their shapes", () => {
    const load = (data: Record<string, unknown>) => loadDataset(parseRunConfig({ data, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 }).data, 0)
    const sine = load({ kind: 'sine', n: 37, noise: 0 })
    expect(sine.rows).toBe(37)
    sine.x.forEach((x, i) => expect(sine.y[i]).toBeCloseTo(Math.sin(x), 6))
    const circles = load({ kind: 'circles', n: 50, noise: 0, factor: 0.3 })
    for (let i = 0; i < 50; i++) expect(Math.hypot(circles.x[2 * i]!, circles.x[2 * i + 1]!)).toBeCloseTo(circles.y[i] === 0 ? 1 : 0.3, 5)
    const moons = load({ kind: 'moons', n: 40, noise: 0 })
    for (let i = 0; i < 40; i++) {
      const [a, b] = [moons.x[2 * i]!, moons.x[2 * i + 1]!]
      expect(moons.y[i] === 0 ? Math.hypot(a, b) : Math.hypot(a - 1, b - 0.5)).toBeCloseTo(1, 5)
    }
    // More noise, more spread around the same blob centres.
    const spread = (noise: number) => {
      const d = load({ kind: 'blobs', n: 300, classes: 3, noise })
      const zero = Array.from({ length: 100 }, (_, k) => d.x[2 * (3 * k)]!)
      const mean = zero.reduce((p, v) => p + v, 0) / zero.length
      return Math.sqrt(zero.reduce((p, v) => p + (v - mean) ** 2, 0) / zero.length)
    }
    expect(spread(2) / spread(0.5)).toBeGreaterThan(3)
  })

  it('digits pixels are scaled to [0, 1] and match the CSV', () => {
    const d = loadDataset(dataOf('digits'), 0)
    expect(Math.max(...d.x)).toBe(1)
    expect(Math.min(...d.x)).toBe(0)
    expect(Array.from(d.x.subarray(0, 8)).map((v) => v * 16)).toEqual([0, 0, 5, 13, 9, 1, 0, 0])
  })

  it('the validation split is seeded, disjoint and of the asked size', () => {
    const d = loadDataset(dataOf('moons'), 0)
    const s1 = splitDataset(d, 0.25, 3)
    const s2 = splitDataset(d, 0.25, 3)
    expect(s1.validation!.rows).toBe(100)
    expect(s1.train.rows).toBe(300)
    expect(Array.from(s1.validation!.x)).toEqual(Array.from(s2.validation!.x))
    expect(Array.from(splitDataset(d, 0.25, 4).validation!.x)).not.toEqual(Array.from(s1.validation!.x))
  })
})
