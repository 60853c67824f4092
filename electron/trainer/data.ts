/** Datasets as dense float32 matrices, with a seeded train/validation split. */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Papa from 'papaparse'
import type { DataConfig } from '../../shared/config'
import { loadCsvDataset } from './csv-dataset'
import type { Dataset } from './dataset'
import { createRng, normal, permutation } from './random'

export type { Dataset } from './dataset'

export interface SplitDataset {
  train: Dataset
  validation: Dataset | null
}

export function loadDataset(cfg: DataConfig, seed: number): Dataset {
  switch (cfg.kind) {
    case 'linreg': {
      // The article's data: x ~ U[0, 10), y = 2x + 3 + N(0, noise²).
      const rng = createRng(seed ^ 0x5eed)
      const x = new Float32Array(cfg.n)
      const y = new Float32Array(cfg.n)
      for (let i = 0; i < cfg.n; i++) {
        x[i] = rng() * 10
        y[i] = 2 * x[i]! + 3 + cfg.noise * normal(rng)
      }
      return { x, y, rows: cfg.n, features: 1, targets: 1 }
    }
    case 'synthetic-classification': {
      const rng = createRng(seed ^ 0xc1a55)
      const x = new Float32Array(cfg.n * cfg.features)
      for (let i = 0; i < x.length; i++) x[i] = normal(rng)
      const y = new Float32Array(cfg.n)
      for (let i = 0; i < cfg.n; i++) y[i] = Math.floor(rng() * cfg.classes)
      return { x, y, rows: cfg.n, features: cfg.features, targets: 1, classes: cfg.classes }
    }
    case 'digits':
      return loadDigits()
    case 'csv':
      return loadCsvDataset(cfg)
    case 'sine':
    case 'polynomial': {
      const rng = createRng(seed ^ 0x5e1e)
      const x = new Float32Array(cfg.n)
      const y = new Float32Array(cfg.n)
      for (let i = 0; i < cfg.n; i++) {
        const v = rng() * 6 - 3
        x[i] = v
        y[i] = (cfg.kind === 'sine' ? Math.sin(v) : 0.5 * v ** 3 - v ** 2 - 2 * v + 1) + cfg.noise * normal(rng)
      }
      return { x, y, rows: cfg.n, features: 1, targets: 1 }
    }
    case 'moons':
    case 'circles':
    case 'spirals':
    case 'xor':
    case 'blobs':
      return shapes(cfg, seed)
    case 'inline': {
      const rows = cfg.x.length
      const features = cfg.x[0]!.length
      return { x: Float32Array.from(cfg.x.flat()), y: Float32Array.from(cfg.y), rows, features, targets: 1 }
    }
  }
}

function takeRows(d: Dataset, idx: ArrayLike<number>): Dataset {
  const x = new Float32Array(idx.length * d.features)
  const y = new Float32Array(idx.length * d.targets)
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r]!
    x.set(d.x.subarray(i * d.features, (i + 1) * d.features), r * d.features)
    y.set(d.y.subarray(i * d.targets, (i + 1) * d.targets), r * d.targets)
  }
  return { x, y, rows: idx.length, features: d.features, targets: d.targets, ...(d.classes !== undefined && { classes: d.classes }) }
}

/** Seeded split; with fraction 0 the whole set trains in its original order. */
export function splitDataset(d: Dataset, fraction: number, seed: number): SplitDataset {
  const nVal = Math.floor(d.rows * fraction)
  if (nVal === 0) return { train: d, validation: null }
  const perm = permutation(d.rows, createRng(seed ^ 0x5b1d))
  return { train: takeRows(d, perm.subarray(nVal)), validation: takeRows(d, perm.subarray(0, nVal)) }
}

/** The project's root: the nearest folder above this module with LR Lab's package.json (works bundled too). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && /"name":\s*"lr-lab"/.test(readFileSync(pkg, 'utf8'))) return dir
    const up = dirname(dir)
    if (up === dir) throw new Error("cannot find LR Lab's folder to load the bundled digits dataset")
    dir = up
  }
}

let digitsCache: Dataset | null = null

/** UCI optdigits (test set): 64 pixel columns p00…p77 with values 0–16, label column `digit`. */
function loadDigits(): Dataset {
  if (digitsCache) return digitsCache
  const text = readFileSync(join(projectRoot(), 'electron', 'trainer', 'datasets', 'digits.csv'), 'utf8')
  const parsed = Papa.parse<string[]>(text.trim(), { skipEmptyLines: true })
  const [header, ...rows] = parsed.data
  const label = header!.indexOf('digit')
  const pixels = header!.map((_, i) => i).filter((i) => i !== label)
  const x = new Float32Array(rows.length * pixels.length)
  const y = new Float32Array(rows.length)
  rows.forEach((r, i) => {
    pixels.forEach((c, j) => (x[i * pixels.length + j] = Number(r[c]) / 16))
    y[i] = Number(r[label])
  })
  digitsCache = { x, y, rows: rows.length, features: pixels.length, targets: 1, classes: 10 }
  return digitsCache
}

/** Two-feature classification shapes, as sklearn draws them; classes interleaved and seeded. */
function shapes(cfg: Extract<DataConfig, { kind: 'moons' | 'circles' | 'spirals' | 'xor' | 'blobs' }>, seed: number): Dataset {
  const rng = createRng(seed ^ 0x5a9e5)
  const classes = cfg.kind === 'spirals' || cfg.kind === 'blobs' ? cfg.classes : 2
  const x = new Float32Array(cfg.n * 2)
  const y = new Float32Array(cfg.n)
  const centres = Array.from({ length: classes }, () => [rng() * 20 - 10, rng() * 20 - 10] as const)
  for (let i = 0; i < cfg.n; i++) {
    const c = i % classes
    let a = 0
    let b = 0
    const t = rng()
    switch (cfg.kind) {
      case 'moons':
        a = c === 0 ? Math.cos(Math.PI * t) : 1 - Math.cos(Math.PI * t)
        b = c === 0 ? Math.sin(Math.PI * t) : 0.5 - Math.sin(Math.PI * t)
        break
      case 'circles': {
        const r = c === 0 ? 1 : cfg.factor
        a = r * Math.cos(2 * Math.PI * t)
        b = r * Math.sin(2 * Math.PI * t)
        break
      }
      case 'spirals': {
        const r = t * 5
        const angle = t * 4 + (2 * Math.PI * c) / classes
        a = r * Math.cos(angle)
        b = r * Math.sin(angle)
        break
      }
      case 'xor':
        a = rng() * 2 - 1
        b = rng() * 2 - 1
        // Label by quadrant; resample the sign of b so both classes are equally common.
        b = Math.abs(b) * (a > 0 === (c === 0) ? 1 : -1)
        break
      case 'blobs':
        a = centres[c]![0]
        b = centres[c]![1]
        break
    }
    x[i * 2] = a + cfg.noise * normal(rng)
    x[i * 2 + 1] = b + cfg.noise * normal(rng)
    y[i] = c
  }
  return { x, y, rows: cfg.n, features: 2, targets: 1, classes }
}
