/**
 * The CLI's output through a real pipe to a slow reader: every byte arrives. (Writes to a pipe
 * are asynchronous; exiting right after a large write used to drop all but the first 64 KB or so,
 * with exit code 0.)
 */
import { execFileSync } from 'node:child_process'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { writeSyntheticRun } from '../../electron/bench/synthetic-runs'
import { exportComparisonCsv, exportRunCsv } from '../../electron/storage/csv'
import { tempDir } from '../helpers/service'

const ROOT = resolve(__dirname, '..', '..')
const CLI = join(ROOT, 'electron', 'cli', 'cli.ts')

/** Run the CLI with stdout piped into a reader that waits a second before reading: what `| slow-consumer` does. */
function throughPipe(args: string[]): { code: number; out: Buffer } {
  const dir = tempDir('lrlab-pipe-')
  const outFile = join(dir, 'out')
  const quoted = [process.execPath, '--import', 'tsx', CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const script = `set -o pipefail; ${quoted} | (sleep 1; cat > '${outFile}')`
  let code = 0
  try {
    execFileSync('bash', ['-c', script], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000 })
  } catch (e) {
    code = (e as { status?: number }).status ?? -1
  }
  return { code, out: readFileSync(outFile) }
}

let dataDir: string
let bigRun: string
let ids: string[]

beforeAll(() => {
  dataDir = tempDir('lrlab-pipe-data-')
  const store = new RunStore(dataDir)
  bigRun = writeSyntheticRun(store, { steps: 60_000, epochs: 60, name: 'big' })
  // Many runs for the list and the report: copies of one small run, each with long tags.
  const small = writeSyntheticRun(store, { steps: 10, name: 'small' })
  store.setTags(
    small,
    Array.from({ length: 50 }, (_, i) => `tag-${i}-${'x'.repeat(55)}`),
  ) // 50: the tag limit
  const manifest = JSON.parse(readFileSync(join(store.runDir(small), 'manifest.json'), 'utf8'))
  ids = [small]
  for (let i = 0; i < 800; i++) {
    const id = `copy-${String(i).padStart(4, '0')}`
    cpSync(store.runDir(small), join(store.runsDir, id), { recursive: true })
    writeFileSync(join(store.runsDir, id, 'manifest.json'), JSON.stringify({ ...manifest, id }))
    ids.push(id)
  }
})

describe('lrlab output through a pipe', () => {
  it('export RUN --out - delivers the whole CSV', () => {
    const expected = exportRunCsv(new RunStore(dataDir).load(bigRun), { level: 'step', format: 'wide' })
    expect(expected.length).toBeGreaterThan(3_000_000)
    const r = throughPipe(['export', bigRun, '--out', '-', '--data-dir', dataDir])
    expect(r.code).toBe(0)
    expect(r.out.length).toBe(Buffer.byteLength(expected))
    expect(r.out.toString('utf8') === expected).toBe(true)
  })

  it('runs --json delivers JSON that parses, with every run', () => {
    const r = throughPipe(['runs', '--json', '--data-dir', dataDir])
    expect(r.code).toBe(0)
    expect(r.out.length).toBeGreaterThan(2_000_000)
    expect((JSON.parse(r.out.toString('utf8')) as unknown[]).length).toBe(ids.length + 1)
  })

  it('export --compare --out - delivers a row per run', () => {
    const store = new RunStore(dataDir)
    const expected = exportComparisonCsv(store.list().map((r) => store.reportManifest(r.id)))
    expect(expected.length).toBeGreaterThan(200_000)
    const r = throughPipe(['export', '--compare', '--out', '-', '--data-dir', dataDir])
    expect(r.code).toBe(0)
    expect(r.out.toString('utf8') === expected).toBe(true)
  })
})
