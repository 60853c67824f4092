/** Models, losses and determinism, trained for real on the backend in use. */
import { describe, expect, it, beforeAll } from 'vitest'
import { ConfigError, parseRunConfig, type RunConfigInput } from '../../shared/config'
import { selectBackend } from '../../electron/trainer/backend'
import { train } from '../../electron/trainer/train'
import type { Columns } from '../../shared/metrics'

beforeAll(async () => {
  await selectBackend('auto')
})

async function trainCollect(input: RunConfigInput) {
  const steps: Columns[] = []
  const epochs: Columns[] = []
  const result = await train(
    parseRunConfig(input),
    { metrics: (s, e) => (steps.push(s), epochs.push(e)), progress: () => {}, event: () => {} },
    { stopRequested: () => false, waitIfPaused: async () => {} },
  )
  const loss = steps.flatMap((s) => Array.from(s.loss!))
  const valMetric = epochs.flatMap((e) => Array.from(e.val_metric!))
  const trainMetric = epochs.flatMap((e) => Array.from(e.train_metric!))
  return { result, loss, valMetric, trainMetric }
}

describe('training lab', () => {
  it('binary cross-entropy learns the two moons', async () => {
    const r = await trainCollect({
      data: { kind: 'moons', n: 400 },
      model: { kind: 'mlp', hidden: [16], activation: 'tanh' },
      loss: 'binaryCrossEntropy',
      optimizer: { type: 'adam', lr: 0.05 },
      epochs: 60,
      batchSize: 64,
      seed: 1,
    })
    expect(r.result.status).toBe('finished')
    expect(r.result.summary.valMetricName).toBe('accuracy')
    expect(r.result.summary.finalValMetric!).toBeGreaterThan(0.85)
  })

  it('softmax cross-entropy learns three Gaussian blobs', async () => {
    const r = await trainCollect({
      data: { kind: 'blobs', n: 300, classes: 3 },
      model: { kind: 'linear' },
      loss: 'crossEntropy',
      optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 },
      epochs: 30,
      batchSize: 32,
    })
    expect(r.result.summary.finalValMetric!).toBeGreaterThan(0.9)
  })

  it.each(['mse', 'mae', 'huber'] as const)('%s regression on a noisy sine improves R²', async (loss) => {
    const r = await trainCollect({ data: { kind: 'sine', n: 300 }, model: { kind: 'mlp', hidden: [32], activation: 'tanh' }, loss, optimizer: { type: 'adam', lr: 0.02 }, epochs: 80, batchSize: 32 })
    expect(r.result.summary.valMetricName).toBe('r2')
    expect(r.valMetric.at(-1)!).toBeGreaterThan(r.valMetric[0]!)
    expect(r.result.summary.finalValMetric!).toBeGreaterThan(0.8)
  })

  it('refuses a classification loss on regression data, naming the field', async () => {
    await expect(trainCollect({ data: { kind: 'sine' }, loss: 'crossEntropy', optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 })).rejects.toThrow(ConfigError)
    await expect(trainCollect({ data: { kind: 'sine' }, loss: 'crossEntropy', optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 })).rejects.toThrow(/loss: crossEntropy/)
  })

  it('the same seed and config on the same backend give identical metrics', async () => {
    const cfg: RunConfigInput = {
      data: { kind: 'spirals', n: 300 },
      model: { kind: 'mlp', hidden: [16, 16] },
      loss: 'crossEntropy',
      optimizer: { type: 'adam', lr: 0.01 },
      epochs: 5,
      batchSize: 16,
      seed: 42,
      clipping: { mode: 'norm', maxNorm: 1 },
    }
    const a = await trainCollect(cfg)
    const b = await trainCollect(cfg)
    expect(a.loss).toEqual(b.loss)
    expect(a.valMetric).toEqual(b.valMetric)
    const c = await trainCollect({ ...cfg, seed: 43 })
    expect(c.loss).not.toEqual(a.loss)
  })
})

