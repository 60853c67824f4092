/**
 * Issue 19, process ends and refusals up front: configs the CLI refuses (exit 2, no run folder),
 * SIGTERM, a kill -9'd CLI run seen by `lrlab runs`, a trainer whose host dies, and quitting
 * that waits for trainers. Real processes and files.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { quitAfterShutdown } from '../../electron/core/quit-gate'
import { RunStore } from '../../electron/storage'
import { openWriterDirs } from '../../electron/storage/run-writer'
import { newService, tempDir, waitForEnd } from '../helpers/service'
import { ConfigError } from '../../shared/config'
import { parseRunnableConfig } from '../../shared/run-plan'
import { runTraining } from '../../electron/trainer/run-training'
import { selectBackend } from '../../electron/trainer/backend'

const ROOT = resolve(__dirname, '..', '..')
const CLI = ['--import', 'tsx', join(ROOT, 'electron', 'cli', 'cli.ts')]

function lrlab(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const runFolders = (dataDir: string): string[] => (existsSync(join(dataDir, 'runs')) ? readdirSync(join(dataDir, 'runs')) : [])
const LONG = { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1_000_000, validationSplit: 0 }

/** A CLI training run in the background, resolved once its run folder has steps on disk. */
async function backgroundRun(dataDir: string): Promise<{ child: ChildProcess; runId: string; exited: Promise<number | null>; stdout: () => string }> {
  const cfg = join(dataDir, 'long.json')
  writeFileSync(cfg, JSON.stringify(LONG))
  const child = spawn(process.execPath, [...CLI, 'train', '--config', cfg, '--data-dir', dataDir, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.resume()
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  const store = new RunStore(dataDir)
  await expect.poll(() => store.list().find((r) => r.status === 'running')?.id, { timeout: 60_000, interval: 100 }).toBeTruthy()
  const runId = store.list()[0]!.id
  await expect.poll(() => store.load(runId).steps.step!.length, { timeout: 30_000, interval: 100 }).toBeGreaterThan(10)
  return { child, runId, exited, stdout: () => out }
}

describe('configs refused before a run folder exists', () => {
  const base = { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 2 }
  it.each([
    ['a loss that does not fit the data', { ...base, loss: 'crossEntropy' }, /crossEntropy|classification/],
    ['model.init of the wrong shape', { ...base, model: { kind: 'linear', init: { weight: [[1, 2]], bias: [0] } } }, /model\.init: expected weight 1×1/],
    ['initFrom a missing model.json', { ...base, model: { kind: 'mlp', initFrom: { modelJson: '/nonexistent/model.json' } } }, /model\.initFrom: no model at/],
    ['a CNN on data that is not an image', { ...base, data: { kind: 'moons' }, loss: 'crossEntropy', model: { kind: 'cnn' } }, /a CNN needs image data/],
  ])('%s: a ConfigError naming the field, no run folder', async (_name, config, message) => {
    const dir = tempDir()
    const run = runTraining({
      config: parseRunnableConfig(config),
      backend: await selectBackend('cpu'),
      dataDir: dir,
      tfVersion: 'test',
      send: () => {},
      control: { stopRequested: () => false, isPaused: () => false, waitIfPaused: async () => {} },
    })
    await expect(run).rejects.toThrow(ConfigError)
    await expect(run).rejects.toThrow(message)
    expect(runFolders(dir)).toEqual([])
  })

  it.each([
    ['a typo (data.nosie)', { ...base, data: { kind: 'linreg', nosie: 3 } }, /data\.nosie: .*did you mean "noise"/],
    ['a loss that does not fit the data', { ...base, loss: 'crossEntropy' }, /crossEntropy|classification/],
    ['a model too big for memory', { ...base, model: { kind: 'mlp', hidden: [65536, 65536] }, optimizer: { type: 'adam', lr: 0.01 } }, /model: this run needs about .* GB of memory/],
  ])(
    'the CLI: %s exits 2 naming the field, no run folder',
    (_name, config, message) => {
      const dir = tempDir()
      const cfg = join(dir, 'c.json')
      writeFileSync(cfg, JSON.stringify(config))
      const r = lrlab(['train', '--config', cfg, '--data-dir', dir])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(message)
      expect(runFolders(dir)).toEqual([])
    },
    120_000,
  )

  it('accepts a config file with a UTF-8 byte-order mark and prints the effective schedule and plan first', () => {
    const dir = tempDir()
    const cfg = join(dir, 'bom.json')
    writeFileSync(cfg, '\uFEFF' + JSON.stringify({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, schedule: { type: 'cosine' }, epochs: 3 }))
    const r = lrlab(['train', '--config', cfg, '--data-dir', dir])
    expect(r.code, r.stderr).toBe(0)
    const plan = r.stderr.split('\n').find((l) => l.startsWith('plan: '))
    expect(plan).toContain('3 epochs × 1 batches = 3 steps')
    expect(plan).toContain('"stepUnit":"epoch"') // the default, shown
  })

  it('refuses more steps than --max-steps up front with the estimate (default a million)', () => {
    const dir = tempDir()
    const cfg = join(dir, 'c.json')
    writeFileSync(cfg, JSON.stringify({ data: { kind: 'linreg', n: 1_000_000 }, optimizer: { type: 'sgd', lr: 0.01 }, batchSize: 1, epochs: 10 }))
    const r = lrlab(['train', '--config', cfg, '--data-dir', dir])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('10 epochs × 800,000 batches = 8,000,000 steps, more than --max-steps 1,000,000')
    const small = lrlab(['train', '--config', cfg, '--data-dir', dir, '--max-steps', '100'])
    expect(small.code).toBe(2)
    expect(runFolders(dir)).toEqual([])
  })
})

describe('process ends', () => {
  it('SIGTERM stops `lrlab train` like Ctrl-C: flushed, stopped, exit 4', async () => {
    const dir = tempDir()
    const run = await backgroundRun(dir)
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(4)
    const loaded = new RunStore(dir).load(run.runId)
    expect(loaded.manifest.status).toBe('stopped')
    expect(loaded.damage).toEqual([])
    expect(JSON.parse(run.stdout().trim().split('\n').at(-1)!).status).toBe('stopped')
  }, 120_000)

  it("`lrlab runs` marks a kill -9'd CLI run interrupted (its owner is dead), and keeps its data", async () => {
    const dir = tempDir()
    const run = await backgroundRun(dir)
    run.child.kill('SIGKILL')
    await run.exited
    const r = lrlab(['runs', '--data-dir', dir, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const listed = JSON.parse(r.stdout) as { id: string; status: string; steps: number }[]
    expect(listed.find((x) => x.id === run.runId)).toMatchObject({ status: 'interrupted' })
    expect(listed[0]!.steps).toBeGreaterThan(10)
  }, 120_000)

  it('does not take a recycled pid for the writer: a live pid with another start time is a dead owner', () => {
    const dir = tempDir()
    const store = new RunStore(dir)
    const w = store.createRun({
      config: parseRunnableConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 }),
      backend: { name: 'cpu', requested: 'auto', fallbackReasons: [] },
      stepColumns: ['step'],
      epochColumns: ['epoch'],
      versions: { lrlab: 't', tfjs: 't', node: 't' },
    })
    w.flush()
    openWriterDirs.delete(w.dir) // as if another process had written it
    // The manifest as a dead writer left it, naming a pid that is alive (pid 1) but started at another time.
    const file = join(w.dir, 'manifest.json')
    const m = JSON.parse(readFileSync(file, 'utf8'))
    writeFileSync(file, JSON.stringify({ ...m, writerPid: 1, writerStart: 'not-its-start-time' }))
    expect(new RunStore(dir).recoverInterrupted()).toEqual([w.id])
  })

  it('a trainer whose host is killed saves its run as interrupted itself and exits cleanly', async () => {
    const dir = tempDir()
    // A host process (what serve is to its trainers) that starts a run and prints its id.
    const host = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `
      const { createNodeService } = await import(${JSON.stringify(join(ROOT, 'electron', 'core', 'node-host.ts'))})
      const s = await createNodeService(${JSON.stringify(dir)})
      const { runId } = await s.startRun(${JSON.stringify(LONG)})
      console.log(runId)
    `,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    let out = ''
    host.stdout!.on('data', (d) => (out += d))
    await expect.poll(() => out.trim(), { timeout: 60_000, interval: 100 }).toMatch(/^\d{8}-/)
    const runId = out.trim()
    const store = new RunStore(dir)
    await expect.poll(() => store.load(runId).steps.step!.length, { timeout: 30_000, interval: 100 }).toBeGreaterThan(10)
    const trainerPid = JSON.parse(readFileSync(join(store.runDir(runId), 'manifest.json'), 'utf8')).writerPid as number
    host.kill('SIGKILL')
    // Nobody recovers it for the trainer: it writes 'interrupted' and ends by itself.
    await expect.poll(() => store.loadManifest(runId).status, { timeout: 20_000, interval: 100 }).toBe('interrupted')
    const run = store.load(runId)
    expect(run.damage).toEqual([])
    expect(run.events.at(-1)).toMatchObject({ kind: 'interrupted', message: expect.stringMatching(/host process .* ended/) })
    expect(run.steps.step!.length).toBe(run.manifest.summary.steps)
    await expect
      .poll(
        () => {
          try {
            process.kill(trainerPid, 0)
            return true
          } catch {
            return false
          }
        },
        { timeout: 10_000 },
      )
      .toBe(false)
  }, 120_000)

  it('quitting waits for trainers to write stopped, then quits once', async () => {
    const service = await newService()
    const { runId } = await service.startRun(LONG)
    let quits = 0
    let prevented = 0
    const onBeforeQuit = quitAfterShutdown(
      () => service.shutdown(),
      () => {
        quits++
        onBeforeQuit({ preventDefault: () => prevented++ }) // app.quit() emits before-quit again
      },
    )
    onBeforeQuit({ preventDefault: () => prevented++ })
    onBeforeQuit({ preventDefault: () => prevented++ }) // a second Cmd-Q meanwhile
    expect(prevented).toBe(2)
    expect(quits).toBe(0)
    await expect.poll(() => quits, { timeout: 20_000 }).toBe(1)
    expect(prevented).toBe(2) // the final quit went through
    expect(service.store.loadManifest(runId).status).toBe('stopped')
  }, 60_000)
})

describe('the run queue', () => {
  it('runs at most maxParallel at once; the rest wait as queued, start in order, and can be cancelled', async () => {
    const { createNodeService } = await import('../../electron/core/node-host')
    const service = await createNodeService(tempDir(), 'browser-bridge', { maxParallel: 1 })
    try {
      const a = await service.startRun({ ...LONG, name: 'a' })
      const b = await service.startRun({ ...LONG, name: 'b' })
      const c = await service.startRun({ ...LONG, name: 'c' })
      const status = async (id: string): Promise<string> => (await service.listRuns()).find((r) => r.id === id)!.status
      expect(await status(a.runId)).toBe('running')
      expect(await status(b.runId)).toBe('queued')
      expect(await status(c.runId)).toBe('queued')
      expect(service.queue.waiting).toEqual([b.runId, c.runId])
      await expect(service.pauseRun(b.runId)).rejects.toThrow(/queued/)
      await expect(service.deleteRun(b.runId)).rejects.toThrow(/queued/)
      await service.stopRun(c.runId) // cancelled while queued
      expect(await status(c.runId)).toBe('stopped')
      await service.stopRun(a.runId)
      await waitForEnd(service, a.runId)
      await expect.poll(() => status(b.runId), { timeout: 90_000, interval: 200 }).toBe('running')
      await expect.poll(async () => (await service.loadRun(b.runId)).steps.step!.length, { timeout: 60_000, interval: 200 }).toBeGreaterThan(5)
      await service.stopRun(b.runId)
      expect((await waitForEnd(service, b.runId)).status).toBe('stopped')
      expect((await service.loadRun(b.runId)).manifest.name).toBe('b')
    } finally {
      await service.shutdown()
    }
  }, 240_000)
})
