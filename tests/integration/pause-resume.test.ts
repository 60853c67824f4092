/** Pause, resume and stop through the service, as the UI's buttons use them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LrLabService } from '../../electron/core/service'
import type { RunStatus } from '../../shared/run'
import { newService, waitForEnd } from '../helpers/service'

let service: LrLabService
beforeAll(async () => {
  service = await newService()
})
afterAll(async () => {
  await service.shutdown()
})

describe('run control', () => {
  it('pauses (no steps while paused), resumes, and stops, recording each in the event log', async () => {
    let lastStep = -1
    let status: RunStatus = 'running'
    const off = service.onEvent((e) => {
      if (e.type === 'metrics' && e.steps.step!.length) lastStep = e.steps.step!.at(-1)!
      if (e.type === 'status') status = e.status
    })
    const { runId } = await service.startRun({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1_000_000 })
    await expect.poll(() => lastStep, { timeout: 30_000 }).toBeGreaterThan(50)
    await service.pauseRun(runId)
    await expect.poll(() => status, { timeout: 10_000 }).toBe('paused')
    const atPause = lastStep
    await new Promise((r) => setTimeout(r, 1000))
    expect(lastStep).toBe(atPause)
    expect((await service.listRuns()).find((r) => r.id === runId)!.status).toBe('paused')
    await service.resumeRun(runId)
    await expect.poll(() => lastStep, { timeout: 10_000 }).toBeGreaterThan(atPause + 50)
    expect(status).toBe('running')
    await service.stopRun(runId)
    const end = await waitForEnd(service, runId)
    off()
    expect(end.status).toBe('stopped')
    const run = await service.loadRun(runId)
    expect(run.manifest.status).toBe('stopped')
    expect(run.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['start', 'pause', 'resume', 'stop', 'finish']))
    // Steps are contiguous across the pause: nothing lost, nothing repeated.
    run.steps.step!.forEach((s, i) => expect(s).toBe(i))
    await expect(service.pauseRun(runId)).rejects.toThrow(/not running/)
  })
})