describe('models', () => {
  it('a small CNN learns the 8×8 digits', async () => {
    const r = await trainCollect({ data: { kind: 'digits' }, model: { kind: 'cnn', filters: 8, dense: 32 }, loss: 'crossEntropy', optimizer: { type: 'adam', lr: 0.005 }, epochs: 4, batchSize: 64 })
    expect(r.result.status).toBe('finished')
    expect(r.result.summary.finalValMetric!).toBeGreaterThan(0.85)
  })

  it('dropout is seeded (deterministic), active only in training, and changes the run', async () => {
    const cfg: RunConfigInput = {
      data: { kind: 'moons', n: 200 },
      model: { kind: 'mlp', hidden: [32], dropout: 0.5 },
      loss: 'binaryCrossEntropy',
      optimizer: { type: 'adam', lr: 0.01 },
      epochs: 3,
      batchSize: 32,
      seed: 3,
    }
    const a = await trainCollect(cfg)
    const b = await trainCollect(cfg)
    expect(a.loss).toEqual(b.loss)
    const none = await trainCollect({ ...cfg, model: { kind: 'mlp', hidden: [32], dropout: 0 } })
    expect(none.loss).not.toEqual(a.loss)
    expect(none.loss[0]).toBeCloseTo(a.loss[0]!, 0) // same init: the first losses are alike, not equal
  })

  it('refuses a CNN on data that is not an image', async () => {
    await expect(trainCollect({ data: { kind: 'moons' }, model: { kind: 'cnn' }, loss: 'crossEntropy', optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 })).rejects.toThrow(/CNN needs image data/)
  })
})

describe('metrics', () => {
  it('MAE on request for regression equals the mean absolute validation error; accuracy is refused there', async () => {
    const r = await trainCollect({
      data: { kind: 'sine', n: 200 },
      model: { kind: 'mlp', hidden: [16], activation: 'tanh' },
      loss: 'mae',
      metric: 'mae',
      optimizer: { type: 'adam', lr: 0.02 },
      epochs: 10,
      batchSize: 32,
    })
    expect(r.result.summary.valMetricName).toBe('mae')
    // With loss MAE, the validation loss is the same number as the metric.
    expect(r.result.summary.finalValMetric!).toBeCloseTo(r.result.summary.finalValLoss!, 5)
    await expect(trainCollect({ data: { kind: 'sine' }, metric: 'accuracy', optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 })).rejects.toThrow(/metric: accuracy needs a classification dataset/)
  })
})

describe('training metric', () => {
  it("is the metric of the model after the epoch on the training rows: with full batches it is the next step's loss", async () => {
    // MAE loss and MAE metric, full batch: step e+1's loss is computed on the same rows by the model train_metric[e] measured.
    const r = await trainCollect({ data: { kind: 'linreg', n: 50 }, loss: 'mae', metric: 'mae', optimizer: { type: 'sgd', lr: 0.01 }, epochs: 6, batchSize: 'full' })
    expect(r.trainMetric).toHaveLength(6)
    for (let e = 0; e < 5; e++) expect(r.trainMetric[e]!).toBeCloseTo(r.loss[e + 1]!, 4)
  })

  it('is accuracy for classification, alongside the validation accuracy', async () => {
    const r = await trainCollect({
      data: { kind: 'blobs', n: 300, classes: 3 },
      model: { kind: 'linear' },
      loss: 'crossEntropy',
      optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9 },
      epochs: 10,
      batchSize: 32,
    })
    expect(r.trainMetric.at(-1)!).toBeGreaterThan(0.9)
    expect(r.trainMetric.every((a) => a >= 0 && a <= 1)).toBe(true)
  })
})

describe('batch norm in training', () => {
  it('an MLP with batch norm learns the digits', async () => {
    const r = await trainCollect({
      data: { kind: 'digits' },
      model: { kind: 'mlp', hidden: [64], batchNorm: true },
      loss: 'crossEntropy',
      optimizer: { type: 'adam', lr: 0.005 },
      epochs: 5,
      batchSize: 32,
    })
    expect(r.result.status).toBe('finished')
    expect(r.result.summary.finalValMetric!).toBeGreaterThan(0.9)
  })
})
