/**
 * `lrlab sweep` as scripts and array schedulers use it: --list, one member per process with
 * GNU parallel into one runs folder, and the same result as the pooled `lrlab sweep`.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Papa from 'papaparse'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/service'

const ROOT = resolve(__dirname, '..', '..')
const CLI = ['--import', 'tsx', join(ROOT, 'electron', 'cli', 'cli.ts')]

function lrlab(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 400_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const lastJson = (stdout: string): any => JSON.parse(stdout.trim().split('\n').at(-1)!)
const hasParallel = spawnSync('parallel', ['--version'], { encoding: 'utf8' }).status === 0

const spec = {
  name: 'cli race',
  // One backend for both ways of running: auto measures in each process, and separate processes
  // on a busy machine may measure differently (wasm here, tensorflow there); numbers are equal
  // bit for bit only on one backend.
  base: { data: { kind: 'moons', n: 200 }, model: { kind: 'mlp', hidden: [8] }, loss: 'binaryCrossEntropy', optimizer: { type: 'sgd', lr: 0.1 }, epochs: 15, batchSize: 32, backend: 'wasm' },
  grid: { 'optimizer.lr': { logspace: [0.01, 100, 3] }, schedule: [{ type: 'constant' }, { type: 'cosine' }] },
}

function report(dataDir: string, id: string): Record<string, string>[] {
  const r = lrlab(['export', '--compare', '--sweep', id, '--out', '-', '--data-dir', dataDir])
  expect(r.code, r.stderr).toBe(0)
  return Papa.parse<Record<string, string>>(r.stdout, { header: true, skipEmptyLines: true }).data
}

describe('lrlab sweep', () => {
  it('lists members, refuses a bad spec naming member and field, and a member index out of range', () => {
    const dir = tempDir()
    const file = join(dir, 'spec.json')
    writeFileSync(file, JSON.stringify(spec))
    const list = lrlab(['sweep', '--config', file, '--list'])
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout.trim().split('\n')).toEqual([
      '0  lr=0.01 schedule=constant',
      '1  lr=0.01 schedule=cosine',
      '2  lr=1 schedule=constant',
      '3  lr=1 schedule=cosine',
      '4  lr=100 schedule=constant',
      '5  lr=100 schedule=cosine',
    ])
    const out = lrlab(['sweep', '--config', file, '--member', '6', '--data-dir', dir])
    expect(out.code).toBe(2)
    expect(out.stderr).toMatch(/--member: 6 is not a member of this sweep \(0–5\)/)
    writeFileSync(file, JSON.stringify({ ...spec, grid: { ...spec.grid, 'optimizer.momentum': [2] } }))
    const bad = lrlab(['sweep', '--config', file, '--list'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/member 0 \(lr=0\.01 schedule=constant momentum=2\): optimizer\.momentum: /)
  }, 120_000)

  it.skipIf(!hasParallel)(
    'GNU parallel runs the members as separate processes into one folder, equal to lrlab sweep bit for bit',
    () => {
      const dir = tempDir()
      const file = join(dir, 'spec.json')
      writeFileSync(file, JSON.stringify(spec))
      const viaParallel = join(dir, 'parallel')
      const pooled = join(dir, 'pooled')
      // The README's recipe: one process per member index, two at a time, all into one runs folder.
      const p = spawnSync(
        'parallel',
        ['-j', '2', '--halt', 'now,fail=1', process.execPath, ...CLI, 'sweep', '--config', file, '--member', '{}', '--data-dir', viaParallel, '--json', ':::', '0', '1', '2', '3', '4', '5'],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 400_000,
        },
      )
      expect(p.status, p.stderr).toBe(0)
      const perMember = p.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      expect(perMember.map((m) => m.member).sort()).toEqual([0, 1, 2, 3, 4, 5])
      const id = perMember[0].sweepId
      expect(new Set(perMember.map((m) => m.sweepId))).toEqual(new Set([id]))
      // Running a member again skips it: it has a result.
      const again = lrlab(['sweep', '--config', file, '--member', '3', '--data-dir', viaParallel, '--json'])
      expect(lastJson(again.stdout).skipped).toBe(true)

      const r = lrlab(['sweep', '--config', file, '--data-dir', pooled, '--parallel', '2', '--json'])
      expect(r.code, r.stderr).toBe(0)
      const summary = lastJson(r.stdout)
      expect(summary.sweepId).toBe(id)
      expect(summary.status).toBe('done')
      const a = report(viaParallel, id)
      const b = report(pooled, id)
      const cols = ['member', 'label', 'axis:optimizer.lr', 'axis:schedule', 'status', 'steps', 'final_loss', 'best_loss', 'final_val_loss', 'best_val_loss', 'final_val_metric', 'diverged_at_step']
      const pick = (rows: Record<string, string>[]) => rows.map((row) => cols.map((c) => row[c]))
      expect(a).toHaveLength(6)
      expect(pick(a)).toEqual(pick(b))
      // The axes made a difference (the comparison is not of six copies).
      expect(new Set(a.map((row) => row.final_val_loss)).size).toBe(6)
    },
    900_000,
  )
})
