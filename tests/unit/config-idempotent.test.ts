/**
 * The builder sends the config it parsed (the service parses it again: it is the trust
 * boundary), so the schema's output must be valid input that parses to itself: for every
 * preset, and for the shapes the builder sends ("full" batches, milestones, groups).
 */
import { describe, expect, it } from 'vitest'
import { RunConfigSchema } from '../../shared/config'
import { PRESETS } from '../../shared/presets'

const twice = (input: unknown): [unknown, unknown] => {
  const once = RunConfigSchema.parse(input)
  return [once, RunConfigSchema.parse(JSON.parse(JSON.stringify(once)))]
}

describe('parsing a parsed config gives it back', () => {
  it.each(PRESETS.map((p) => [p.name, p.config] as const))('%s', (_name, config) => {
    const [once, again] = twice(config)
    expect(again).toEqual(once)
  })

  it('a full batch, one milestone and parameter groups', () => {
    const [once, again] = twice({
      data: { kind: 'digits' },
      model: { kind: 'mlp', hidden: [64, 32] },
      loss: 'crossEntropy',
      optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 },
      schedule: { type: 'multistep', milestones: [30], gamma: 0.1 },
      paramGroups: { mode: 'multipliers', layers: { dense1: 0.1 }, freeze: ['dense2'] },
      batchSize: 'full',
      epochs: 40,
    })
    expect(again).toEqual(once)
  })
})
