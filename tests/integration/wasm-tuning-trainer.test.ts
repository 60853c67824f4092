/**
 * The "same run, same metrics with tuning on and off": real seeded runs through the
 * trainer (train(): shuffled mini-batches gathered on the backend, our Adam, clipping,
 * validation, per-layer diagnostics), once with LR Lab's wasm tuning and once with
 * LRLAB_WASM_TUNING=0 and the stock kernels, every recorded number compared bit for bit.
 */
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../shared/config'
import { findPreset } from '../../shared/presets'
import type { Columns } from '../../shared/metrics'
import { selectBackend } from '../../electron/trainer/backend'
import { train } from '../../electron/trainer/train'
import { applyWasmTuning, removeWasmTuning, wasmTuningActive } from '../../electron/trainer/wasm-tuning'

interface Recorded {
  steps: Record<string, number[]>
  epochs: Record<string, number[]>
}

async function record(input: RunConfigInput): Promise<Recorded> {
  const out: Recorded = { steps: {}, epochs: {} }
  const append = (into: Record<string, number[]>, cols: Columns): void => {
    for (const [k, v] of Object.entries(cols)) (into[k] ??= []).push(...v)
  }
  const result = await train(
    parseRunConfig(input),
    {
      metrics: (steps, epochs) => {
        append(out.steps, steps)
        append(out.epochs, epochs)
      },
      progress: () => {},
      event: () => {},
    },
    { stopRequested: () => false, waitIfPaused: async () => {} },
  )
  expect(result.status).toBe('finished')
  return out
}

/** Every column but wall-clock time, value for value: the tuning changes no bit (Object.is: NaN equals NaN, −0 is not 0). */
function differences(a: Recorded, b: Recorded): string[] {
  const diffs: string[] = []
  for (const part of ['steps', 'epochs'] as const) {
    const names = Object.keys(a[part]).filter((n) => n !== 'elapsed')
    expect(names.sort(), part).toEqual(
      Object.keys(b[part])
        .filter((n) => n !== 'elapsed')
        .sort(),
    )
    for (const n of names) {
      const x = a[part][n]!
      const y = b[part][n]!
      if (x.length !== y.length) diffs.push(`${part}.${n}: ${x.length} vs ${y.length} rows`)
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        if (!Object.is(x[i], y[i])) diffs.push(`${part}.${n}[${i}]: ${x[i]} vs ${y[i]}`)
      }
    }
  }
  return diffs
}

const CONFIGS: Record<string, RunConfigInput> = {
  'digits MLP, Adam, norm clipping, shuffled batches': {
    data: { kind: 'digits' },
    model: { kind: 'mlp', hidden: [32, 16] },
    loss: 'crossEntropy',
    optimizer: { type: 'adam', lr: 0.003 },
    clipping: { mode: 'norm', maxNorm: 1 },
    epochs: 3,
    batchSize: 64,
    validationSplit: 0.2,
    seed: 7,
  },
  'article regression, AdamW, full batch': {
    data: { kind: 'linreg', n: 100 },
    optimizer: { type: 'adamw', lr: 0.05, weightDecay: 0.01 },
    epochs: 40,
    batchSize: 'full',
    validationSplit: 0.2,
    seed: 3,
  },
  // Its loss blows up to ~1e9 before the decay brings it back: any last-bit difference grows.
  'article regression, time decay from a too-hot start (article-time-decay)': findPreset('article-time-decay')!.config,
  'sine MLP, amsgrad, cosine schedule, batch 16': {
    data: { kind: 'sine', n: 200 },
    model: { kind: 'mlp', hidden: [24], activation: 'tanh' },
    optimizer: { type: 'adam', lr: 0.01, amsgrad: true },
    schedule: { type: 'cosine', stepUnit: 'batch' },
    epochs: 4,
    batchSize: 16,
    validationSplit: 0.25,
    seed: 11,
  },
}

describe('wasm tuning on and off give the same run', () => {
  beforeAll(async () => {
    expect((await selectBackend('wasm')).name).toBe('wasm')
  })
  afterAll(() => {
    delete process.env.LRLAB_WASM_TUNING
    applyWasmTuning()
  })

  for (const [name, config] of Object.entries(CONFIGS)) {
    it(name, async () => {
      delete process.env.LRLAB_WASM_TUNING
      expect(applyWasmTuning().applied).toBe(true)
      const tuned = await record(config)
      removeWasmTuning()
      process.env.LRLAB_WASM_TUNING = '0'
      try {
        expect(applyWasmTuning().applied).toBe(false)
        expect(wasmTuningActive()).toBe(false)
        const stock = await record(config)
        expect(tf.getBackend()).toBe('wasm')
        expect(tuned.steps.loss!.length).toBeGreaterThan(10)
        expect(differences(tuned, stock)).toEqual([])
        // The comparison has teeth: a run that differs only slightly (lr × 1.001) fails it.
        const nudged = await record({ ...config, optimizer: { ...(config.optimizer as object), lr: (config.optimizer as { lr: number }).lr * 1.001 } } as RunConfigInput)
        expect(differences(nudged, stock).length).toBeGreaterThan(0)
      } finally {
        delete process.env.LRLAB_WASM_TUNING
        applyWasmTuning()
      }
    })
  }
})
