/**
 * One schema per saved shape (shared/run.ts): a whole manifest written and read back keeps
 * every field (summary.valMetricName and backend.tuning were dropped by hand-kept copies),
 * fields a newer LR Lab adds survive reading and an edit, and events.jsonl accepts every
 * event kind the trainer writes (a CSV-trained run's `data` and `warning` read as damage).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RunStore, MANIFEST_FILE, EVENTS_FILE } from '../../electron/storage'
import { readManifest, writeManifest } from '../../electron/storage/manifest'
import { encodeEvent, readEvents } from '../../electron/storage/events'
import { parseRunConfig } from '../../shared/config'
import { EVENT_KINDS, RunManifestSchema, RunSummarySchema, type RunManifest } from '../../shared/run'

const dirs: string[] = []
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lrlab-manifest-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A manifest with every field the schema knows set to a value other than its default. */
function fullManifest(id: string): RunManifest {
  return {
    formatVersion: 1,
    id,
    name: 'every field',
    createdAt: '2026-12-02T10:00:00.000Z',
    updatedAt: '2026-12-02T10:05:00.000Z',
    status: 'finished',
    config: parseRunConfig({ name: 'cfg', data: { kind: 'digits' }, model: { kind: 'mlp', hidden: [8] }, loss: 'crossEntropy', optimizer: { type: 'nadam', lr: 0.01, foreach: true }, epochs: 2 }),
    backend: { name: 'wasm', requested: 'auto', fallbackReasons: ['tensorflow: not installed'], tuning: ['BatchMatMul: SIMD GEMM'] },
    versions: { lrlab: '0.1.0', tfjs: '4.22.0', node: '20.20.0' },
    summary: {
      steps: 46,
      epochs: 2,
      finalLoss: 0.5,
      bestLoss: 0.4,
      finalValLoss: 0.6,
      bestValLoss: 0.55,
      bestValEpoch: 1,
      finalValMetric: 0.83,
      valMetricName: 'accuracy',
      divergedAtStep: null,
      divergedAtEpoch: null,
      durationSec: 3.5,
      error: 'none really',
    },
    tags: ['a', 'b'],
    notes: 'notes',
    writerPid: 1234,
    writerHost: 'host',
    writerStart: '123456',
    stepColumns: ['step', 'epoch', 'lr', 'loss'],
    epochColumns: ['epoch', 'step', 'loss', 'val_loss'],
  }
}

describe('manifest.json round trip', () => {
  it('keeps every field of a whole manifest, valMetricName and tuning included', () => {
    const dir = tempDir()
    const m = fullManifest('20261202-100000-abcd')
    // The fixture really is whole: every key of the manifest and summary schemas is set.
    expect(Object.keys(m).sort()).toEqual(Object.keys(RunManifestSchema.shape).sort())
    expect(Object.keys(m.summary).sort()).toEqual(Object.keys(RunSummarySchema.shape).sort())
    const file = join(dir, MANIFEST_FILE)
    writeManifest(file, m)
    const read = readManifest(file, m.id, true)
    expect(read.damage).toEqual([])
    expect(read.manifest).toEqual(m)
    expect(read.manifest.summary.valMetricName).toBe('accuracy')
    // What the store reads is what it would write again, byte for byte.
    writeManifest(join(dir, 'again.json'), read.manifest)
    expect(readFileSync(join(dir, 'again.json'), 'utf8')).toBe(readFileSync(file, 'utf8'))
  })

  it('a run written through the store loads with its valMetricName', () => {
    const store = new RunStore(tempDir())
    const w = store.createRun({
      config: parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1 }),
      backend: { name: 'cpu', requested: 'cpu', fallbackReasons: [] },
      stepColumns: ['step', 'loss'],
      epochColumns: ['epoch', 'val_loss'],
      versions: { lrlab: 'test', tfjs: 'none', node: process.versions.node },
    })
    w.close({ status: 'finished', summary: { finalValMetric: 0.9, valMetricName: 'r2' } })
    const loaded = store.load(w.id)
    expect(loaded.damage).toEqual([])
    expect(loaded.manifest.summary).toMatchObject({ finalValMetric: 0.9, valMetricName: 'r2' })
    store.rename(w.id, 'renamed')
    expect(store.load(w.id).manifest.summary.valMetricName).toBe('r2')
  })

  it('keeps fields a newer LR Lab added, through a read and an edit', () => {
    const store = new RunStore(tempDir())
    const w = store.createRun({
      config: parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1 }),
      backend: { name: 'cpu', requested: 'auto', fallbackReasons: [] },
      stepColumns: ['step', 'loss'],
      epochColumns: ['epoch', 'val_loss'],
      versions: { lrlab: 'test', tfjs: 'none', node: process.versions.node },
    })
    w.close({ status: 'finished' })
    const file = join(store.runDir(w.id), MANIFEST_FILE)
    const onDisk = JSON.parse(readFileSync(file, 'utf8'))
    onDisk.origin = { host: 'cluster-7' }
    onDisk.summary.finalTrainMetric = 0.7
    onDisk.backend.threads = 2
    writeFileSync(file, JSON.stringify(onDisk))
    const loaded = store.load(w.id)
    expect(loaded.damage).toEqual([])
    expect(loaded.manifest).toMatchObject({ origin: { host: 'cluster-7' }, summary: { finalTrainMetric: 0.7 }, backend: { threads: 2 } })
    store.setTags(w.id, ['kept'])
    const after = JSON.parse(readFileSync(file, 'utf8'))
    expect(after).toMatchObject({ tags: ['kept'], origin: { host: 'cluster-7' }, summary: { finalTrainMetric: 0.7 }, backend: { threads: 2 } })
  })
})

