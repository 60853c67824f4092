/**
 * Every schedule case of the PyTorch reference traces (schedules.json, or the same file in
 * $LRLAB_GOLDEN_DIR): the constructor call is translated generically with
 * fromTorchScheduler, stepped `steps` times, and lr[t] / momentum[t] must agree to 1e-9.
 */
import { describe, expect, it } from 'vitest'
import { close, readGolden } from './golden-dir'
import { createScheduler, fromTorchScheduler, type ScheduleContext } from '../../shared/schedules'

interface GoldenCase {
  id: string
  scheduler: string
  params: Record<string, unknown>
  base_lr: number
  steps: number
  lr: number[]
  momentum?: number[]
  metrics?: number[]
  initial_momentum?: number
  initial_betas?: number[]
}

const REL = 1e-9
const golden = readGolden<{ cases: GoldenCase[] }>('schedules.json')

/** Indices where `actual` and `expected` disagree beyond the tolerance, with both values. */
function mismatches(actual: number[], expected: number[]): string[] {
  const bad: string[] = []
  expected.forEach((e, t) => {
    if (!close(actual[t]!, e, REL)) bad.push(`t=${t}: got ${actual[t]}, PyTorch ${e}`)
  })
  return bad.slice(0, 5)
}

describe('schedules match PyTorch traces', () => {
  it('has cases', () => expect(golden.cases.length).toBeGreaterThan(0))

  for (const c of golden.cases) {
    it(c.id, () => {
      const ctx: ScheduleContext = {
        baseLr: c.base_lr,
        baseMomentum: c.initial_momentum ?? c.initial_betas?.[0],
        totalSteps: c.steps,
      }
      const s = createScheduler(fromTorchScheduler(c.scheduler, c.params, c.base_lr), ctx)
      const lr: number[] = []
      const momentum: number[] = []
      for (let t = 0; t < c.steps; t++) {
        const h = s.current()
        lr.push(h.lr)
        // A schedule that does not cycle momentum leaves the optimizer's own value in place.
        momentum.push(h.momentum ?? ctx.baseMomentum ?? NaN)
        s.step(c.metrics?.[t])
      }
      expect(lr.length).toBe(c.lr.length)
      expect(mismatches(lr, c.lr), 'lr').toEqual([])
      if (c.momentum) expect(mismatches(momentum, c.momentum), 'momentum').toEqual([])
    })
  }
})
