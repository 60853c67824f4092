/**
 * The writer's timer flush writes on the trainer's thread and fsyncs on the thread pool:
 * flushedSteps follows once the disk has the rows, and closing while an fsync runs is safe.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FLUSH_INTERVAL_MS, RunStore, STEPS_FILE } from '../../electron/storage'
import { END_OF_STREAM } from '../../electron/storage/arrow-file'
import { parseRunConfig } from '../../shared/config'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function newWriter() {
  const d = mkdtempSync(join(tmpdir(), 'lrlab-bgflush-'))
  dirs.push(d)
  const store = new RunStore(d)
  const writer = store.createRun({
    config: parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1 }),
    backend: { name: 'cpu', requested: 'auto', fallbackReasons: [] },
    stepColumns: ['step', 'loss'],
    epochColumns: ['epoch', 'loss'],
    versions: { lrlab: 'test', tfjs: 'none', node: process.versions.node },
  })
  return { store, writer }
}

function rows(from: number, n: number) {
  const step = Float64Array.from({ length: n }, (_, i) => from + i)
  return { step, loss: step.map((s) => 1 / (s + 1)) }
}

/** Open file descriptors of this process (Linux), to catch an fd left open. */
const openFds = (): number => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0)

describe('background flush', () => {
  it('writes at once, reports rows as flushed once the fsync is done, in order', async () => {
    const { store, writer } = newWriter()
    writer.appendSteps(rows(0, 100))
    writer.flushInBackground()
    // Written already (another process reading now sees the rows)…
    expect(store.load(writer.id).steps.step!.length).toBe(100)
    // …durable a little later.
    await expect.poll(() => writer.flushedSteps, { timeout: 5000, interval: 5 }).toBe(100)
    // Rows written while an fsync still runs get a second round.
    writer.appendSteps(rows(100, 50))
    writer.flushInBackground()
    writer.appendSteps(rows(150, 25))
    writer.flushInBackground()
    await expect.poll(() => writer.flushedSteps, { timeout: 5000, interval: 5 }).toBe(175)
    writer.close({ status: 'finished' })
    const run = store.load(writer.id)
    expect(Array.from(run.steps.step!)).toEqual(Array.from({ length: 175 }, (_, i) => i))
    expect(run.damage).toEqual([])
  })

  it('closes safely while an fsync is running: everything on disk, the stream ended, no fd left open', async () => {
    const fdsBefore = openFds()
    for (let k = 0; k < 5; k++) {
      const { store, writer } = newWriter()
      writer.appendSteps(rows(0, 1000))
      writer.event({ kind: 'start', step: 0, message: 'go' })
      writer.flushInBackground()
      writer.appendSteps(rows(1000, 10))
      writer.close({ status: 'stopped' }) // the background fsync is most likely still running
      expect(writer.flushedSteps).toBe(1010)
      const bytes = readFileSync(join(store.runDir(writer.id), STEPS_FILE))
      expect(bytes.subarray(bytes.length - 8)).toEqual(END_OF_STREAM)
      const run = store.load(writer.id)
      expect(run.steps.step!.length).toBe(1010)
      expect(run.events.map((e) => e.kind)).toEqual(['start'])
      expect(run.manifest.status).toBe('stopped')
    }
    // Deferred closes happen when their fsync returns.
    await expect.poll(openFds, { timeout: 5000, interval: 10 }).toBeLessThanOrEqual(fdsBefore)
  })

  it("the writer's own timer flushes without being asked", async () => {
    const { store, writer } = newWriter()
    writer.appendSteps(rows(0, 42))
    await expect.poll(() => writer.flushedSteps, { timeout: FLUSH_INTERVAL_MS * 4, interval: 20 }).toBe(42)
    expect(store.load(writer.id).steps.step!.length).toBe(42)
    writer.close({ status: 'finished' })
  })
})
