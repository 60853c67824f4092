/**
 * Watching a folder reads it and nothing more: it never creates runs/ or trash/ beside or inside
 * it (watchFolder('/proc') used to create /runs and /trash), accepts a data dir and a runs folder
 * alike, and refuses anything else with a reason.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { writeSyntheticRun } from '../../electron/bench/synthetic-runs'
import type { LrLabService } from '../../electron/core/service'
import { newService, tempDir } from '../helpers/service'

let service: LrLabService
beforeAll(async () => {
  service = await newService()
})
afterAll(async () => {
  await service.shutdown()
})

function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
}

describe('watchFolder', () => {
  it('refuses a folder that holds no runs, with a reason, and creates nothing beside or in it', async () => {
    const parent = tempDir('lrlab-watch-')
    const plain = join(parent, 'photos')
    mkdirSync(plain)
    writeFileSync(join(plain, 'cat.jpg'), 'not a run')
    mkdirSync(join(plain, 'holiday'))
    await expect(service.watchFolder(plain)).rejects.toThrow(/neither an LR Lab data folder .* nor a folder of runs/)
    expect(tree(parent)).toEqual(['photos', 'photos/cat.jpg', 'photos/holiday'])
    await expect(service.watchFolder(join(plain, 'cat.jpg'))).rejects.toThrow(/not a folder/)
    expect(tree(parent)).toEqual(['photos', 'photos/cat.jpg', 'photos/holiday'])
    expect(await service.listWatchedFolders()).toEqual([])
  })

  it('refuses /proc and creates nothing at the root', async () => {
    const before = ['runs', 'trash'].map((n) => existsSync(join('/', n)))
    await expect(service.watchFolder('/proc')).rejects.toThrow(/neither/)
    expect(['runs', 'trash'].map((n) => existsSync(join('/', n)))).toEqual(before)
  })

  it('accepts a data dir and lists its runs, creating no trash there', async () => {
    const dataDir = tempDir('lrlab-watch-data-')
    const id = writeSyntheticRun(new RunStore(dataDir), { steps: 5 })
    const before = tree(dataDir).filter((p) => !p.startsWith('trash'))
    rmSync(join(dataDir, 'trash'), { recursive: true })
    await service.watchFolder(dataDir)
    expect((await service.listRuns()).map((r) => r.id)).toContain(id)
    expect(tree(dataDir)).toEqual(before)
    await service.unwatchFolder(dataDir)
  })

  it('accepts a runs folder itself, and an empty folder named runs, creating nothing beside them', async () => {
    const parent = tempDir('lrlab-watch-runs-')
    const dataDir = join(parent, 'cluster')
    const id = writeSyntheticRun(new RunStore(dataDir), { steps: 5 })
    rmSync(join(dataDir, 'trash'), { recursive: true })
    const before = tree(parent)
    await service.watchFolder(join(dataDir, 'runs'))
    expect((await service.listRuns()).map((r) => r.id)).toContain(id)
    // A run of a watched folder cannot be deleted or edited from here.
    await expect(service.deleteRun(id)).rejects.toThrow(/watched folder/)
    await service.unwatchFolder(join(dataDir, 'runs'))

    const empty = join(parent, 'later', 'runs')
    mkdirSync(empty, { recursive: true })
    await service.watchFolder(empty)
    expect(tree(parent)).toEqual([...before, 'later', 'later/runs'].sort())
    await service.unwatchFolder(empty)
  })
})
