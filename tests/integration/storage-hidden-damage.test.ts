/**
 * Damage that used to hide data or a whole run: an end-of-stream marker in the middle of
 * steps.arrow (everything after it silently dropped), a folder or a FIFO where steps.arrow should
 * be (EISDIR made the run unloadable), and manifest temp files a kill left behind forever.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { encodeSchemaMessage } from '../../electron/storage/arrow-file'
import { exportRunCsv } from '../../electron/storage/csv'
import { parseRunConfig } from '../../shared/config'
import { tempDir } from '../helpers/service'

const STEP_COLUMNS = ['step', 'epoch', 'loss']
const init = {
  config: parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1 }),
  backend: { name: 'cpu' as const, requested: 'auto' as const, fallbackReasons: [] },
  stepColumns: STEP_COLUMNS,
  epochColumns: ['epoch', 'step', 'loss', 'val_loss'],
  versions: { lrlab: 'test', tfjs: 'none', node: process.versions.node },
}

/** A finished run whose steps are `from`..`from+n−1`. */
function run(store: RunStore, from: number, n: number): string {
  const w = store.createRun(init)
  const step = Float64Array.from({ length: n }, (_, i) => from + i)
  w.appendSteps({ step, epoch: new Float64Array(n), loss: step.map((s) => 1 / (s + 1)) })
  w.appendEpochs({ epoch: Float64Array.of(0), step: Float64Array.of(from + n - 1), loss: Float64Array.of(0.5), val_loss: Float64Array.of(0.6) })
  w.close({ status: 'finished' })
  return w.id
}

describe('damage that hid data', () => {
  it('reads past an end-of-stream marker in the middle of steps.arrow, and reports it', () => {
    const store = new RunStore(tempDir('lrlab-eos-'))
    const a = run(store, 0, 100)
    const b = run(store, 100, 150)
    const fileA = readFileSync(join(store.runDir(a), 'steps.arrow'))
    const fileB = readFileSync(join(store.runDir(b), 'steps.arrow'))
    // A's stream, its end marker, then B's record batches: what an append after a close leaves.
    const schemaBytes = encodeSchemaMessage(STEP_COLUMNS).length
    writeFileSync(join(store.runDir(a), 'steps.arrow'), Buffer.concat([fileA, fileB.subarray(schemaBytes)]))
    const loaded = store.load(a)
    expect(Array.from(loaded.steps.step!)).toEqual(Array.from({ length: 250 }, (_, i) => i))
    expect(loaded.damage.join('\n')).toMatch(/steps\.arrow: an end-of-stream marker at offset \d+ is followed by \d+ more bytes/)
    expect(exportRunCsv(loaded, { level: 'step', format: 'wide' }).trim().split('\n')).toHaveLength(251)

    // Bytes after the marker that are not messages: the rows before stay, the rest is named.
    writeFileSync(join(store.runDir(b), 'steps.arrow'), Buffer.concat([fileB, Buffer.from('garbage after the end')]))
    const junk = store.load(b)
    expect(junk.steps.step!.length).toBe(150)
    expect(junk.damage.join('\n')).toMatch(/end-of-stream marker .* followed by 21 more bytes/)
    expect(junk.damage.join('\n')).toMatch(/not an Arrow message; 150 rows before it are intact/)
  })

  it('a folder where steps.arrow should be is damage; the run loads, lists and exports', () => {
    const store = new RunStore(tempDir('lrlab-eisdir-'))
    const id = run(store, 0, 10)
    rmSync(join(store.runDir(id), 'steps.arrow'))
    mkdirSync(join(store.runDir(id), 'steps.arrow'))
    const loaded = store.load(id)
    expect(loaded.damage).toContain('steps.arrow is a folder, not a metrics file')
    expect(loaded.steps.step!.length).toBe(0)
    expect(loaded.epochs.epoch!.length).toBe(1)
    expect(store.list().map((r) => r.id)).toContain(id)
    expect(exportRunCsv(loaded, { level: 'epoch', format: 'wide' })).toMatch(/^epoch,/)
  })

  it('a FIFO where epochs.arrow should be is damage, not a hang', () => {
    const store = new RunStore(tempDir('lrlab-fifo-'))
    const id = run(store, 0, 10)
    rmSync(join(store.runDir(id), 'epochs.arrow'))
    execFileSync('mkfifo', [join(store.runDir(id), 'epochs.arrow')])
    const loaded = store.load(id)
    expect(loaded.damage).toContain('epochs.arrow is not a regular file, not a metrics file')
    expect(loaded.steps.step!.length).toBe(10)
  })

  it('removes manifest temp files a killed rewrite left, and only those', () => {
    const store = new RunStore(tempDir('lrlab-tmp-'))
    const id = run(store, 0, 10)
    const dir = store.runDir(id)
    const old = new Date(Date.now() - 10 * 60_000)
    const put = (name: string, age: Date | null, folder = false): string => {
      const p = join(dir, name)
      if (folder) mkdirSync(p)
      else writeFileSync(p, '{"half":')
      if (age) utimesSync(p, age, age)
      return p
    }
    const stale = put('.manifest.json.999999999.k3x9qa.tmp', old) // pid beyond pid_max: dead
    const fresh = put('.manifest.json.999999998.aaaaaa.tmp', null) // could still be mid-write elsewhere
    const live = put(`.manifest.json.${process.pid}.bbbbbb.tmp`, old) // a live process's
    const other = put('.notes.tmp', old)
    const folder = put('.manifest.json.999999997.cccccc.tmp', old, true)
    store.recoverInterrupted()
    expect(existsSync(stale)).toBe(false)
    for (const p of [fresh, live, other, folder]) expect(existsSync(p), p).toBe(true)
    expect(store.load(id).damage).toEqual([])
  })
})
