/**
 * What a config a user writes may contain: strict objects whose unknown keys are refused with a
 * "did you mean" (a typo must not train silently with defaults), and the bounds on values that
 * no schema field states by itself. Files LR Lab reads back stay forward compatible through
 * parseStoredConfig (shared/config.ts), which drops unknown keys instead.
 */
import { z } from 'zod'

/**
 * The largest learning rate any field accepts. LR Lab trains in float32 (max ≈ 3.4e38): an lr of
 * 1e300 is Infinity there and every update is NaN at once. PyTorch only asks lr ≥ 0; above 1e6 no
 * optimizer here takes a step that is not an overflow on data of ordinary scale, and the range
 * test sweeps far below it, so a bigger value is a typo (an exponent's sign, say).
 */
export const MAX_LR = 1e6

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment), for suggestions only. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  return d[a.length]![b.length]!
}

/** The known key closest to `key`, when it is close enough to be a typo of it. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k)
    if (d < bestD) [best, bestD] = [k, d]
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined
}

/** `nosie (did you mean "noise"?)`, or just the key when nothing is close. */
export function unknownKeyText(key: string, known: readonly string[]): string {
  const near = closestKey(key, known)
  return near ? `${key} (did you mean "${near}"?)` : key
}

/**
 * z.strictObject whose unknown keys are reported as `unknown field(s) for <what>: key (did you
 * mean "…"?)`. formatIssues puts the key itself into the path when there is one.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(what: string, shape: T) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s) for ${what}: ${issue.keys.map((k) => unknownKeyText(k, Object.keys(shape))).join(', ')}` : undefined),
  })
}
