/**
 * A config fuzzer (issue 19): ≥ 200 seeded bad configs, each either refused the way the CLI
 * refuses (a ConfigError, exit 2) with a line naming the field that was broken, or accepted on
 * purpose (ACCEPTED below says why). Nothing may crash (another exception) or hang.
 * Prints: cases / clear refusals / deliberate acceptances / crashes / hangs.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../shared/config'
import { parseRunnableConfig } from '../../shared/run-plan'

const BASES: unknown[] = [
  { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01, momentum: 0.9 }, schedule: { type: 'step', stepSize: 10, gamma: 0.5 }, epochs: 50 },
  {
    data: { kind: 'moons', n: 200 },
    model: { kind: 'mlp', hidden: [16, 16], activation: 'tanh', dropout: 0.1 },
    loss: 'crossEntropy',
    optimizer: { type: 'adam', lr: 0.01 },
    schedule: { type: 'one-cycle', maxLr: 0.1 },
    clipping: { mode: 'norm', maxNorm: 1 },
    batchSize: 32,
    epochs: 20,
  },
  {
    data: { kind: 'digits' },
    model: { kind: 'cnn', filters: 4 },
    loss: 'crossEntropy',
    optimizer: { type: 'rmsprop', lr: 0.001 },
    schedule: { type: 'warmup', warmupSteps: 2, schedule: { type: 'cosine' } },
    epochs: 5,
  },
  {
    data: { kind: 'sine', n: 100 },
    model: { kind: 'mlp', hidden: [8] },
    optimizer: { type: 'adamw', lr: 0.01 },
    schedule: { type: 'sequential', schedules: [{ type: 'constant' }, { type: 'exponential', gamma: 0.9 }], milestones: [5] },
    clipping: { mode: 'adaptive' },
    epochs: 10,
  },
  { data: { kind: 'inline', x: [[0], [1], [2], [3]], y: [1, 3, 5, 7] }, optimizer: { type: 'adagrad', lr: 0.1 }, schedule: { type: 'plateau' }, epochs: 10, validationSplit: 0.25 },
]

/** Values accepted on purpose, with why: a bad-looking value that is a real setting. */
const ACCEPTED: { path: RegExp; value: (v: unknown) => boolean; why: string }[] = [
  { path: /^batchSize$/, value: (v) => typeof v === 'number' && Number.isInteger(v) && v > 0, why: 'any batch ≥ the rows is full-batch gradient descent' },
  { path: /^divergeFactor$/, value: (v) => typeof v === 'number' && v > 1, why: 'a huge factor only means "stop on non-finite loss only"' },
  {
    path: /\.(eps|weightDecay|lrDecay|initialAccumulatorValue|momentumDecay|threshold|cooldown|patience)$/,
    value: (v) => typeof v === 'number' && v >= 0,
    why: 'PyTorch asks only ≥ 0; a huge value diverges at once, which the run reports',
  },
  { path: /\.(gamma|peakDecay|divFactor|finalDivFactor|maxNorm|clipValue|clipFactor|normType)$/, value: (v) => typeof v === 'number' && v > 0, why: 'PyTorch asks only > 0 (or ≥ 1 for normType)' },
  {
    path: /\.(stepSize|tMax|t0|tMult|totalIters|warmupSteps|decaySteps|milestones\.\d+)$/,
    value: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1,
    why: 'a long period is a valid schedule (the run-length check refuses what cannot fit)',
  },
  { path: /^name$/, value: (v) => typeof v === 'string', why: 'any name' },
  // Mutations that happen to produce a valid value of the field:
  { path: /^seed$/, value: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 31, why: 'a valid seed' },
  { path: /^data\.noise$/, value: (v) => typeof v === 'number' && v >= 0 && v <= 10, why: 'a valid noise level' },
  { path: /^data\.[xy]\./, value: (v) => typeof v === 'number' && Number.isFinite(v), why: 'any finite number is a valid data value' },
  { path: /\.(momentum|dampening|alpha|rho|beta1|beta2|dropout|startFactor|endFactor|pctStart|factor|baseMomentum|maxMomentum)$/, value: (v) => v === 0, why: "0 is inside the field's range" },
]

