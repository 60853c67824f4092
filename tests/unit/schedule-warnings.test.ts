import { describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../shared/config'
import { cyclicHalfCycle, planRun, scheduleWarnings } from '../../shared/run-plan'

const cfg = (schedule: object, extra: object = {}) => parseRunConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 20, schedule, ...extra })

describe('cyclic half-cycle and the warning for a cycle longer than the run', () => {
  it('warns when the first cycle cannot complete, whatever set it', () => {
    expect(scheduleWarnings(cfg({ type: 'cyclic', maxLr: 0.1, stepSizeUp: 2000, stepUnit: 'epoch' }))[0]).toMatch(
      /first cycle \(stepSizeUp \+ stepSizeDown = 4000 epochs\) does not complete within the run \(20 epochs\)/,
    )
    expect(scheduleWarnings(cfg({ type: 'cyclic', maxLr: 0.1, stepSizeUp: 5, stepUnit: 'epoch' }))).toEqual([])
    expect(scheduleWarnings(cfg({ type: 'constant' }))).toEqual([])
  })
  it("picks 2–10 epochs' worth that ends the run on whole cycles, in the schedule's unit", () => {
    expect(cyclicHalfCycle(cfg({ type: 'cyclic', maxLr: 0.1, stepUnit: 'epoch' }))).toBe(5)
    const batch = cfg({ type: 'cyclic', maxLr: 0.1, stepUnit: 'batch' }, { batchSize: 32 })
    expect(cyclicHalfCycle(batch)).toBe(5 * planRun(batch)!.batchesPerEpoch)
    expect(cyclicHalfCycle(cfg({ type: 'cyclic', maxLr: 0.1, stepUnit: 'epoch' }, { epochs: 3 }))).toBe(1)
  })
})
