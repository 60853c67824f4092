/**
 * Run ids reach the file system (delete renames and removes folders): an id must never name the
 * runs folder, the trash, their parent or anything beside them. Each operation is tried with
 * hostile ids over the service API (what the page's socket and Electron IPC call), on the store
 * directly, and through the CLI; the data dir must come out untouched.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { writeSyntheticRun } from '../../electron/bench/synthetic-runs'
import type { LrLabService } from '../../electron/core/service'
import { RunIdSchema } from '../../shared/api'
import { newService, tempDir } from '../helpers/service'

const ROOT = resolve(__dirname, '..', '..')
const HOSTILE = ['.', '..', '.hidden', '..foo', 'a..b', '../x', 'x/..', 'a/b', '/etc', '', 'a\\b']

let dataDir: string
let service: LrLabService
let runId: string
let trashedId: string

/** Everything under the data dir, so a test can check nothing moved. */
function snapshot(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name
      out.push(r)
      if (e.isDirectory()) walk(join(d, e.name), r)
    }
  }
  walk(dir, '')
  return out.sort()
}

beforeAll(async () => {
  dataDir = tempDir('lrlab-ids-')
  const store = new RunStore(dataDir)
  runId = writeSyntheticRun(store, { steps: 50, name: 'kept' })
  trashedId = writeSyntheticRun(store, { steps: 20, name: 'in the trash' })
  store.delete(trashedId)
  writeFileSync(join(dataDir, 'my-notes.txt'), 'a user file in the data dir')
  // Things an id like ".." or "." would resolve to, if it could.
  writeFileSync(join(dataDir, 'manifest.json'), '{"formatVersion":1,"name":"decoy"}')
  service = await newService(dataDir)
})
afterAll(async () => {
  await service.shutdown()
})

async function refused(method: string, args: unknown[]): Promise<string> {
  const before = snapshot(dataDir)
  const err = await service.call(method, args).then(
    () => null,
    (e: Error) => e,
  )
  expect(err, `${method}(${JSON.stringify(args)}) was accepted`).not.toBeNull()
  expect(snapshot(dataDir)).toEqual(before)
  expect((err as { code?: string }).code).toBe('bad-request')
  return err!.message
}

describe('run ids', () => {
  it('admit the ids the store creates and imports, and nothing that is a path', () => {
    expect(RunIdSchema.safeParse('20260101-120000-ab12').success).toBe(true)
    expect(RunIdSchema.safeParse('my_run.v2-final').success).toBe(true)
    for (const id of HOSTILE) expect(RunIdSchema.safeParse(id).success, id).toBe(false)
  })

  const operations: [string, (id: string) => unknown[]][] = [
    ['deleteRun', (id) => [id]],
    ['undoDeleteRun', (id) => [id]],
    ['renameRun', (id) => [id, 'x']],
    ['setRunTags', (id) => [id, ['x']]],
    ['setRunNotes', (id) => [id, 'x']],
    ['exportCsv', (id) => [id]],
    ['exportComparisonCsv', (id) => [[id]]],
    ['loadRun', (id) => [id]],
    ['stopRun', (id) => [id]],
  ]
  for (const [method, args] of operations) {
    it(`${method} refuses every hostile id with a message naming the run id, and touches nothing`, async () => {
      for (const id of HOSTILE) expect(await refused(method, args(id))).toMatch(/run id/)
      // The library still holds its run, the trash its deleted one, the data dir the user's file.
      expect(readFileSync(join(dataDir, 'my-notes.txt'), 'utf8')).toBe('a user file in the data dir')
      expect(existsSync(join(dataDir, 'runs', runId, 'manifest.json'))).toBe(true)
      expect(existsSync(join(dataDir, 'trash', trashedId, 'manifest.json'))).toBe(true)
    })
  }

  it('the store refuses them too, for every operation that touches a folder', () => {
    const store = new RunStore(dataDir)
    const before = snapshot(dataDir)
    const ops: [string, (id: string) => unknown][] = [
      ['delete', (id) => store.delete(id)],
      ['undoDelete', (id) => store.undoDelete(id)],
      ['rename', (id) => store.rename(id, 'x')],
      ['setTags', (id) => store.setTags(id, ['x'])],
      ['setNotes', (id) => store.setNotes(id, 'x')],
      ['load', (id) => store.load(id)],
      ['loadManifest', (id) => store.loadManifest(id)],
      ['reportManifest', (id) => store.reportManifest(id)],
      ['runDir', (id) => store.runDir(id)],
    ]
    for (const [name, op] of ops) for (const id of HOSTILE) expect(() => op(id), `${name}(${JSON.stringify(id)})`).toThrow(/run id/)
    expect(snapshot(dataDir)).toEqual(before)
  })

  it('import gives a folder whose name is not a valid id a fresh id inside the runs folder', async () => {
    const elsewhere = tempDir('lrlab-ids-src-')
    const odd = join(elsewhere, 'a..b')
    cpSync(join(dataDir, 'runs', runId), odd, { recursive: true })
    const { runId: imported } = (await service.call('importRun', [odd])) as { runId: string }
    expect(imported).not.toBe('a..b')
    expect(RunIdSchema.safeParse(imported).success).toBe(true)
    expect(existsSync(join(dataDir, 'runs', imported, 'manifest.json'))).toBe(true)
    // The data dir itself (a run's "..") is not a run folder.
    const before = snapshot(dataDir)
    await expect(service.call('importRun', [join(dataDir, 'runs', runId, '..', '..')])).rejects.toThrow(/not an LR Lab run folder/)
    expect(snapshot(dataDir)).toEqual(before)
    await service.call('deleteRun', [imported])
  })

  it('a valid id still deletes, undoes and edits its own run only', async () => {
    const before = snapshot(dataDir).filter((p) => !p.startsWith('runs/') && !p.startsWith('trash/'))
    await service.call('deleteRun', [runId])
    expect(existsSync(join(dataDir, 'trash', runId))).toBe(true)
    await service.call('undoDeleteRun', [runId])
    await service.call('renameRun', [runId, 'renamed'])
    expect(((await service.call('loadRun', [runId])) as { manifest: { name: string } }).manifest.name).toBe('renamed')
    expect(snapshot(dataDir).filter((p) => !p.startsWith('runs/') && !p.startsWith('trash/'))).toEqual(before)
  })

  it('lrlab export refuses them with exit 2 and writes no file', () => {
    const out = join(tempDir('lrlab-ids-out-'), 'out.csv')
    for (const args of [['..'], ['--compare', '.']]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'electron', 'cli', 'cli.ts'), 'export', ...args, '--out', out, '--data-dir', dataDir], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      })
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(/run id/)
      expect(existsSync(out)).toBe(false)
    }
  })
})
