import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, cpSync, appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { RunStore, type WatchEvent } from '../../electron/storage'
import { writeSyntheticRun } from '../../electron/bench/synthetic-runs'
import { parseRunConfig } from '../../shared/config'
import type { Columns } from '../../shared/metrics'

const dirs: string[] = []
function tempStore(): RunStore {
  const d = mkdtempSync(join(tmpdir(), 'lrlab-store-'))
  dirs.push(d)
  return new RunStore(d)
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const config = parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'adam', lr: 0.003 }, epochs: 3 })
const init = {
  config,
  backend: { name: 'cpu' as const, requested: 'auto' as const, fallbackReasons: [] },
  stepColumns: ['step', 'epoch', 'lr', 'loss'],
  epochColumns: ['epoch', 'step', 'loss', 'val_loss'],
  versions: { lrlab: 'test', tfjs: 'none', node: process.versions.node },
}

function same(a: Float64Array | undefined, b: ArrayLike<number>): boolean {
  if (!a || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
  return true
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('run store round trip', () => {
  it('writes steps, epochs and events in many appends across flushes and loads them back exactly', () => {
    const store = tempStore()
    const backend = { name: 'wasm' as const, requested: 'auto' as const, fallbackReasons: ['tensorflow: not installed'], tuning: ['BatchMatMul: SIMD GEMM'] }
    const w = store.createRun({ ...init, backend, name: 'round trip' })
    expect(w.id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/)
    const rand = rng(3)
    const all = { step: [] as number[], epoch: [] as number[], lr: [] as number[], loss: [] as number[] }
    const specials = [NaN, Infinity, -Infinity, -0, 5e-324, 1.7976931348623157e308]
    let step = 0
    for (let batch = 0; batch < 60; batch++) {
      const n = 1 + Math.floor(rand() * 40)
      const cols: Columns = { step: new Float64Array(n), epoch: new Float64Array(n), loss: new Float64Array(n) }
      const withLr = batch % 3 !== 0
      if (withLr) cols.lr = new Float64Array(n)
      for (let i = 0; i < n; i++, step++) {
        cols.step![i] = step
        cols.epoch![i] = Math.floor(step / 100)
        cols.loss![i] = step < specials.length ? specials[step]! : rand()
        if (cols.lr) cols.lr[i] = 0.003 * rand()
        all.step.push(step)
        all.epoch.push(Math.floor(step / 100))
        all.loss.push(cols.loss![i]!)
        all.lr.push(cols.lr ? cols.lr[i]! : NaN) // a missing column is NaN
      }
      w.appendSteps(cols)
      if (batch % 7 === 0) w.appendEpochs({ epoch: Float64Array.of(batch), step: Float64Array.of(step), loss: Float64Array.of(rand()), val_loss: Float64Array.of(batch % 2 ? NaN : rand()) })
      w.event({ kind: 'clipping', step, message: `batch ${batch}`, data: { batch } })
      if (batch % 10 === 0) w.flush()
    }
    w.update({ status: 'paused' })
    w.close({ status: 'finished', summary: { steps: step, durationSec: 2 } })

    const run = store.load(w.id)
    expect(run.damage).toEqual([])
    expect(Object.keys(run.steps)).toEqual(init.stepColumns)
    for (const k of ['step', 'epoch', 'lr', 'loss'] as const) expect(same(run.steps[k], all[k]), k).toBe(true)
    expect(run.epochs.epoch!.length).toBe(9)
    expect(run.events.length).toBe(60)
    expect(run.events[59]).toMatchObject({ kind: 'clipping', step, message: 'batch 59', data: { batch: 59 } })
    expect(run.manifest).toMatchObject({ id: w.id, name: 'round trip', status: 'finished', summary: { steps: step, durationSec: 2 } })
    expect(run.manifest.writerPid).toBeUndefined()
    expect(run.manifest.config).toEqual(config)
    // Which fast kernels trained it survives the reload (the library and the badge show it).
    expect(run.manifest.backend).toEqual(backend)
  })

  it('refuses appends with unknown columns or ragged lengths, naming the column', () => {
    const store = tempStore()
    const w = store.createRun(init)
    expect(() => w.appendSteps({ step: Float64Array.of(1), bogus: Float64Array.of(2) })).toThrow(/bogus/)
    expect(() => w.appendSteps({ step: Float64Array.of(1, 2), loss: Float64Array.of(1) })).toThrow(/loss/)
    w.close({ status: 'stopped' })
  })

  it('flushes by itself within about a second', async () => {
    const store = tempStore()
    const w = store.createRun(init)
    w.appendSteps({ step: Float64Array.of(0, 1, 2) })
    expect(store.load(w.id).steps.step!.length).toBe(0)
    await wait(1500)
    expect(Array.from(store.load(w.id).steps.step!)).toEqual([0, 1, 2])
    w.close({ status: 'finished' })
  })
})

describe('library management', () => {
  it('lists newest first, and renames, tags, notes, deletes and undoes', async () => {
    const store = tempStore()
    const a = writeSyntheticRun(store, { steps: 50, name: 'first' })
    await wait(1100) // ids and createdAt are per second
    const b = writeSyntheticRun(store, { steps: 50, name: 'second' })
    expect(store.list().map((r) => r.id)).toEqual([b, a])
    store.rename(a, '  renamed, with comma  ')
    store.setTags(a, ['lr', 'sweep', 'lr'])
    store.setNotes(a, 'line one\nline two')
    const m = store.loadManifest(a)
    expect(m.name).toBe('renamed, with comma')
    expect(m.tags).toEqual(['lr', 'sweep'])
    expect(m.notes).toBe('line one\nline two')
    expect(() => store.rename(a, '   ')).toThrow(/name/)
    expect(() => store.setTags(a, [''])).toThrow(/tag/)
    store.delete(a)
    expect(store.list().map((r) => r.id)).toEqual([b])
    expect(() => store.load(a)).toThrow(/no run/)
    store.undoDelete(a)
    expect(store.list().map((r) => r.id)).toEqual([b, a])
    expect(store.load(a).steps.step!.length).toBe(50)
    store.delete(b)
    store.emptyTrash()
    expect(() => store.undoDelete(b)).toThrow(/not in the trash/)
    expect(readdirSync(store.trashDir)).toEqual([])
  })

  it('keeps library edits when a running writer updates its manifest', () => {
    const store = tempStore()
    const w = store.createRun(init)
    store.rename(w.id, 'edited while running')
    w.update({ summary: { steps: 5 } })
    w.close({ status: 'finished' })
    expect(store.loadManifest(w.id).name).toBe('edited while running')
  })

  it('rejects unknown and malformed ids', () => {
    const store = tempStore()
    expect(() => store.load('nope')).toThrow(/no run with id "nope"/)
    expect(() => store.load('../etc')).toThrow(/run id/)
  })

  it('imports a run folder written by another process, with a new id when the id is taken', () => {
    const other = mkdtempSync(join(tmpdir(), 'lrlab-other-'))
    dirs.push(other)
    const script = `import { RunStore } from ${JSON.stringify(join(process.cwd(), 'electron/storage/index.ts'))}
      import { writeSyntheticRun } from ${JSON.stringify(join(process.cwd(), 'electron/bench/synthetic-runs.ts'))}
      process.stdout.write(writeSyntheticRun(new RunStore(${JSON.stringify(other)}), { steps: 300, epochs: 3 }))`
    const id = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }).trim()
    const store = tempStore()
    const src = join(other, 'runs', id)
    expect(store.importRun(src)).toBe(id)
    const again = store.importRun(src)
    expect(again).not.toBe(id)
    for (const x of [id, again]) {
      const run = store.load(x)
      expect(run.damage).toEqual([])
      expect(run.manifest.id).toBe(x)
      expect(Array.from(run.steps.step!)).toEqual(Array.from({ length: 300 }, (_, i) => i))
    }
    // not a run folder
    const junk = join(other, 'junk')
    mkdirSync(junk)
    writeFileSync(join(junk, 'manifest.json'), '{"hello": 1}')
    expect(() => store.importRun(junk)).toThrow(/not an LR Lab run folder/)
    expect(store.list().length).toBe(2)
  })
})

