/** Sweeps through the service: members in the one run queue, divergence, pause/stop/resume, the report. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import Papa from 'papaparse'
import type { ServiceEvent } from '../../shared/api'
import type { SweepInfo } from '../../shared/sweep'
import type { LrLabService } from '../../electron/core/service'
import { newService, tempDir } from '../helpers/service'
import { createNodeService } from '../../electron/core/node-host'

let service: LrLabService | null = null
afterEach(async () => {
  await service?.shutdown()
  service = null
})

const article = { data: { kind: 'linreg', n: 100 }, model: { kind: 'linear', init: { weight: [[0.5]], bias: [-0.2] } }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 100 }

/** Resolve with the first sweep event that satisfies `pred`. */
function sweepEvent(s: LrLabService, pred: (i: SweepInfo) => boolean, timeoutMs = 240_000): Promise<SweepInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sweep event did not come')), timeoutMs)
    const off = s.onEvent((e: ServiceEvent) => {
      if (e.type === 'sweep' && pred(e.sweep)) {
        clearTimeout(timer)
        off()
        resolve(e.sweep)
      }
    })
  })
}

describe('sweeps in the service', () => {
  it('runs members at most N at a time; a diverged member ends at its step and frees its slot', async () => {
    const dataDir = tempDir()
    service = await createNodeService(dataDir, 'browser-bridge', { maxParallel: 2 })
    const s = service
    let running = 0
    let most = 0
    s.onEvent((e) => {
      if (e.type !== 'sweep') return
      running = e.sweep.members.filter((m) => m.status === 'running' || m.status === 'paused').length
      most = Math.max(most, running)
    })
    const { sweepId, members, toRun } = await s.startSweep({ name: 'four', base: article, grid: { 'optimizer.lr': [0.001, 0.01, 0.05, 0.02] } })
    expect([members, toRun]).toEqual([4, 4])
    await s.sweepSettled(sweepId)
    const [info] = await s.listSweeps()
    expect(info!.id).toBe(sweepId)
    expect(info!.status).toBe('done')
    expect(info!.members.map((m) => m.status)).toEqual(['finished', 'finished', 'diverged', 'finished'])
    expect(most).toBeLessThanOrEqual(2)
    expect(most).toBeGreaterThanOrEqual(1)
    const diverged = await s.loadRun(info!.members[2]!.runId!)
    expect(diverged.manifest.summary.divergedAtStep).toBeLessThan(100)
    expect(diverged.manifest.tags).toContain(`sweep:${sweepId}`)
    // One backend for all members (the base asks for auto): the first member's pick, recorded in
    // the sweep, and every other member forced onto it.
    expect(info!.backend).not.toBeNull()
    const manifests = await Promise.all(info!.members.map(async (m) => (await s.loadRun(m.runId!)).manifest))
    expect(manifests.map((m) => m.backend.name)).toEqual(Array(4).fill(info!.backend))
    expect(manifests.filter((m) => m.backend.requested === 'auto')).toHaveLength(1)
    expect(readFileSync(join(dataDir, 'sweeps', `${sweepId}.backend`), 'utf8').trim()).toBe(info!.backend)
    const rows = Papa.parse<Record<string, string>>((await s.exportSweepCsv(sweepId)).csv, { header: true, skipEmptyLines: true }).data
    expect(rows.map((r) => [r.member, r['axis:optimizer.lr'], r.status])).toEqual([
      ['0', '0.001', 'finished'],
      ['1', '0.01', 'finished'],
      ['2', '0.05', 'diverged'],
      ['3', '0.02', 'finished'],
    ])
    expect(Number(rows[1]!.final_loss)).toBe(info && (await s.loadRun(info.members[1]!.runId!)).manifest.summary.finalLoss)
    // Starting the same spec again keeps every result and runs nothing.
    expect((await s.startSweep({ name: 'four', base: article, grid: { 'optimizer.lr': [0.001, 0.01, 0.05, 0.02] } })).toRun).toBe(0)
  }, 400_000)

  it('pauses, stops and resumes a sweep: finished members are kept, the interrupted one reruns', async () => {
    service = await newService()
    const s = service
    const spec = { name: 'long', base: { ...article, optimizer: { type: 'sgd', lr: 0.001 } }, grid: { epochs: [3, 1_000_000] } }
    const { sweepId } = await s.startSweep(spec, { parallel: 1 })
    const longRunning = await sweepEvent(s, (i) => i.members[1]!.status === 'running')
    expect(longRunning.members[0]!.status).toBe('finished')
    const firstRunId = longRunning.members[0]!.runId
    await s.pauseSweep(sweepId)
    const [paused] = await s.listSweeps()
    expect(paused!.status).toBe('paused')
    // The member's trainer pauses (its manifest says so) and the library shows it.
    await expect.poll(async () => (await s.listRuns()).find((r) => r.id === longRunning.members[1]!.runId)?.status, { timeout: 20_000 }).toBe('paused')
    await s.resumeSweep(sweepId)
    await expect.poll(async () => (await s.listRuns()).find((r) => r.id === longRunning.members[1]!.runId)?.status, { timeout: 20_000 }).toBe('running')
    await s.stopSweep(sweepId)
    await s.sweepSettled(sweepId)
    let [info] = await s.listSweeps()
    expect(info!.status).toBe('stopped')
    expect(info!.members.map((m) => m.status)).toEqual(['finished', 'stopped'])
    await expect(s.pauseSweep(sweepId)).rejects.toThrow(/is not running/)
    // Resume: the stopped member runs again as a new run; the finished one keeps its run.
    await s.resumeSweep(sweepId)
    const rerun = await sweepEvent(s, (i) => i.members[1]!.status === 'running' && i.members[1]!.runId !== longRunning.members[1]!.runId)
    expect(rerun.members[0]!.runId).toBe(firstRunId)
    await s.stopSweep(sweepId)
    await s.sweepSettled(sweepId)
    ;[info] = await s.listSweeps()
    expect(info!.members[1]!.runId).not.toBe(longRunning.members[1]!.runId)
  }, 400_000)

  it('shares the one run queue with plain runs: a member holds a slot a run then waits for, and the run starts when the sweep is stopped', async () => {
    service = await createNodeService(tempDir(), 'browser-bridge', { maxParallel: 1 })
    const s = service
    const { sweepId } = await s.startSweep({ name: 'slot', base: { ...article, optimizer: { type: 'sgd', lr: 0.001 } }, grid: { epochs: [999_999, 1_000_000] } })
    await sweepEvent(s, (i) => i.members[0]!.status === 'running')
    const { runId } = await s.startRun({ ...article, name: 'plain' })
    const status = async (): Promise<string | undefined> => (await s.listRuns()).find((r) => r.id === runId)?.status
    expect(await status()).toBe('queued')
    // One queue, in submission order: the sweep's second member, then the run.
    expect(s.queue.waiting).toEqual([`${sweepId}#1`, runId])
    await s.stopSweep(sweepId)
    await s.sweepSettled(sweepId)
    await expect.poll(status, { timeout: 90_000, interval: 200 }).toMatch(/running|finished/)
  }, 240_000)

  it('refuses a bad spec naming the member and field', async () => {
    service = await newService()
    await expect(service.call('startSweep', [{ base: article, grid: { 'optimizer.lr': [0.1, -1] } }])).rejects.toThrow(/member 1 \(lr=-1\): optimizer\.lr: /)
    await expect(service.call('startSweep', [{ base: article }, { parallel: 0 }])).rejects.toThrow(/parallel/)
    await expect(service.call('stopSweep', ['Nope!'])).rejects.toThrow(/sweep id/)
    await expect(service.call('resumeSweep', ['nope'])).rejects.toThrow(/no sweep nope/)
  })
})
