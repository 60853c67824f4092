/** One benchmark figure; ratios name the baseline measured in the same run. */
export interface Figure {
  name: string
  value: number
  unit: string
  /** What the value is a ratio of (null for absolute figures). */
  baseline: string | null
}

/** Best (smallest) time of `reps` runs of fn, in milliseconds. */
export async function bestMs(reps: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  let best = Infinity
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now()
    await fn()
    best = Math.min(best, performance.now() - t0)
  }
  return best
}
