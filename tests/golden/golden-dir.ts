import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** `$LRLAB_GOLDEN_DIR` when set, else `../shared/golden` beside the repository. */
export function goldenDir(): string {
  const env = process.env.LRLAB_GOLDEN_DIR
  if (env) return resolve(env)
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  return join(repo, '..', 'shared', 'golden')
}

/** Golden JSON with the strings "nan", "inf", "-inf" turned back into numbers. */
export function readGolden<T = any>(file: string): T {
  const path = join(goldenDir(), file)
  if (!existsSync(path)) throw new Error(`golden file not found: ${path} (set LRLAB_GOLDEN_DIR)`)
  return JSON.parse(readFileSync(path, 'utf8'), (_k, v) =>
    v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v,
  ) as T
}

/** Relative-or-absolute closeness, treating equal non-finite values as equal. */
export function close(actual: number, expected: number, rel: number, abs = 0): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual)
  if (!Number.isFinite(expected)) return actual === expected
  return Math.abs(actual - expected) <= abs + rel * Math.abs(expected)
}
