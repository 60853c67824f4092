/**
 * A run the CLI writes in another process into the service's own library streams live
 * through the service: the same metrics and status events a trainer of the service sends,
 * read from the files as batches are appended, and the end from the manifest.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServiceEvent } from '../../shared/api'
import { concatColumns, type Columns } from '../../shared/metrics'
import type { LrLabService } from '../../electron/core/service'
import { RunStore } from '../../electron/storage'
import { newService, tempDir } from '../helpers/service'

const ROOT = resolve(__dirname, '..', '..')
const dataDir = tempDir('lrlab-tail-')
let service: LrLabService
beforeAll(async () => {
  service = await newService(dataDir)
})
afterAll(async () => {
  await service.shutdown()
})

describe('a run written by another process', () => {
  it('streams its appended rows and its status, and refuses to control it', async () => {
    const events: ServiceEvent[] = []
    const off = service.onEvent((e) => events.push(e))
    const cfg = join(dataDir, 'c.json')
    writeFileSync(cfg, JSON.stringify({ name: 'from the CLI', data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1_000_000 }))
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'electron', 'cli', 'cli.ts'), 'train', '--config', cfg, '--data-dir', dataDir, '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((r) => child.on('exit', r))
    try {
      const statusOf = (s: string) => events.find((e): e is Extract<ServiceEvent, { type: 'status' }> => e.type === 'status' && e.status === s)
      await expect.poll(() => statusOf('running'), { timeout: 60_000 }).toBeTruthy()
      const runId = statusOf('running')!.runId
      expect(statusOf('running')!.external).toMatch(/written by process \d+/)
      const metrics = () => events.filter((e): e is Extract<ServiceEvent, { type: 'metrics' }> => e.type === 'metrics' && e.runId === runId)
      await expect.poll(() => metrics().length, { timeout: 30_000 }).toBeGreaterThan(2)
      // Live progress comes with the rows, as from a trainer of this service.
      expect(events.some((e) => e.type === 'status' && e.runId === runId && e.progress && e.progress.step > 0)).toBe(true)
      await expect(service.stopRun(runId)).rejects.toThrow(/written by process \d+.*stop it there/)

      child.kill('SIGINT')
      expect(await exited).toBe(4)
      await expect.poll(() => statusOf('stopped')?.runId, { timeout: 30_000 }).toBe(runId)
      expect(statusOf('stopped')!.summary?.steps).toBeGreaterThan(0)

      // The streamed rows are exactly the file's rows from the first streamed step on: none lost, none twice.
      const streamed: Columns = concatColumns(metrics().map((m) => m.steps))
      const saved = new RunStore(dataDir).load(runId).steps
      const first = streamed.step![0]!
      const from = saved.step!.indexOf(first)
      expect(from).toBeGreaterThanOrEqual(0)
      expect(Array.from(streamed.step!)).toEqual(Array.from(saved.step!.slice(from)))
      expect(Array.from(streamed.loss!)).toEqual(Array.from(saved.loss!.slice(from)))
      off()
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
