/** Runs from anywhere: zip export that Open run reads back, foreign folders with damage, unsafe zips refused. */
import { afterAll, describe, expect, it } from 'vitest'
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { zipSync, strToU8 } from 'fflate'
import { LrLabService } from '../../electron/core/service'
import { RunStore } from '../../electron/storage'
import { writeSyntheticRun } from '../../electron/bench/synthetic-runs'
import { extractRunZip, safeEntryPath, ZIP_LIMITS } from '../../electron/storage/run-archive'

const dirs: string[] = []
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function service(dataDir = tmp('lrlab-svc-')): LrLabService {
  return new LrLabService({
    dataDir,
    host: 'browser-bridge',
    backend: null,
    spawnTrainer: () => {
      throw new Error('no training in this test')
    },
  })
}

/** A colleague's data folder with one finished run in it. */
function foreignRun(): { dataDir: string; id: string; folder: string } {
  const dataDir = tmp('lrlab-colleague-')
  const id = writeSyntheticRun(new RunStore(dataDir), { steps: 400, epochs: 4, name: 'colleague sgd' })
  return { dataDir, id, folder: join(dataDir, 'runs', id) }
}

describe('runs as .zip', () => {
  it('exports a run as a zip that Open run opens again, listed read-only until kept', async () => {
    const { dataDir, id } = foreignRun()
    const theirs = service(dataDir)
    const original = await theirs.loadRun(id)
    const { filename, base64 } = await theirs.exportRunZip(id)
    expect(filename).toBe(`${id}.zip`)
    const zipPath = join(tmp('lrlab-zip-'), filename)
    writeFileSync(zipPath, Buffer.from(base64, 'base64'))

    const mine = service()
    const opened = await mine.openRun(zipPath)
    expect(opened).toEqual({ runId: id, source: zipPath, damage: [], inLibrary: false })
    const loaded = await mine.loadRun(id)
    expect(loaded.manifest.name).toBe('colleague sgd')
    expect(Array.from(loaded.steps['loss']!)).toEqual(Array.from(original.steps['loss']!))
    expect(loaded.epochs['epoch']!.length).toBe(4)
    const listed = (await mine.listRuns()).find((r) => r.id === id)!
    expect(listed.watchedFolder).toBe(zipPath)
    expect(existsSync(mine.store.runDir(id))).toBe(false)
    await expect(mine.renameRun(id, 'x')).rejects.toThrow(/opened from .*keep it in the library/)
    // CSV export works on an opened run without keeping it.
    expect((await mine.exportCsv(id)).csv.split('\n').length).toBeGreaterThan(400)

    const kept = await mine.keepOpenedRun(id)
    expect(kept.runId).toBe(id)
    expect(existsSync(mine.store.runDir(id))).toBe(true)
    expect((await mine.listRuns()).find((r) => r.id === id)!.watchedFolder).toBeUndefined()
    await mine.renameRun(id, 'mine now')
    // No scratch copies left behind.
    expect(readdirSync(join(mine.store.dataDir, 'scratch'))).toEqual([])
  })

  it('imports a .zip straight into the library, and opens an uploaded one (browser mode)', async () => {
    const { dataDir, id } = foreignRun()
    const { base64 } = await service(dataDir).exportRunZip(id)
    const zipPath = join(tmp('lrlab-zip-'), 'run.zip')
    writeFileSync(zipPath, Buffer.from(base64, 'base64'))
    const a = service()
    expect((await a.importRun(zipPath)).runId).toBe(id)
    const b = service()
    const up = await b.call('openRunUpload', ['run.zip', base64])
    expect(up).toMatchObject({ runId: id, source: 'run.zip', inLibrary: false })
    await expect(b.call('openRunUpload', ['run.txt', base64])).rejects.toThrow(/only a .zip/)
    await expect(b.call('openRunUpload', ['run.zip', 'not base64!'])).rejects.toThrow(/base64/)
  })

  it('an opened run already in the library says so and shows the library copy', async () => {
    const { dataDir, id } = foreignRun()
    const s = service(dataDir)
    const { base64 } = await s.exportRunZip(id)
    const zipPath = join(tmp('lrlab-zip-'), 'again.zip')
    writeFileSync(zipPath, Buffer.from(base64, 'base64'))
    expect(await s.openRun(zipPath)).toMatchObject({ runId: id, inLibrary: true })
  })
})

