/** Per-layer learning rates, freezing and the per-layer health checks, on real training. */
import { beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../shared/config'
import { concatColumns, type Columns } from '../../shared/metrics'
import { selectBackend } from '../../electron/trainer/backend'
import { epochColumns, train } from '../../electron/trainer/train'

beforeAll(async () => {
  await selectBackend('auto')
})

const base: RunConfigInput = {
  data: { kind: 'blobs', n: 200, classes: 3 },
  model: { kind: 'mlp', hidden: [8, 8], activation: 'tanh' },
  loss: 'crossEntropy',
  optimizer: { type: 'sgd', lr: 0.1 },
  epochs: 4,
  batchSize: 32,
  seed: 5,
}

async function run(input: RunConfigInput): Promise<Columns> {
  const epochs: Columns[] = []
  await train(parseRunConfig(input), { metrics: (_s, e) => epochs.push(e), progress: () => {}, event: () => {} }, { stopRequested: () => false, waitIfPaused: async () => {} })
  return concatColumns(epochs)
}

describe('parameter groups', () => {
  it('records each layer’s LR: multipliers, explicit values and a geometric spread', async () => {
    const m = await run({ ...base, paramGroups: { mode: 'multipliers', layers: { dense1: 0.1 } } })
    expect(m['lr/dense1']![0]).toBeCloseTo(0.01, 12)
    expect(m['lr/head']![0]).toBeCloseTo(0.1, 12)
    const v = await run({ ...base, paramGroups: { mode: 'values', layers: { dense1: 1e-4, dense2: 1e-3 } } })
    expect([v['lr/dense1']![0], v['lr/dense2']![0], v['lr/head']![0]]).toEqual([expect.closeTo(1e-4, 15), expect.closeTo(1e-3, 15), expect.closeTo(0.1, 15)])
    const s = await run({ ...base, paramGroups: { mode: 'spread', firstLr: 0.001 } })
    expect([s['lr/dense1']![0], s['lr/dense2']![0], s['lr/head']![0]]).toEqual([expect.closeTo(0.001, 12), expect.closeTo(0.01, 12), expect.closeTo(0.1, 12)])
  })

  it('a layer with a smaller LR moves proportionally less (update/weight ratio)', async () => {
    const same = await run(base)
    const slow = await run({ ...base, paramGroups: { mode: 'multipliers', layers: { dense1: 0.01 } } })
    // Same first-epoch gradients up to the last step; the first layer's updates shrink about 100×.
    expect(slow['update_ratio/dense1']![0]! / same['update_ratio/dense1']![0]!).toBeLessThan(0.05)
    expect(slow['update_ratio/head']![0]!).toBeGreaterThan(0)
  })

  it('a frozen layer never changes; the others train', async () => {
    const f = await run({ ...base, paramGroups: { mode: 'multipliers', freeze: ['dense1'] } })
    const w = f['w_norm/dense1']!
    expect(new Set(Array.from(w)).size).toBe(1)
    expect(Array.from(f['update_ratio/dense1']!)).toEqual([0, 0, 0, 0])
    expect(f['w_norm/head']![0]).not.toBe(f['w_norm/head']![3])
    expect(f['update_ratio/head']!.every((r) => r > 0)).toBe(true)
  })

  it('health checks: SGD’s update/weight ratio is lr·‖g‖/‖w‖', async () => {
    const c = await run({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 1e-5 }, epochs: 3, validationSplit: 0 })
    for (let e = 0; e < 3; e++) {
      const predicted = (1e-5 * c['g_norm/linear']![e]!) / c['w_norm/linear']![e]!
      expect(c['update_ratio/linear']![e]! / predicted).toBeCloseTo(1, 2) // ‖w‖ after vs before: equal to 1e-3 at this lr
    }
  })

  it('refuses unknown layers and freezing everything, naming the field', () => {
    expect(() => parseRunConfig({ ...base, paramGroups: { layers: { conv9: 2 } } })).toThrow(/paramGroups: no layer named "conv9"/)
    expect(() => parseRunConfig({ ...base, paramGroups: { freeze: ['dense1', 'dense2', 'head'] } })).toThrow(/paramGroups\.freeze: every layer is frozen/)
    expect(() => parseRunConfig({ ...base, paramGroups: { mode: 'spread' } })).toThrow(/paramGroups\.firstLr/)
    expect(epochColumns(parseRunConfig({ ...base, paramGroups: {} }))).toContain('lr/dense2')
  })
})
