/** The `lrlab` CLI as a script would use it: a real process, real files, exit codes and --json. */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Papa from 'papaparse'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/service'

const ROOT = resolve(__dirname, '..', '..')

function lrlab(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'electron', 'cli', 'cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function configFile(dir: string, config: unknown): string {
  const path = join(dir, 'config.json')
  writeFileSync(path, JSON.stringify(config))
  return path
}

const lastJson = (stdout: string): any => JSON.parse(stdout.trim().split('\n').at(-1)!)

describe('lrlab CLI', () => {
  it('trains, prints a JSON summary naming the backend and how auto chose it, and exports CSV', () => {
    const dir = tempDir()
    const cfg = configFile(dir, { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 30 })
    const r = lrlab(['train', '--config', cfg, '--data-dir', dir, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const s = lastJson(r.stdout)
    expect(s.status).toBe('finished')
    expect(s.steps).toBe(30)
    // Without --json and without a terminal, the progress bar's last line is the final state, never past the last epoch.
    const plain = lrlab(['train', '--config', cfg, '--data-dir', tempDir()])
    expect(plain.code, plain.stderr).toBe(0)
    expect(
      plain.stderr
        .trim()
        .split('\n')
        .filter((l) => l.includes('steps/s'))
        .at(-1),
    ).toMatch(/100% {2}epoch 30\/30 {2}step 30\/30 /)
    expect(['tensorflow', 'wasm', 'cpu']).toContain(s.backend)
    // auto says how it chose: measured against the other backend, or why nothing could be measured.
    const choice = s.backendChoice
    if (choice.unmeasured) expect(choice.unmeasured).toMatch(/only wasm loads here.*tensorflow/)
    else expect([choice.runnerUp, Object.keys(choice.msPerStep).sort()]).toEqual([s.backend === 'wasm' ? 'tensorflow' : 'wasm', ['tensorflow', 'wasm']])
    // The first line LR Lab prints (tfjs-node's TensorFlow may log its own start-up notes before it).
    expect(plain.stderr.split('\n').find((l) => l.startsWith('LR Lab'))).toMatch(/^LR Lab .* · backend (wasm \(tuned\)|tensorflow) — (not measured: only wasm loads|\d+\.\d× faster than)/)

    const out = join(dir, 'steps.csv')
    const e = lrlab(['export', s.runId, '--out', out, '--data-dir', dir])
    expect(e.code, e.stderr).toBe(0)
    const rows = Papa.parse<Record<string, string>>(readFileSync(out, 'utf8').trim(), { header: true }).data
    expect(rows.length).toBe(30)
    expect(Number(rows[0]!.lr)).toBe(0.01)

    // A second run, then the comparison report over both: one row each, config and summary.
    const cfg2 = configFile(dir, { data: { kind: 'linreg' }, optimizer: { type: 'adam', lr: 0.05 }, schedule: { type: 'cosine', tMax: 20 }, epochs: 20, seed: 7 })
    const s2 = lastJson(lrlab(['train', '--config', cfg2, '--data-dir', dir, '--json']).stdout)
    const report = join(dir, 'compare.csv')
    const c = lrlab(['export', '--compare', s.runId, s2.runId, '--out', report, '--data-dir', dir])
    expect(c.code, c.stderr).toBe(0)
    const cmp = Papa.parse<Record<string, string>>(readFileSync(report, 'utf8').trim(), { header: true }).data
    expect(cmp.map((r) => [r.id, r.optimizer, Number(r.lr), r.schedule, Number(r.seed), Number(r.steps)])).toEqual([
      [s.runId, 'sgd', 0.01, 'constant', 0, 30],
      [s2.runId, 'adam', 0.05, 'cosine', 7, 20],
    ])
    expect(Number(cmp[1]!.final_loss)).toBe(s2.finalLoss)
    expect(JSON.parse(cmp[1]!.schedule_params!)).toMatchObject({ tMax: 20 })
    // No ids: every run; "-" writes to standard output.
    const all = lrlab(['export', '--compare', '--out', '-', '--data-dir', dir])
    expect(all.code, all.stderr).toBe(0)
    expect(Papa.parse(all.stdout.trim(), { header: true }).data.length).toBe(2)
    // Several ids without --compare is a usage error that says what to do.
    const two = lrlab(['export', s.runId, s2.runId, '--out', report, '--data-dir', dir])
    expect(two.code).toBe(2)
    expect(two.stderr).toMatch(/give one run id \(2 given\); --compare/)
    // With tfjs-node installed, each lrlab process in a fresh data dir loads TensorFlow and measures
    // (seconds, far more on a busy machine); the answer is then cached.
  }, 300_000)

  it('honours a forced backend and refuses an unavailable one clearly', () => {
    const dir = tempDir()
    const cfg = configFile(dir, { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 3 })
    const cpu = lrlab(['train', '--config', cfg, '--data-dir', dir, '--json'], { LRLAB_BACKEND: 'cpu' })
    expect(cpu.code, cpu.stderr).toBe(0)
    expect(lastJson(cpu.stdout).backend).toBe('cpu')
    const bogus = lrlab(['train', '--config', cfg, '--data-dir', dir, '--json'], { LRLAB_BACKEND: 'quantum' })
    expect(bogus.code).not.toBe(0)
    expect(bogus.stderr).toMatch(/LRLAB_BACKEND must be one of/)
  })

  it('exits 3 on divergence and 2 on a bad config naming the field', () => {
    const dir = tempDir()
    const diverge = configFile(dir, { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.05 }, epochs: 200, validationSplit: 0 })
    const d = lrlab(['train', '--config', diverge, '--data-dir', dir, '--json'])
    expect(d.code, d.stderr).toBe(3)
    expect(lastJson(d.stdout).divergedAtStep).toBeGreaterThan(10)
    const bad = configFile(dir, { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.05 }, epochs: 'many' })
    const b = lrlab(['train', '--config', bad, '--data-dir', dir])
    expect(b.code).toBe(2)
    expect(b.stderr).toMatch(/epochs: /)
  })

  it('the same run gives the same metrics with the wasm fast paths on and off', () => {
    const dir = tempDir()
    const cfg = configFile(dir, {
      data: { kind: 'digits' },
      model: { kind: 'mlp', hidden: [32] },
      loss: 'crossEntropy',
      optimizer: { type: 'adam', lr: 0.01 },
      epochs: 2,
      batchSize: 64,
      backend: 'wasm',
    })
    const on = lrlab(['train', '--config', cfg, '--data-dir', dir, '--json'])
    const off = lrlab(['train', '--config', cfg, '--data-dir', dir, '--json'], { LRLAB_WASM_TUNING: '0' })
    expect(on.code, on.stderr).toBe(0)
    expect(off.code, off.stderr).toBe(0)
    const a = lastJson(on.stdout)
    const b = lastJson(off.stdout)
    expect(Math.abs(a.finalLoss - b.finalLoss)).toBeLessThanOrEqual(1e-4 * Math.abs(b.finalLoss))
    expect(a.valAccuracy).toBeCloseTo(b.valAccuracy, 2)
  })
})