/** A seeded PRNG (mulberry32), so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Path = (string | number)[]
function leaves(v: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, [...path, i], out))
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) leaves(x, [...path, k], out)
  else out.push(path)
  return out
}
function objects(v: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    out.push(path)
    for (const [k, x] of Object.entries(v)) objects(x, [...path, k], out)
  }
  return out
}
const at = (root: any, path: Path): any => path.reduce((o, k) => o?.[k], root)

const BAD_VALUES: unknown[] = ['abc', null, [], {}, true, -1, -1e300, 1e300, 1.5, 0, 'NaN', '1e-3', [[[]]], 2 ** 53]

interface Case {
  label: string
  input: unknown
  field: string
}

function generate(count: number, seed: number): Case[] {
  const r = rng(seed)
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!
  const bases = BASES.map((b) => parseRunnableConfig(b)) // with every default filled: every field can break
  const cases: Case[] = []
  while (cases.length < count) {
    const base = structuredClone(pick(bases)) as any
    const kind = r()
    if (kind < 0.3) {
      // A typo in a key: two letters swapped, one dropped, or one doubled.
      const objPath = pick(objects(base))
      const obj = at(base, objPath)
      const keys = Object.keys(obj).filter((k) => k.length > 2 && !['type', 'kind', 'mode'].includes(k))
      if (!keys.length) continue
      const key = pick(keys)
      const i = 1 + Math.floor(r() * (key.length - 2))
      const typo = [key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2), key.slice(0, i) + key.slice(i + 1), key.slice(0, i) + key[i] + key.slice(i)][Math.floor(r() * 3)]!
      if (typo === key || typo in obj) continue
      obj[typo] = obj[key]
      delete obj[key]
      cases.push({ label: `typo ${[...objPath, key].join('.')} → ${typo}`, input: base, field: [...objPath, typo].join('.') })
    } else if (kind < 0.85) {
      // A bad value in a field.
      const path = pick(leaves(base))
      const value = pick(BAD_VALUES)
      const parent = at(base, path.slice(0, -1))
      parent[path.at(-1)!] = value
      cases.push({ label: `${path.join('.')} = ${JSON.stringify(value)}`, input: base, field: path.join('.') })
    } else if (kind < 0.95) {
      // An unknown variant, or a key nobody has.
      const section = pick(['data', 'model', 'optimizer', 'schedule', 'clipping'] as const)
      const disc = section === 'optimizer' || section === 'schedule' ? 'type' : section === 'clipping' ? 'mode' : 'kind'
      if (r() < 0.5) {
        base[section][disc] = pick(['bogus', '', 'SGD', 'Linear', 42])
        cases.push({ label: `${section}.${disc} unknown`, input: base, field: `${section}.${disc}` })
      } else {
        const key = pick(['__proto__', 'constructor', 'extra', 'lr2'])
        // An own key even for __proto__, as JSON.parse makes it.
        Object.defineProperty(base[section], key, { value: 1, enumerable: true, writable: true, configurable: true })
        cases.push({ label: `${section}.${key} extra key`, input: base, field: `${section}.${key}` })
      }
    } else {
      // Nesting far too deep.
      let s: unknown = { type: 'constant' }
      const depth = 9 + Math.floor(r() * 3000)
      for (let d = 1; d < depth; d++) s = { type: 'warmup', warmupSteps: 1, schedule: s }
      base.schedule = s
      cases.push({ label: `schedule nested ${depth} deep`, input: base, field: 'schedule' })
    }
  }
  return cases
}

/** The problem's path (before the first ": ") names the broken field, its parent object, or a child of it. */
function namesField(problem: string, field: string): boolean {
  const path = problem.slice(0, problem.indexOf(': '))
  return path === field || field.startsWith(`${path}.`) || path.startsWith(`${field}.`)
}

describe('config fuzzer', () => {
  it('refuses ≥ 200 generated bad configs clearly, naming the field, or accepts them on purpose', () => {
    const cases = generate(240, 19)
    const tally = { cases: cases.length, clear: 0, accepted: 0, crashes: [] as string[], hangs: [] as string[], unclear: [] as string[], unlisted: [] as string[] }
    for (const c of cases) {
      const t0 = performance.now()
      try {
        parseRunnableConfig(c.input)
        const value = at(
          c.input,
          c.field.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
        )
        if (ACCEPTED.some((a) => a.path.test(c.field) && a.value(value))) tally.accepted++
        else tally.unlisted.push(c.label)
      } catch (e) {
        if (!(e instanceof ConfigError)) tally.crashes.push(`${c.label}: ${e instanceof Error ? e.message : String(e)}`)
        else if (e.problems.some((p) => namesField(p, c.field))) tally.clear++
        else tally.unclear.push(`${c.label}: ${e.problems.join(' | ')}`)
      }
      if (performance.now() - t0 > 2000) tally.hangs.push(c.label)
    }
    console.log(
      `config fuzzer: ${tally.cases} cases, ${tally.clear} clear refusals, ${tally.accepted} deliberate acceptances, ${tally.crashes.length} crashes, ${tally.hangs.length} hangs, ${tally.unclear.length} unclear, ${tally.unlisted.length} unlisted acceptances`,
    )
    expect(tally.crashes).toEqual([])
    expect(tally.hangs).toEqual([])
    expect(tally.unclear).toEqual([])
    expect(tally.unlisted).toEqual([])
    expect(tally.clear).toBeGreaterThanOrEqual(200)
  })

  it('the CLI exits 2 naming the field for a sample of them (the same ConfigError path)', () => {
    const ROOT = resolve(__dirname, '..', '..')
    const dir = mkdtempSync(join(tmpdir(), 'lrlab-fuzz-'))
    const sample = generate(240, 19)
      .filter((c) => {
        try {
          parseRunnableConfig(c.input)
          return false
        } catch {
          return true
        }
      })
      .slice(0, 4)
    for (const c of sample) {
      const cfg = join(dir, 'c.json')
      writeFileSync(cfg, JSON.stringify(c.input))
      const r = spawnSync(process.execPath, [join(ROOT, 'out', 'main', 'cli.js'), 'train', '--config', cfg, '--data-dir', dir], { encoding: 'utf8', timeout: 120_000 })
      expect(r.status, `${c.label}: ${r.stderr}`).toBe(2)
      expect(
        r.stderr.split('\n').some((l) => namesField(l.trim(), c.field)),
        `${c.label}: ${r.stderr}`,
      ).toBe(true)
    }
  }, 300_000)
})
