import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The traces kept in the repository (see data/README.md for where they came from). */
export const IN_REPO_GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data')

/**
 * `$LRLAB_GOLDEN_DIR` when set (another trace set of the same format), else the in-repo
 * traces. A set override that names no folder is an error, so a typo cannot silently test
 * the in-repo set instead.
 */
export function goldenDir(): string {
  return resolveGoldenDir(process.env.LRLAB_GOLDEN_DIR)
}

/** goldenDir for a given value of LRLAB_GOLDEN_DIR. */
export function resolveGoldenDir(env: string | undefined): string {
  if (env === undefined || env === '') return IN_REPO_GOLDEN_DIR
  const dir = resolve(env)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`LRLAB_GOLDEN_DIR names no folder: ${dir} (unset it to use the traces in tests/golden/data)`)
  }
  return dir
}

/** Golden JSON with the strings "nan", "inf", "-inf" turned back into numbers. */
export function readGolden<T = any>(file: string): T {
  const path = join(goldenDir(), file)
  if (!existsSync(path)) throw new Error(`golden file not found: ${path}`)
  return JSON.parse(readFileSync(path, 'utf8'), (_k, v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v)) as T
}

/** Relative-or-absolute closeness, treating equal non-finite values as equal. */
export function close(actual: number, expected: number, rel: number, abs = 0): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual)
  if (!Number.isFinite(expected)) return actual === expected
  return Math.abs(actual - expected) <= abs + rel * Math.abs(expected)
}
