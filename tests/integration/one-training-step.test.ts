/**
 * One plan, one step: the builder's schedule preview is what a real run steps through, for
 * every preset, and the LR range test trains exactly as the run does (same setup, same step,
 * same batches in the same order), only with the LR swept.
 */
import { describe, expect, it } from 'vitest'
import { parseRunnableConfig, planRun, previewRunSchedule } from '../../shared/run-plan'
import { parseRunConfig } from '../../shared/config'
import { PRESETS } from '../../shared/presets'
import { RangeTestSchema } from '../../shared/lr-finder'
import { selectBackend } from '../../electron/trainer/backend'
import { train } from '../../electron/trainer/train'
import { runRangeTest } from '../../electron/trainer/lr-finder'

const control = { stopRequested: () => false, waitIfPaused: async () => {} }

/** A real run of `config`: its step rows' step, epoch, lr, momentum and loss columns. */
async function runSteps(config: ReturnType<typeof parseRunConfig>) {
  const cols = { step: [] as number[], epoch: [] as number[], lr: [] as number[], momentum: [] as number[], loss: [] as number[] }
  const sink = {
    metrics: (steps: Record<string, Float64Array>) => {
      for (const k of Object.keys(cols) as (keyof typeof cols)[]) cols[k].push(...steps[k]!)
    },
    progress: () => {},
    event: () => {},
  }
  const result = await train(config, sink, control)
  return { ...result, ...cols }
}

describe("the builder's preview is the run's schedule", () => {
  it.each(PRESETS.map((p) => [p.name, p] as const))(
    "%s: every step's lr (and momentum) is the preview's",
    async (_name, p) => {
      await selectBackend('auto')
      // digits-finetune's initFrom only picks the starting weights; the schedule does not depend on them.
      const config = parseRunnableConfig(p.config)
      const planned = previewRunSchedule(config)!
      const plan = planRun(config)!
      const run = await runSteps(config)
      // A diverged run stops early; every step it took still follows the plan.
      if (run.status === 'finished') expect(run.step.length).toBe(plan.totalSteps)
      expect(run.step.length).toBeGreaterThan(0)
      const at = (i: number) => (config.schedule.stepUnit === 'batch' ? run.step[i]! : run.epoch[i]!)
      const expectedLr = run.step.map((_, i) => planned.preview.lr[at(i)])
      expect(run.lr).toEqual(expectedLr)
      const momentum = planned.preview.momentum
      if (momentum) expect(run.momentum).toEqual(run.step.map((_, i) => momentum[at(i)]))
    },
    120_000,
  )
})

describe('the range test and training share one step', () => {
  // Everything that makes a step more than `w -= lr·g`: dropout, batch norm, parameter groups,
  // clipping, momentum. Full batch: the range test draws its own shuffled batches.
  const config = parseRunConfig({
    data: { kind: 'moons', n: 200 },
    model: { kind: 'mlp', hidden: [16, 8], activation: 'relu', batchNorm: true, dropout: 0.2 },
    loss: 'crossEntropy',
    optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9 },
    paramGroups: { layers: { dense1: 0.5 } },
    clipping: { mode: 'norm', maxNorm: 0.5 },
    epochs: 12,
    batchSize: 'full',
    validationSplit: 0.2,
    seed: 7,
  })

  it("a range test held at the run's LR reproduces the run's losses step for step", async () => {
    await selectBackend('auto')
    const plan = planRun(config)!
    expect(plan.batchesPerEpoch).toBe(1)
    const numIter = plan.totalSteps
    // A "sweep" from lr to lr·(1 + 1e-12): the same float32 learning rate at every step.
    const range = await runRangeTest(config, RangeTestSchema.parse({ startLr: 0.05, endLr: 0.05 * (1 + 1e-12), numIter, mode: 'linear', stopOnDivergence: false }))
    const run = await runSteps(config)
    expect(run.status).toBe('finished')
    expect(range.losses).toHaveLength(numIter)
    expect(Array.from(range.losses)).toEqual(run.loss)
  }, 120_000)

  it('and it leaves nothing behind: a second range test sees the same losses', async () => {
    await selectBackend('auto')
    const o = RangeTestSchema.parse({ startLr: 1e-3, endLr: 1, numIter: 12 })
    const a = await runRangeTest(config, o)
    const b = await runRangeTest(config, o)
    expect(Array.from(b.losses)).toEqual(Array.from(a.losses))
  }, 120_000)
})