describe('damage tolerance', () => {
  it('lists a folder full of junk: skips non-runs, lists damaged and newer-format runs with what is wrong', () => {
    const store = tempStore()
    const good = writeSyntheticRun(store, { steps: 20 })
    const runs = store.runsDir
    writeFileSync(join(runs, 'stray.txt'), 'hello')
    mkdirSync(join(runs, 'empty-folder'))
    mkdirSync(join(runs, 'holiday photos'))
    writeFileSync(join(runs, 'holiday photos', 'a.jpg'), 'x')
    mkdirSync(join(runs, 'badjson'))
    writeFileSync(join(runs, 'badjson', 'manifest.json'), '{ not json')
    mkdirSync(join(runs, 'wrongshape'))
    writeFileSync(join(runs, 'wrongshape', 'manifest.json'), JSON.stringify({ formatVersion: 1, name: 42, status: 'exploded' }))
    cpSync(join(runs, good), join(runs, 'newer'), { recursive: true })
    const newer = JSON.parse(readFileSync(join(runs, 'newer', 'manifest.json'), 'utf8'))
    writeFileSync(join(runs, 'newer', 'manifest.json'), JSON.stringify({ ...newer, formatVersion: 2 }))
    cpSync(join(runs, good), join(runs, 'nomanifest'), { recursive: true })
    rmSync(join(runs, 'nomanifest', 'manifest.json'))

    const list = store.list()
    const byId = new Map(list.map((r) => [r.id, r]))
    expect([...byId.keys()].sort()).toEqual([good, 'badjson', 'newer', 'nomanifest', 'wrongshape'].sort())
    expect(byId.get(good)!.damage).toEqual([])
    expect(byId.get('badjson')!.damage.join()).toMatch(/not valid JSON/)
    expect(byId.get('wrongshape')!.damage.join()).toMatch(/name is invalid/)
    expect(byId.get('wrongshape')!.damage.join()).toMatch(/status is invalid/)
    expect(byId.get('newer')!.damage).toContain('run newer was written by a newer LR Lab (format 2); this version reads up to 1')
    expect(() => store.load('newer')).toThrow('run newer was written by a newer LR Lab (format 2); this version reads up to 1')
    const orphan = store.load('nomanifest')
    expect(orphan.damage.join()).toMatch(/manifest.json is missing/)
    expect(orphan.steps.step!.length).toBe(20)
    // Reports read manifests only, but a lost manifest's step count comes from the metrics.
    expect(store.reportManifest('nomanifest').summary.steps).toBe(20)
    expect(store.reportManifest(good).summary.steps).toBe(20)
    expect(() => store.reportManifest('newer')).toThrow(/newer LR Lab/)
    expect(store.load('badjson').damage.join()).toMatch(/steps.arrow cannot be read/)
  })

  it('fuzz: truncating or flipping bytes in any run file never throws and returns an intact prefix', () => {
    const store = tempStore()
    const w = store.createRun(init)
    const N = 400
    for (let s = 0; s < N; s += 20) {
      const step = Float64Array.from({ length: 20 }, (_, i) => s + i)
      w.appendSteps({ step, epoch: step.map((x) => Math.floor(x / 100)), lr: step.map((x) => 1 / (x + 1)), loss: step.map((x) => x * 0.5) })
      w.appendEpochs({ epoch: Float64Array.of(s / 20), step: Float64Array.of(s + 19), loss: Float64Array.of(s), val_loss: Float64Array.of(-s) })
      w.event({ kind: 'clipping', step: s, message: `s${s}` })
      w.flush() // one record batch per 20 rows
    }
    w.close({ status: 'finished', summary: { steps: N } })
    const dir = store.runDir(w.id)
    const files = readdirSync(dir)
    const original = new Map(files.map((f) => [f, readFileSync(join(dir, f))]))
    const rand = rng(42)
    let cases = 0
    let damaged = 0
    for (const file of files) {
      const bytes = original.get(file)!
      for (let k = 0; k < 80; k++) {
        const mutated = Buffer.from(bytes)
        const mode = k % 3
        const at = Math.floor(rand() * bytes.length)
        let out: Buffer = mutated
        if (mode === 0)
          out = mutated.subarray(0, at) // truncate
        else if (mode === 1)
          mutated[at] = mutated[at]! ^ (1 << Math.floor(rand() * 8)) // flip one bit
        else for (let j = 0; j < 4; j++) mutated[(at + j * 97) % bytes.length] = Math.floor(rand() * 256) // scribble
        writeFileSync(join(dir, file), out)
        cases++
        let run
        try {
          run = store.load(w.id)
          store.list()
        } catch (e) {
          throw new Error(`${file} mode ${mode} at ${at}: ${(e as Error).message}`, { cause: e })
        }
        if (run.damage.length) damaged++
        if (file === 'steps.arrow') {
          const step = run.steps.step ?? new Float64Array(0)
          const n = step.length
          // A prefix, whole batches, every value intact.
          for (let i = 0; i < n; i++) {
            if (step[i] !== i || run.steps.loss![i] !== i * 0.5 || run.steps.lr![i] !== 1 / (i + 1)) {
              throw new Error(`${file} mode ${mode} at ${at}: row ${i} is wrong (${step[i]}, ${run.steps.loss![i]})`)
            }
          }
          if (n < N) expect(run.damage.join(), `${file} mode ${mode} at ${at}`).toMatch(/steps.arrow/)
        }
        if (file === 'epochs.arrow') {
          const e = run.epochs.epoch ?? new Float64Array(0)
          for (let i = 0; i < e.length; i++) if (e[i] !== i || run.epochs.val_loss![i] !== -20 * i) throw new Error(`epoch row ${i} wrong`)
        }
        if (file === 'events.jsonl') {
          for (const ev of run.events) expect(ev.message).toBe(`s${ev.step}`)
        }
        writeFileSync(join(dir, file), bytes)
      }
    }
    expect(cases).toBeGreaterThanOrEqual(300)
    expect(damaged).toBeGreaterThan(cases / 2)
    expect(store.load(w.id).damage).toEqual([])
  })

  it('a truncated steps file keeps the rows before the cut and says so', () => {
    const store = tempStore()
    const id = writeSyntheticRun(store, { steps: 200_000 })
    const file = join(store.runDir(id), 'steps.arrow')
    const size = readFileSync(file).length
    truncateSync(file, Math.floor(size * 0.6))
    const run = store.load(id)
    const n = run.steps.step!.length
    expect(n).toBeGreaterThanOrEqual(65_536) // at least the first full record batch
    expect(n).toBeLessThan(200_000)
    expect(n % 65_536).toBe(0) // whole batches
    expect(run.steps.step![n - 1]).toBe(n - 1)
    expect(run.damage.join()).toMatch(/steps.arrow: .*incomplete.*rows before it are intact/)
  })

  it('junk lines in events.jsonl are skipped and reported', () => {
    const store = tempStore()
    const w = store.createRun(init)
    w.event({ kind: 'start', step: 0, message: 'go' })
    w.flush()
    appendFileSync(join(w.dir, 'events.jsonl'), 'garbage\n{"kind":"nope"}\n')
    w.event({ kind: 'finish', step: 1, message: 'done' })
    w.close({ status: 'finished' })
    const run = store.load(w.id)
    expect(run.events.map((e) => e.kind)).toEqual(['start', 'finish'])
    expect(run.damage).toEqual(['events.jsonl: 2 lines are not a valid event and were skipped (line 2, 3)'])
  })
})

describe('watch', () => {
  it('reports a new run folder and its appended metrics', async () => {
    const store = tempStore()
    const events: WatchEvent[] = []
    const stop = store.watch(store.runsDir, (ev) => events.push(ev), { intervalMs: 200 })
    try {
      const w = store.createRun(init)
      await until(() => events.some((e) => e.kind === 'added' && e.id === w.id))
      const before = events.length
      w.appendSteps({ step: Float64Array.of(0, 1) })
      w.flush()
      await until(() => events.slice(before).some((e) => e.kind === 'updated' && e.id === w.id))
      expect(store.load(w.id).steps.step!.length).toBe(2)
      w.close({ status: 'finished' })
      store.delete(w.id)
      await until(() => events.some((e) => e.kind === 'removed' && e.id === w.id))
      expect(existsSync(store.runDir(w.id))).toBe(false)
    } finally {
      stop()
    }
  })
})

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await wait(25)
  }
}