describe('events.jsonl kinds', () => {
  it('a CSV-trained run with a data and a warning event loads as intact and keeps the warning', () => {
    const dir = tempDir()
    const store = new RunStore(dir)
    const csv = join(dir, 'points.csv')
    writeFileSync(csv, 'x,y\n1,2\n2,4\n3,6\n4,8\n')
    const w = store.createRun({
      config: parseRunConfig({ data: { kind: 'csv', path: csv, target: 'y' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1 }),
      backend: { name: 'cpu', requested: 'auto', fallbackReasons: [] },
      stepColumns: ['step', 'loss'],
      epochColumns: ['epoch', 'val_loss'],
      versions: { lrlab: 'test', tfjs: 'none', node: process.versions.node },
    })
    // What the trainer writes for a CSV dataset (electron/trainer/train.ts sink.event('data' | 'warning', ...)).
    w.event({ kind: 'data', step: 0, message: 'read 4 rows of points.csv', data: { rows: 4 } })
    w.event({ kind: 'warning', step: 0, message: 'column x has only 4 distinct values' })
    w.close({ status: 'finished' })
    const loaded = store.load(w.id)
    expect(loaded.damage).toEqual([])
    expect(loaded.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['data', 'warning']))
    expect(loaded.events.find((e) => e.kind === 'warning')?.message).toBe('column x has only 4 distinct values')
    expect(store.list().find((r) => r.id === w.id)?.damage).toEqual([])
  })

  it('reads every kind the schema lists; a checksummed line of an unknown (newer) kind is no damage', () => {
    const file = join(tempDir(), EVENTS_FILE)
    const lines = EVENT_KINDS.map((kind, step) => encodeEvent({ time: '2026-12-02T10:00:00.000Z', step, kind, message: kind }))
    const newer = encodeEvent({ time: '2026-12-02T10:00:00.000Z', step: 99, kind: 'start', message: 'from the future' }).replace('"kind":"start"', '"kind":"checkpoint"')
    // Re-sign the edited line as a newer LR Lab would have written it.
    const json = newer.slice(0, newer.lastIndexOf(',"crc32":')) + '}'
    const signed = encodeEvent(JSON.parse(json))
    writeFileSync(file, lines.join('') + signed)
    const r = readEvents(file, false)
    expect(r.damage).toEqual([])
    expect(r.events.map((e) => e.kind)).toEqual([...EVENT_KINDS])
  })
})
