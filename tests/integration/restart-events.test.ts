/**
 * Schedule restarts reach the page as they happen: the service streams each of the trainer's
 * 'restart' events, at the steps the builder's preview shows, instead of the page simulating
 * the schedule again (up to millions of steps) to guess them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LrLabService } from '../../electron/core/service'
import type { ServiceEvent } from '../../shared/api'
import { parseRunConfig } from '../../shared/config'
import { previewRunSchedule } from '../../shared/run-plan'
import { newService, waitForEnd } from '../helpers/service'

describe('restart events', () => {
  let service: LrLabService
  beforeAll(async () => {
    service = await newService()
  })
  afterAll(async () => {
    await service.shutdown()
  })

  it('a warm-restart run streams a restart event at each step the preview restarts at, each one before the run ends', async () => {
    const input = { data: { kind: 'linreg', n: 100 }, optimizer: { type: 'sgd', lr: 0.01 }, schedule: { type: 'cosine-restarts', t0: 7, stepUnit: 'batch' }, epochs: 10, batchSize: 20 }
    const planned = previewRunSchedule(parseRunConfig(input))!.preview.restarts
    expect(planned.length).toBeGreaterThan(2)
    const seen: Extract<ServiceEvent, { type: 'restart' }>[] = []
    let ended = false
    const off = service.onEvent((e) => {
      if (e.type === 'restart') {
        expect(ended).toBe(false)
        seen.push(e)
      }
      if (e.type === 'status' && e.summary) ended = true
    })
    const { runId } = await service.startRun(input)
    expect((await waitForEnd(service, runId)).status).toBe('finished')
    off()
    expect(seen.every((e) => e.runId === runId)).toBe(true)
    expect(seen.map((e) => e.step)).toEqual(planned)
    // The same events are in the run's files, for when it is opened later.
    const loaded = await service.loadRun(runId)
    expect(loaded.events.filter((e) => e.kind === 'restart').map((e) => e.step)).toEqual(planned)
  }, 120_000)
})