describe('foreign run folders', () => {
  it('opens a damaged folder: damage reported, the rest loaded', async () => {
    const { folder, id } = foreignRun()
    const copy = join(tmp('lrlab-cluster-'), id)
    cpSync(folder, copy, { recursive: true })
    appendFileSync(join(copy, 'events.jsonl'), '{"kind": "clipping", "step": \n')
    const steps = readFileSync(join(copy, 'steps.arrow'))
    writeFileSync(join(copy, 'steps.arrow'), steps.subarray(0, Math.floor(steps.length * 0.6)))
    const s = service()
    const opened = await s.openRun(copy)
    expect(opened.damage.join('; ')).toMatch(/steps\.arrow/)
    const run = await s.loadRun(id)
    expect(run.epochs['epoch']!.length).toBe(4)
    expect(run.steps['step']!.length).toBeLessThan(400)
    expect(run.manifest.name).toBe('colleague sgd')
    // The source folder is never written to.
    expect(readFileSync(join(copy, 'steps.arrow')).length).toBe(Math.floor(steps.length * 0.6))
  })

  it('refuses what is not a run, naming the problem', async () => {
    const s = service()
    const junk = tmp('lrlab-junk-')
    writeFileSync(join(junk, 'readme.txt'), 'hi')
    await expect(s.openRun(junk)).rejects.toThrow(/not an LR Lab run folder/)
    await expect(s.openRun(join(junk, 'readme.txt'))).rejects.toThrow(/neither a run folder nor a .zip/)
    await expect(s.openRun(join(junk, 'nope'))).rejects.toThrow(/does not exist/)
    writeFileSync(join(junk, 'fake.zip'), 'PK not really')
    await expect(s.openRun(join(junk, 'fake.zip'))).rejects.toThrow(/not a readable zip/)
  })
})

describe('zip extraction is safe', () => {
  const manifest = strToU8('{}')
  it('refuses traversal, absolute paths, odd names and links out, writing nothing', () => {
    for (const name of ['../evil.txt', 'run/../../evil', '/etc/passwd', 'C:/x', 'run\\..\\x', 'run/./x', 'run//x', 'run/na me']) {
      expect(typeof safeEntryPath(name), name).toBe('string')
      const parent = tmp('lrlab-unzip-')
      expect(() => extractRunZip(zipSync({ [name]: manifest }), parent, 'bad.zip'), name).toThrow(/bad.zip: /)
      expect(readdirSync(parent), name).toEqual([])
    }
    expect(safeEntryPath('run-1/model/weights.bin')).toEqual(['run-1', 'model', 'weights.bin'])
  })

  it('caps entries and sizes (declared and inflated)', () => {
    const parent = tmp('lrlab-unzip-')
    const limits = { ...ZIP_LIMITS, maxEntries: 3, maxTotalBytes: 1000 }
    const many = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`r/f${i}`, manifest]))
    expect(() => extractRunZip(zipSync(many), parent, 'many.zip', limits)).toThrow(/more than 3 entries/)
    // 1 MB of zeros deflates to ~1 KB: a small zip that inflates past the cap.
    expect(() => extractRunZip(zipSync({ 'r/big': new Uint8Array(1_000_000) }), parent, 'bomb.zip', limits)).toThrow(/more than 1000 bytes/)
    expect(() => extractRunZip(new Uint8Array(2000), parent, 'huge.zip', { ...limits, maxZipBytes: 1000 })).toThrow(/larger than 1000 bytes/)
    expect(readdirSync(parent)).toEqual([])
    const ok = extractRunZip(zipSync({ 'r/a.json': manifest, 'r/sub/b': manifest }), parent, 'ok.zip', limits)
    expect(ok.folder).toBe(join(ok.root, 'r'))
    expect(readFileSync(join(ok.folder, 'sub', 'b'), 'utf8')).toBe('{}')
  })
})

describe('CSV dataset upload (browser mode)', () => {
  it('saves the file among the datasets under a safe name and returns its path', async () => {
    const s = service()
    const { path } = (await s.call('uploadDataset', ['../../my data.csv', 'x,y\n1,2\n'])) as { path: string }
    expect(path.startsWith(join(s.store.dataDir, 'datasets'))).toBe(true)
    expect(path).toMatch(/my-data-[0-9a-f]{6}\.csv$/)
    expect(readFileSync(path, 'utf8')).toBe('x,y\n1,2\n')
  })
})
