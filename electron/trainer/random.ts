/** Seeded pseudo-random numbers: one generator for the trainer and the sweep sampler. */
import { createRng } from '../../shared/random'
export { createRng }

/** Standard normal by Box–Muller. */
export function normal(rng: () => number): number {
  const u = 1 - rng()
  const v = rng()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** Fisher–Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: () => number): Int32Array {
  const p = new Int32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    const t = p[i]!
    p[i] = p[j]!
    p[j] = t
  }
  return p
}
