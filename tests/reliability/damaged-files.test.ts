/**
 * Damaged libraries, seeded so every case reproduces: each run file truncated at random offsets,
 * bytes flipped, files missing, replaced by folders or garbage, stray end-of-stream markers, junk
 * folders. Listing, loading and exporting must never throw, and never return less than what is
 * intact: after a flip at offset X a run still gives every row that a cut at X leaves. The tally
 * (tried / clear / crashes / data lost) is printed for the table.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { parseRunConfig } from '../../shared/config'
import { END_OF_STREAM } from '../../electron/storage/arrow-file'
import { exportRunCsv } from '../../electron/storage/csv'
import { tempDir } from '../helpers/service'

const SEED = Number(process.env.LRLAB_SEED ?? 19)
const FILES = ['manifest.json', 'steps.arrow', 'epochs.arrow', 'events.jsonl'] as const
const CONTINUATION = Buffer.from([0xff, 0xff, 0xff, 0xff])

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = rng(SEED)
const int = (n: number): number => Math.floor(rand() * n)

type Outcome = 'clear' | 'crash' | 'lost'
const tally: Record<string, Outcome> = {}

const root = tempDir('lrlab-rel-damage-')
const source = new RunStore(join(root, 'source'))
/** 3,000 steps over 30 epochs, flushed each epoch: many record batches, events and a full manifest. */
function writeSource(): string {
  const w = source.createRun({
    config: parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 30 }),
    backend: { name: 'cpu', requested: 'auto', fallbackReasons: [] },
    stepColumns: ['step', 'epoch', 'loss'],
    epochColumns: ['epoch', 'step', 'loss', 'val_loss'],
    versions: { lrlab: 'test', tfjs: 'none', node: process.versions.node },
  })
  for (let e = 0; e < 30; e++) {
    const step = Float64Array.from({ length: 100 }, (_, i) => e * 100 + i)
    w.appendSteps({ step, epoch: new Float64Array(100).fill(e), loss: step.map(() => rand()) })
    w.appendEpochs({ epoch: Float64Array.of(e), step: Float64Array.of(e * 100 + 99), loss: Float64Array.of(rand()), val_loss: Float64Array.of(rand()) })
    w.event({ kind: 'clipping', step: e * 100, message: `epoch ${e}` })
    w.flush()
  }
  w.close({ status: 'finished', summary: { steps: 3000, epochs: 30 } })
  return w.id
}
const original = writeSource()
const intact = source.load(original)
const bytesOf = (f: string): Buffer => readFileSync(join(source.runDir(original), f))

let caseNo = 0
/** A fresh library holding one copy of the run, damaged by `damage`; returns the store and the id. */
function damaged(damage: (dir: string) => void): { store: RunStore; id: string } {
  const store = new RunStore(join(root, `case-${++caseNo}`))
  const id = `20260101-000000-${String(caseNo).padStart(4, '0')}`
  cpSync(source.runDir(original), store.runDir(id), { recursive: true })
  const m = JSON.parse(bytesOf('manifest.json').toString())
  writeFileSync(join(store.runDir(id), 'manifest.json'), JSON.stringify({ ...m, id }))
  damage(store.runDir(id))
  return { store, id }
}

/** Rows of steps that load from a copy whose `file` is cut at `offset`: what must survive damage there. */
function rowsCutAt(file: string, offset: number): { steps: number; epochs: number } {
  const { store, id } = damaged((dir) => truncateSync(join(dir, file), offset))
  const r = store.load(id)
  return { steps: r.steps.step!.length, epochs: r.epochs.epoch!.length }
}

function isPrefix(got: Float64Array | undefined, of: Float64Array | undefined): boolean {
  if (!got || !of || got.length > of.length) return false
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], of[i])) return false
  return true
}

/** List, load and export; `atLeast` rows of each series must come back, all of them true values. */
function check(name: string, damage: (dir: string) => void, atLeast = { steps: 0, epochs: 0 }): void {
  let outcome: Outcome = 'clear'
  try {
    const { store, id } = damaged(damage)
    const listed = store.list()
    if (!listed.some((r) => r.id === id)) throw new Error('not listed')
    const run = store.load(id)
    exportRunCsv(run, { level: 'step', format: 'wide' })
    exportRunCsv(run, { level: 'epoch', format: 'long' })
    const stepsOk = isPrefix(run.steps.step, intact.steps.step) && isPrefix(run.steps.loss, intact.steps.loss) && run.steps.step!.length >= atLeast.steps
    const epochsOk = isPrefix(run.epochs.epoch, intact.epochs.epoch) && run.epochs.epoch!.length >= atLeast.epochs
    if (!stepsOk || !epochsOk) outcome = 'lost'
    else if (run.damage.length === 0 && (run.steps.step!.length < intact.steps.step!.length || run.epochs.epoch!.length < intact.epochs.epoch!.length)) outcome = 'lost' // rows gone without a word
  } catch (e) {
    // Deliberate: a flipped formatVersion can claim a newer format, which is refused by name.
    outcome = (e as Error).name === 'NewerFormatError' ? 'clear' : 'crash'
  }
  tally[name] = outcome
}

