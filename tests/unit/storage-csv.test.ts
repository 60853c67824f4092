import { describe, expect, it } from 'vitest'
import Papa from 'papaparse'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tableFromIPC } from 'apache-arrow'
import { formatNumber } from '../../electron/storage/number-format'
import { encodeRecordBatch, encodeSchemaMessage, END_OF_STREAM, readArrowColumns } from '../../electron/storage/arrow-file'
import { csvField, exportComparisonCsv, exportRunCsv, writeRunCsv } from '../../electron/storage/csv'
import { parseRunConfig } from '../../shared/config'
import type { LoadedRun } from '../../shared/api'
import { emptySummary, type RunManifest } from '../../shared/run'
import { writeFileSync } from 'node:fs'

/** Seeded PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** CSV text field → number the way pandas reads it (empty = NaN). */
const cell = (s: string | undefined): number => (s === undefined || s === '' ? NaN : Number(s))

function manifest(over: Partial<RunManifest> = {}): RunManifest {
  return {
    formatVersion: 1,
    id: '20260101-000000-abcd',
    name: 'run',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    status: 'finished',
    config: parseRunConfig({
      data: { kind: 'linreg' },
      optimizer: { type: 'sgd', lr: 0.01, momentum: 0.9 },
      schedule: { type: 'exponential', gamma: 0.95, stepUnit: 'epoch' },
      epochs: 10,
      batchSize: 16,
      seed: 7,
    }),
    backend: { name: 'cpu', requested: 'auto', fallbackReasons: [] },
    versions: { lrlab: '0', tfjs: '0', node: '20' },
    summary: { ...emptySummary(), steps: 50, bestValLoss: 0.25, finalValLoss: 0.3, bestValEpoch: 4, durationSec: 1.5 },
    tags: ['a', 'b'],
    notes: '',
    ...over,
  }
}

function run(steps: Record<string, number[]>, epochs: Record<string, number[]> = {}): LoadedRun {
  const cols = (o: Record<string, number[]>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Float64Array.from(v)]))
  return { manifest: manifest(), steps: cols(steps), epochs: cols(epochs), events: [], damage: [] }
}

describe('number formatting', () => {
  it('reads back to the identical double for random bit patterns, float32 values and all magnitudes', () => {
    const rand = rng(1)
    const f64 = new Float64Array(1)
    const u32 = new Uint32Array(f64.buffer)
    const bad: string[] = []
    const check = (x: number) => {
      const s = formatNumber(x)
      if (!Object.is(Number(s), x) && !(x === 0 && Number(s) === 0) && !(Number.isNaN(x) && s === '')) bad.push(`${x} → ${s}`)
    }
    for (let i = 0; i < 200_000; i++) {
      u32[0] = (rand() * 2 ** 32) >>> 0
      u32[1] = (rand() * 2 ** 32) >>> 0
      check(f64[0]!)
      check(Math.fround(rand() * 10 ** (rand() * 40 - 20)))
      check(Math.round(rand() * 1e6) / 10 ** Math.floor(rand() * 12))
    }
    for (const x of [0, -0, 1, -1, 0.1, 0.2, 0.3, 1 / 3, 2 ** 53, 2 ** 53 + 2, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.MIN_VALUE, -1.5e-300]) check(x)
    expect(bad.slice(0, 10)).toEqual([])
  })

  it('writes short values exactly as JS String does, NaN as empty and infinities as Infinity', () => {
    for (const x of [0.1, 0.5, 1e-7, 1.5e-8, 1e21, 2.5e22, 123.456, -0.001, 0.000001, 1e-6, 42, -3, 0.30000000000000004]) {
      expect(formatNumber(x)).toBe(String(x))
    }
    expect(formatNumber(NaN)).toBe('')
    expect(formatNumber(Infinity)).toBe('Infinity')
    expect(formatNumber(-Infinity)).toBe('-Infinity')
  })
})

