/**
 * Runs written by the CLI in another process (a cluster job writing to a shared folder,
 * say) reach the app two ways: imported into the library, or listed live from a watched folder.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServiceEvent } from '../../shared/api'
import type { LrLabService } from '../../electron/core/service'
import { RunStore } from '../../electron/storage'
import { newService, tempDir } from '../helpers/service'

const ROOT = resolve(__dirname, '..', '..')
const cliArgs = (config: string, dataDir: string): string[] => ['--import', 'tsx', join(ROOT, 'electron', 'cli', 'cli.ts'), 'train', '--config', config, '--data-dir', dataDir, '--json']

let service: LrLabService
beforeAll(async () => {
  service = await newService()
})
afterAll(async () => {
  await service.shutdown()
})

describe('runs written by the CLI in another process', () => {
  it('imports a finished run with identical metrics', async () => {
    const cluster = tempDir('lrlab-cluster-')
    const cfg = join(cluster, 'c.json')
    writeFileSync(cfg, JSON.stringify({ name: 'from the cluster', data: { kind: 'linreg' }, optimizer: { type: 'adam', lr: 0.05 }, epochs: 40 }))
    const r = spawnSync(process.execPath, cliArgs(cfg, cluster), { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
    expect(r.status, r.stderr).toBe(0)
    const { runId } = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
    const original = new RunStore(cluster).load(runId)

    const imported = await service.importRun(new RunStore(cluster).runDir(runId))
    const loaded = await service.loadRun(imported.runId)
    expect(loaded.manifest.name).toBe('from the cluster')
    expect(loaded.manifest.status).toBe('finished')
    expect(Array.from(loaded.steps.loss!)).toEqual(Array.from(original.steps.loss!))
    expect(Array.from(loaded.epochs.val_loss!)).toEqual(Array.from(original.epochs.val_loss!))
    await expect(service.importRun(join(cluster, 'nope'))).rejects.toThrow(/not a folder|does not exist|no such/i)
  })

  it('lists a watched folder live: a new run appears, updates while it trains, then ends', async () => {
    const shared = tempDir('lrlab-shared-')
    new RunStore(shared) // the folder a cluster job writes into
    await service.watchFolder(shared)
    expect(await service.listWatchedFolders()).toContain(resolve(shared))
    const events: Extract<ServiceEvent, { type: 'library' }>[] = []
    const off = service.onEvent((e) => {
      if (e.type === 'library') events.push(e)
    })
    const cfg = join(shared, 'c.json')
    writeFileSync(cfg, JSON.stringify({ name: 'live on the share', data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1_000_000 }))
    const child = spawn(process.execPath, cliArgs(cfg, shared), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((r) => child.on('exit', r))
    try {
      const inShared = (e: { change: string; runId: string }): boolean => e.change === 'added' && existsSync(new RunStore(shared).runDir(e.runId))
      await expect.poll(() => events.some(inShared), { timeout: 60_000 }).toBe(true)
      const runId = events.find(inShared)!.runId
      await expect.poll(async () => (await service.listRuns()).find((r) => r.id === runId)?.status, { timeout: 30_000 }).toBe('running')
      const listed = (await service.listRuns()).find((r) => r.id === runId)!
      expect(listed.watchedFolder).toBe(resolve(shared))
      await expect.poll(() => events.filter((e) => e.runId === runId && e.change === 'updated').length, { timeout: 30_000 }).toBeGreaterThan(0)
      const partial = await service.loadRun(runId)

      // Ctrl-C: the CLI stops the run cleanly and says so in its exit code (4: stopped).
      child.kill('SIGINT')
      expect(await exited).toBe(4)
      await expect.poll(async () => (await service.listRuns()).find((r) => r.id === runId)?.status, { timeout: 30_000 }).toBe('stopped')
      const full = await service.loadRun(runId)
      expect(full.steps.step!.length).toBe(JSON.parse(out.trim().split('\n').at(-1)!).steps)
      expect(full.steps.step!.length).toBeGreaterThanOrEqual(partial.steps.step!.length)
      // A watched run belongs to its folder: changing it needs an import first.
      await expect(service.renameRun(runId, 'mine now')).rejects.toThrow(/watched folder/)
      off()
      await service.unwatchFolder(shared)
      expect((await service.listRuns()).some((r) => r.id === runId)).toBe(false)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL') // never leave a million-epoch run behind
    }
  })
})
