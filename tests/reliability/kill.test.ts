/**
 * kill -9 at seeded random moments (issue 19): of the CLI, of a trainer under serve, and of
 * serve itself (its trainer must save the run as interrupted on its own). Each run must keep all
 * but at most 1 s of its steps (the last durable step's elapsed time against the kill time) and
 * stay readable: listed, loaded, exported, with contiguous steps. Runs on the built app (out/).
 * Prints: trials / worst loss / readable.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { exportRunCsv } from '../../electron/storage/csv'
import { connectApi } from '../e2e/ws-client'

const ROOT = resolve(__dirname, '..', '..')
const OUT = join(ROOT, 'out', 'main')
const LONG = { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1_000_000, validationSplit: 0 }
/** A heavier run (a step of some milliseconds), so the flush timer competes with real work. */
const HEAVY = {
  data: { kind: 'synthetic-classification', n: 2048, features: 64 },
  model: { kind: 'mlp', hidden: [256, 256] },
  loss: 'crossEntropy',
  optimizer: { type: 'adam', lr: 0.001 },
  batchSize: 64,
  epochs: 100_000,
  validationSplit: 0,
}
const MAX_LOST_SEC = 1

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = rng(1919)
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const results: { what: string; lostSec: number; steps: number }[] = []
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  const worst = Math.max(...results.map((r) => r.lostSec))
  console.log(`kill trials: ${results.length}, worst loss ${worst.toFixed(3)} s, all readable; ${results.map((r) => `${r.what} ${r.lostSec.toFixed(2)}s/${r.steps}`).join(', ')}`)
})

const exited = (c: ChildProcess): Promise<void> => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r())))

/** Steps lost: the kill time minus the wall time of the last durable step (the start event + its elapsed). */
function check(dataDir: string, runId: string, killedAt: number, what: string): void {
  const store = new RunStore(dataDir)
  store.recoverInterrupted() // what `lrlab runs`, serve and the app do on start
  const listed = store.list().find((r) => r.id === runId)
  expect(listed?.status, what).toBe('interrupted')
  const run = store.load(runId)
  const steps = run.steps.step!
  expect(steps.length, `${what}: rows`).toBeGreaterThan(0)
  steps.forEach((s, i) => expect(s).toBe(i))
  expect(exportRunCsv(run, { level: 'step', format: 'wide' }).split('\n').length).toBeGreaterThan(steps.length)
  const start = run.events.find((e) => e.kind === 'start')!
  const elapsed = run.steps.elapsed!
  const lastAt = Date.parse(start.time) + elapsed.at(-1)! * 1000
  // The step computing when the kill came was not finished, so not lost: take off one step's
  // duration (the median of the last ones; milliseconds for the light runs, more on a busy machine).
  const gaps = Array.from(elapsed.slice(-11))
    .slice(1)
    .map((e, i) => e - elapsed.slice(-11)[i]!)
    .sort((a, b) => a - b)
  const inFlight = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 0
  const lostSec = (killedAt - lastAt) / 1000 - inFlight
  results.push({ what, lostSec, steps: steps.length })
  expect(lostSec, `${what}: seconds of steps lost (after ${inFlight.toFixed(3)} s of the step in flight)`).toBeLessThanOrEqual(MAX_LOST_SEC)
}

/** Wait until a run folder of `dataDir` has some steps on disk; its id. */
async function firstSteps(dataDir: string, runId?: string): Promise<string> {
  const store = new RunStore(dataDir)
  let id = runId
  await expect.poll(() => (id ??= store.list()[0]?.id) && store.load(id).steps.step!.length, { timeout: 120_000, interval: 50 }).toBeGreaterThan(0)
  return id!
}

describe('kill -9 at random moments', () => {
  it('of the CLI (8 trials, half of them heavy runs)', async () => {
    for (let t = 0; t < 8; t++) {
      const dir = mkdtempSync(join(tmpdir(), 'lrlab-kill-cli-'))
      const cfg = join(dir, 'c.json')
      writeFileSync(cfg, JSON.stringify(t % 2 ? HEAVY : LONG))
      const child = spawn(process.execPath, [join(OUT, 'cli.js'), 'train', '--config', cfg, '--data-dir', dir, '--json', '--max-steps', '1e12'], { stdio: 'ignore' })
      children.push(child)
      const runId = await firstSteps(dir)
      await sleep(200 + random() * 2500)
      const killedAt = Date.now()
      child.kill('SIGKILL')
      await exited(child)
      check(dir, runId, killedAt, `cli${t % 2 ? '-heavy' : ''}`)
    }
  })

  it('of a trainer under serve, and of serve itself (6 + 6 trials)', async () => {
    const startServe = async (dir: string): Promise<{ proc: ChildProcess; url: string }> => {
      const proc = spawn(process.execPath, [join(OUT, 'serve.js'), '--port', '0', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'ignore'] })
      children.push(proc)
      let out = ''
      proc.stdout!.on('data', (d) => (out += d))
      await expect.poll(() => out.includes('\n'), { timeout: 60_000, interval: 50 }).toBe(true)
      return { proc, url: out.trim().split('\n')[0]! }
    }
    // Trainers: one serve, six runs, each trainer killed.
    const dir = mkdtempSync(join(tmpdir(), 'lrlab-kill-trainer-'))
    const serve = await startServe(dir)
    const api = await connectApi(serve.url)
    for (let t = 0; t < 6; t++) {
      const { runId } = await api.call<{ runId: string }>('startRun', t % 2 ? HEAVY : LONG)
      await firstSteps(dir, runId)
      await sleep(200 + random() * 2500)
      const pid = JSON.parse(readFileSync(join(dir, 'runs', runId, 'manifest.json'), 'utf8')).writerPid as number
      const killedAt = Date.now()
      process.kill(pid, 'SIGKILL')
      await expect.poll(() => new RunStore(dir).list().find((r) => r.id === runId)?.status, { timeout: 30_000 }).toBe('interrupted')
      check(dir, runId, killedAt, `trainer${t % 2 ? '-heavy' : ''}`)
    }
    api.close()
    serve.proc.kill('SIGKILL')
    await exited(serve.proc)
    // Serve: killed while its run trains; the trainer saves the run as interrupted by itself.
    for (let t = 0; t < 6; t++) {
      const d = mkdtempSync(join(tmpdir(), 'lrlab-kill-serve-'))
      const s = await startServe(d)
      const a = await connectApi(s.url)
      const { runId } = await a.call<{ runId: string }>('startRun', t % 2 ? HEAVY : LONG)
      await firstSteps(d, runId)
      await sleep(200 + random() * 2500)
      const killedAt = Date.now()
      s.proc.kill('SIGKILL')
      a.close()
      await exited(s.proc)
      // Nobody else marks it: the trainer does, and its last steps are on disk.
      await expect.poll(() => new RunStore(d).loadManifest(runId).status, { timeout: 30_000, interval: 100 }).toBe('interrupted')
      check(d, runId, killedAt, `serve${t % 2 ? '-heavy' : ''}`)
    }
  })
})
