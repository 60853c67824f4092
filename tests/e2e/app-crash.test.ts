/**
 * Killing the whole app (the serve host and its trainer) with SIGKILL mid-run loses at
 * most the last second of metrics; on the next start the run is `interrupted` with its data.
 */
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { LoadedRun } from '../../shared/api'
import type { RunListEntry } from '../../shared/run'
import { tempDir } from '../helpers/service'
import { startServe } from './browser'
import { connectApi } from './ws-client'

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0)
  } catch {
    return []
  }
}

describe('app killed mid-run', () => {
  it('keeps all but the last second of metrics and marks the run interrupted', async () => {
    const dataDir = tempDir('lrlab-crash-')
    const serve = await startServe(dataDir)
    const api = await connectApi(serve.url)
    const { runId } = await api.call<{ runId: string }>('startRun', {
      name: 'killed',
      data: { kind: 'linreg' },
      optimizer: { type: 'sgd', lr: 0.01 },
      epochs: 1_000_000,
      validationSplit: 0,
    })
    // Let it stream for a few seconds, so several flushes reached the disk.
    await new Promise((r) => setTimeout(r, 4000))
    const streamed = api.events.filter((e): e is Extract<typeof e, { type: 'metrics' }> => e.type === 'metrics' && e.runId === runId)
    const lastStreamed = streamed.at(-1)!
    const maxStep = lastStreamed.steps.step!.at(-1)!
    const elapsedAtMax = lastStreamed.steps.elapsed!.at(-1)!
    const trainers = childrenOf(serve.proc.pid!)
    expect(trainers.length).toBeGreaterThan(0)
    for (const pid of [serve.proc.pid!, ...trainers]) process.kill(pid, 'SIGKILL')
    api.close()
    await new Promise((r) => setTimeout(r, 300))

    const again = await startServe(dataDir)
    try {
      const api2 = await connectApi(again.url)
      const runs = await api2.call<RunListEntry[]>('listRuns')
      const run = runs.find((r) => r.id === runId)!
      expect(run.status).toBe('interrupted')
      const loaded = await api2.call<LoadedRun>('loadRun', runId)
      const steps = loaded.steps.step!
      const elapsed = loaded.steps.elapsed!
      // Every row on disk is intact and in order…
      steps.forEach((s, i) => expect(s).toBe(i))
      // …and at most the last second before the kill is missing.
      expect(elapsed.at(-1)!).toBeGreaterThanOrEqual(elapsedAtMax - 1.0)
      expect(steps.length).toBeGreaterThan(maxStep * 0.3)
      expect(loaded.damage.filter((d) => !/torn|incomplete|interrupted/i.test(d))).toEqual([])
      api2.close()
    } finally {
      await again.stop()
    }
  })
})
