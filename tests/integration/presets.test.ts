/** Every preset is a valid, runnable config, and the teaching presets show what they promise. */
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRunnableConfig } from '../../shared/run-plan'
import { findPreset, PRESETS } from '../../shared/presets'
import { selectBackend } from '../../electron/trainer/backend'
import { train } from '../../electron/trainer/train'
import { tempDir } from '../helpers/service'

const ROOT = resolve(__dirname, '..', '..')
const sink = { metrics: () => {}, progress: () => {}, event: () => {} }
const control = { stopRequested: () => false, waitIfPaused: async () => {} }
const run = async (name: string) => {
  await selectBackend('auto')
  const losses: number[] = []
  const result = await train(parseRunnableConfig(findPreset(name)!.config), { ...sink, metrics: (steps) => losses.push(...steps.loss!) }, control)
  return { ...result, losses }
}

describe('presets', () => {
  it.each(PRESETS.map((p) => [p.name, p] as const))('%s parses and fits its run', (_name, p) => {
    expect(p.description.length).toBeGreaterThan(20)
    expect(() => parseRunnableConfig(p.config)).not.toThrow()
  })

  it('names are unique', () => {
    expect(new Set(PRESETS.map((p) => p.name)).size).toBe(PRESETS.length)
  })

  it('article-too-large diverges, article-too-small crawls, article-sgd converges', async () => {
    const large = await run('article-too-large')
    expect(large.status).toBe('diverged')
    expect(large.summary.divergedAtStep).toBeGreaterThan(5)
    const sgd = await run('article-sgd')
    const small = await run('article-too-small')
    expect(sgd.status).toBe('finished')
    expect(small.status).toBe('finished')
    // The article's 0.001: after ten epochs still far behind the baseline, and behind after all 100.
    expect(small.losses[10]!).toBeGreaterThan(5 * sgd.losses[10]!)
    expect(small.summary.finalLoss!).toBeGreaterThan(sgd.summary.finalLoss!)
  })

  it('`lrlab train --preset digits-mlp --json` reaches at least 0.90 validation accuracy', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'electron', 'cli', 'cli.ts'), 'train', '--preset', 'digits-mlp', '--data-dir', tempDir(), '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
    })
    expect(r.status, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
    expect(summary.status).toBe('finished')
    expect(summary.valAccuracy).toBeGreaterThanOrEqual(0.9)
  })

  it('`lrlab presets` lists every preset', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'electron', 'cli', 'cli.ts'), 'presets', '--json'], { cwd: ROOT, encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).map((p: { name: string }) => p.name)).toEqual(PRESETS.map((p) => p.name))
  })
})

describe('LR range test', () => {
  it('`lrlab find-lr --preset article-range-test --json` proposes LRs below where the article regression diverges', async () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'electron', 'cli', 'cli.ts'), 'find-lr', '--preset', 'article-range-test', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!)
    expect(out.suggestions.map((s: { rule: string }) => s.rule)).toEqual(expect.arrayContaining(['minimum', 'steep', 'steepest', 'valley']))
    // The smallest constant LR at which this regression diverges (the article's "too large" demo).
    const diverges = findPreset('article-too-large')!.config.optimizer.lr!
    for (const s of out.suggestions) expect(s.lr, s.rule).toBeLessThan(diverges)
    for (const [k, v] of Object.entries(out.proposals)) expect(v as number, k).toBeLessThan(diverges)
    // …and a run at the suggested LR does not diverge.
    await selectBackend('auto')
    const valley = out.suggestions.find((s: { rule: string }) => s.rule === 'valley').lr
    const cfg = parseRunnableConfig({ ...findPreset('article-sgd')!.config, optimizer: { type: 'sgd', lr: out.proposals.cyclicMaxLr } })
    expect((await train(cfg, sink, control)).status).toBe('finished')
    expect(valley).toBeGreaterThan(0)
  })
})