afterAll(() => {
  const counts = { tried: 0, clear: 0, crash: 0, lost: 0 }
  for (const o of Object.values(tally)) {
    counts.tried++
    counts[o]++
  }
  console.log(`reliability/damaged-files (seed ${SEED}): ${JSON.stringify(counts)}`)
  for (const [name, o] of Object.entries(tally)) if (o !== 'clear') console.log(`  ${o}: ${name}`)
  rmSync(root, { recursive: true, force: true })
})

describe(`damaged run files (seed ${SEED})`, () => {
  it('truncation at random offsets and flipped bytes in every file', () => {
    for (const file of FILES) {
      const size = bytesOf(file).length
      for (let k = 0; k < 12; k++) {
        const at = int(size)
        check(`${file} cut at ${at}`, (dir) => truncateSync(join(dir, file), at), file.endsWith('.arrow') ? undefined : { steps: 3000, epochs: 30 })
      }
      for (let k = 0; k < 12; k++) {
        const at = int(size)
        const flips = 1 + int(4)
        const must = file.endsWith('.arrow') ? rowsCutAt(file, at) : { steps: 3000, epochs: 30 }
        // The series in the other file is untouched: all of it must come back.
        if (file === 'steps.arrow') must.epochs = 30
        if (file === 'epochs.arrow') must.steps = 3000
        check(
          `${file}: ${flips} byte(s) flipped from ${at}`,
          (dir) => {
            const p = join(dir, file)
            const b = readFileSync(p)
            for (let i = 0; i < flips && at + i < b.length; i++) b[at + i]! ^= 1 + int(255)
            writeFileSync(p, b)
          },
          must,
        )
      }
    }
  })

  it('missing files, folders in their place, garbage and stray end markers', () => {
    for (const file of FILES) {
      const all = { steps: file === 'steps.arrow' ? 0 : 3000, epochs: file === 'epochs.arrow' ? 0 : 30 }
      check(`${file} missing`, (dir) => rmSync(join(dir, file)), all)
      check(
        `${file} is a folder`,
        (dir) => {
          rmSync(join(dir, file))
          mkdirSync(join(dir, file))
        },
        all,
      )
      check(`${file} is empty`, (dir) => writeFileSync(join(dir, file), ''), all)
      check(`${file} is random bytes`, (dir) => writeFileSync(join(dir, file), Buffer.from(Array.from({ length: 4096 }, () => int(256)))), all)
    }
    for (const text of ['{', '[]', 'null', '"x"', '{"formatVersion":"one","status":7,"summary":[]}', '{"formatVersion":1,"config":{"data":{}}}']) {
      check(`manifest.json is ${text}`, (dir) => writeFileSync(join(dir, 'manifest.json'), text), { steps: 3000, epochs: 30 })
    }
    for (const file of ['steps.arrow', 'epochs.arrow'] as const) {
      const full = { steps: 3000, epochs: 30 }
      // A second end-of-stream marker and a copy of the last batch after it: everything before stays.
      check(`${file}: end marker then trailing junk`, (dir) => writeFileSync(join(dir, file), Buffer.concat([bytesOf(file), Buffer.from('junk after the end')])), full)
      check(
        `${file}: end marker in the middle`,
        (dir) => {
          // Before a record batch half way through (a message starts with the continuation marker).
          const b = bytesOf(file)
          const starts: number[] = []
          for (let i = b.indexOf(CONTINUATION, 8); i >= 0; i = b.indexOf(CONTINUATION, i + 4)) starts.push(i)
          const at = starts[Math.floor(starts.length / 2)]!
          writeFileSync(join(dir, file), Buffer.concat([b.subarray(0, at), END_OF_STREAM, b.subarray(at)]))
        },
        full,
      )
    }
  })

  it('junk folders in the runs folder never hide the real runs', () => {
    const { store, id } = damaged(() => {})
    const runs = store.runsDir
    writeFileSync(join(runs, '20260101-000000-file'), 'a file named like a run')
    mkdirSync(join(runs, 'junk'))
    writeFileSync(join(runs, 'junk', 'manifest.json'), Buffer.from(Array.from({ length: 512 }, () => int(256))))
    mkdirSync(join(runs, 'empty'))
    mkdirSync(join(runs, '.import-abcd'))
    cpSync(store.runDir(id), join(runs, '.import-abcd', 'x'), { recursive: true })
    mkdirSync(join(runs, 'manifest-is-folder', 'manifest.json'), { recursive: true })
    symlinkSync('/', join(runs, 'link-to-root'))
    symlinkSync(join(runs, 'loop'), join(runs, 'loop'))
    mkdirSync(join(runs, 'only-tmp'))
    writeFileSync(join(runs, 'only-tmp', '.manifest.json.999999999.abc.tmp'), '{')
    let outcome: Outcome = 'clear'
    try {
      const listed = store.list().map((r) => r.id)
      if (!listed.includes(id)) outcome = 'lost'
      for (const other of listed) exportRunCsv(store.load(other), { level: 'step', format: 'wide' })
      store.recoverInterrupted()
    } catch {
      outcome = 'crash'
    }
    tally['junk folders beside a run'] = outcome
  })

  it('every case was read without a crash and without losing intact rows', () => {
    expect(Object.entries(tally).filter(([, o]) => o !== 'clear')).toEqual([])
  })
})