describe('Arrow metrics file', () => {
  it('is a standard Arrow IPC stream that apache-arrow reads, and our reader returns the same columns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lrlab-arrow-'))
    try {
      const file = join(dir, 'steps.arrow')
      const names = ['step', 'loss']
      const a = { step: Float64Array.from([0, 1, 2]), loss: Float64Array.from([NaN, Infinity, -0.5]) }
      const b = { step: Float64Array.from([3, 4]) } // loss missing → NaN
      writeFileSync(file, Buffer.concat([encodeSchemaMessage(names), encodeRecordBatch(names, [a], 0, 3), encodeRecordBatch(names, [b], 0, 2), END_OF_STREAM]))
      const table = tableFromIPC(readFileSync(file))
      expect(table.numRows).toBe(5)
      expect(Array.from(table.getChild('step')!.toArray() as Float64Array)).toEqual([0, 1, 2, 3, 4])
      const ours = readArrowColumns(file, 'steps.arrow', names)
      expect(ours.damage).toEqual([])
      expect(Array.from(ours.columns.step!)).toEqual([0, 1, 2, 3, 4])
      expect(Array.from(ours.columns.loss!)).toEqual([NaN, Infinity, -0.5, NaN, NaN])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('run CSV', () => {
  const rand = rng(2)
  const n = 2000
  const steps = {
    step: Array.from({ length: n }, (_, i) => i),
    epoch: Array.from({ length: n }, (_, i) => Math.floor(i / 100)),
    lr: Array.from({ length: n }, (_, i) => 0.1 * 0.99 ** i),
    loss: Array.from({ length: n }, (_, i) => (i === 5 ? NaN : i === 6 ? Infinity : Math.fround(rand() * 10))),
    grad_norm: Array.from({ length: n }, () => rand() * 1e-9),
  }
  const epochs = { epoch: [0, 1], step: [99, 199], loss: [1.25, 0.5], val_loss: [NaN, 0.75] }

  it('wide step CSV reads back (papaparse) to the same numbers, one row per step', () => {
    const csv = exportRunCsv(run(steps, epochs), { level: 'step', format: 'wide' })
    expect(csv.endsWith('\n')).toBe(true)
    expect(csv.includes('\r')).toBe(false)
    const parsed = Papa.parse<Record<string, string>>(csv.trimEnd(), { header: true })
    expect(parsed.errors).toEqual([])
    expect(parsed.meta.fields).toEqual(['step', 'epoch', 'lr', 'loss', 'grad_norm'])
    expect(parsed.data.length).toBe(n)
    for (const [name, values] of Object.entries(steps)) {
      parsed.data.forEach((row, i) => {
        if (!Object.is(cell(row[name]), values[i]!)) throw new Error(`${name}[${i}]: ${row[name]} vs ${values[i]}`)
      })
    }
  })

  it('long step CSV has one row per measured value and reads back to the same numbers', () => {
    const csv = exportRunCsv(run(steps, epochs), { level: 'step', format: 'long' })
    const parsed = Papa.parse<Record<string, string>>(csv.trimEnd(), { header: true })
    expect(parsed.errors).toEqual([])
    expect(parsed.meta.fields).toEqual(['step', 'epoch', 'metric', 'value'])
    expect(parsed.data.length).toBe(n * 3 - 1) // lr, loss, grad_norm per step; the NaN loss is left out
    const got = new Map(parsed.data.map((r) => [`${r.step}/${r.metric}`, r]))
    for (const metric of ['lr', 'loss', 'grad_norm'] as const) {
      steps[metric].forEach((v, i) => {
        const row = got.get(`${i}/${metric}`)
        if (Number.isNaN(v)) return expect(row).toBeUndefined()
        expect(cell(row!.value)).toBe(v)
        expect(cell(row!.epoch)).toBe(steps.epoch[i])
      })
    }
  })

  it('epoch-level exports use the epoch series', () => {
    const wide = Papa.parse<Record<string, string>>(exportRunCsv(run(steps, epochs), { level: 'epoch', format: 'wide' }).trimEnd(), { header: true })
    expect(wide.data).toEqual([
      { epoch: '0', step: '99', loss: '1.25', val_loss: '' },
      { epoch: '1', step: '199', loss: '0.5', val_loss: '0.75' },
    ])
    const long = exportRunCsv(run(steps, epochs), { level: 'epoch', format: 'long' })
    expect(long).toBe('step,epoch,metric,value\n99,0,loss,1.25\n199,1,loss,0.5\n199,1,val_loss,0.75\n')
  })

  it('writeRunCsv writes the same bytes as exportRunCsv', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lrlab-csv-'))
    try {
      const r = run(steps, epochs)
      writeRunCsv(r, { level: 'step', format: 'wide' }, join(dir, 'a.csv'))
      expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe(exportRunCsv(r, { level: 'step', format: 'wide' }))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('quotes fields with commas, quotes and newlines', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('cr\rhere')).toBe('"cr\rhere"')
  })
})

describe('comparison CSV', () => {
  it('has one row per run with config and summary, and names survive quoting', () => {
    const tricky = 'lr 0.1, "warm", \nrestart ✓'
    const runs = [manifest(), manifest({ id: '20260101-000001-beef', name: tricky, status: 'diverged', summary: { ...emptySummary(), divergedAtStep: 17 } })]
    const csv = exportComparisonCsv(runs)
    const parsed = Papa.parse<Record<string, string>>(csv.trimEnd(), { header: true })
    expect(parsed.errors).toEqual([])
    expect(parsed.data.length).toBe(2)
    const [a, b] = parsed.data as [Record<string, string>, Record<string, string>]
    expect(a.id).toBe('20260101-000000-abcd')
    expect(a.optimizer).toBe('sgd')
    expect(Number(a.lr)).toBe(0.01)
    expect(JSON.parse(a.optimizer_params!)).toMatchObject({ momentum: 0.9 })
    expect(a.schedule).toBe('exponential')
    expect(JSON.parse(a.schedule_params!)).toEqual({ stepUnit: 'epoch', gamma: 0.95 })
    expect(a.clipping).toBe('none')
    expect(a.batch_size).toBe('16')
    expect(a.seed).toBe('7')
    expect(a.epochs).toBe('10')
    expect(a.best_val_loss).toBe('0.25')
    expect(a.best_val_epoch).toBe('4')
    expect(a.diverged_at_step).toBe('')
    expect(a.duration_sec).toBe('1.5')
    expect(a.tags).toBe('a;b')
    expect(b.name).toBe(tricky)
    expect(b.status).toBe('diverged')
    expect(b.diverged_at_step).toBe('17')
    // LoadedRun[] gives the same text as RunManifest[]
    expect(exportComparisonCsv(runs.map((m) => ({ ...run({}), manifest: m })))).toBe(csv)
  })
})
