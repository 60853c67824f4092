/**
 * backend: auto — measured per model on the backends that load, cached per model signature in
 * the data dir, said aloud, overridden by a forced backend, and never a change to a run's numbers.
 */
import * as tf from '@tensorflow/tfjs'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig, type RunConfigInput } from '../../shared/config'
import type { BackendName } from '../../shared/run'
import { describeBackend, selectBackend } from '../../electron/trainer/backend'
import { backendForRun, CHOICE_FILE } from '../../electron/trainer/backend-choice'
import { train } from '../../electron/trainer/train'

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'lrlab-choice-'))

/** Whether tfjs-node's native TensorFlow loads here (npm run install:tensorflow), and why not. */
function tensorflowLoads(): { ok: boolean; why: string } {
  try {
    createRequire(import.meta.url)('@tensorflow/tfjs-node')
    return { ok: true, why: '' }
  } catch (e) {
    return { ok: false, why: String(e instanceof Error ? e.message : e).split('\n')[0]! }
  }
}
const native = tensorflowLoads()
if (!native.ok) console.log(`backend-choice: tensorflow checks skipped: tfjs-node does not load here (${native.why}); "npm run install:tensorflow" builds it`)

/** A wide MLP: wasm trains it many times faster than tfjs's plain-JS cpu backend. */
const WIDE: RunConfigInput = {
  data: { kind: 'synthetic-classification', n: 512, features: 784, classes: 10 },
  model: { kind: 'mlp', hidden: [128] },
  loss: 'crossEntropy',
  optimizer: { type: 'adam', lr: 0.001 },
  epochs: 1,
  batchSize: 128,
  validationSplit: 0,
}
/** The article's regression: a handful of tiny ops a step, where tfjs-node's per-op cost into TensorFlow dominates. */
const ARTICLE: RunConfigInput = { data: { kind: 'linreg', n: 100 }, optimizer: { type: 'adam', lr: 0.01 }, epochs: 100, batchSize: 'full', validationSplit: 0.2 }

const quiet = { metrics: () => {}, progress: () => {}, event: () => {} }
const running = { stopRequested: () => false, waitIfPaused: async () => {} }

async function trainedColumns(input: RunConfigInput): Promise<{ loss: number[]; valLoss: number[]; msPerStep: number }> {
  const loss: number[] = []
  const valLoss: number[] = []
  const r = await train(parseRunConfig(input), { ...quiet, metrics: (s, e) => (loss.push(...s.loss!), valLoss.push(...e.val_loss!)) }, running)
  expect(r.status).toBe('finished')
  return { loss, valLoss, msPerStep: (r.summary.durationSec * 1000) / r.summary.steps }
}

/** The faster of two backends forced in turn, by the best of three real runs each. */
async function fasterForced(input: RunConfigInput, pair: BackendName[]): Promise<{ faster: BackendName; ratio: number }> {
  const best: number[] = []
  for (const name of pair) {
    await selectBackend(name)
    await trainedColumns(input) // warm-up
    const times: number[] = []
    for (let i = 0; i < 3; i++) times.push((await trainedColumns(input)).msPerStep)
    best.push(Math.min(...times))
  }
  const [a, b] = best as [number, number]
  return a < b ? { faster: pair[0]!, ratio: b / a } : { faster: pair[1]!, ratio: a / b }
}

let priorEnv: string | undefined
beforeAll(() => {
  // These tests are about auto: a forced backend from the environment would bypass it.
  priorEnv = process.env.LRLAB_BACKEND
  delete process.env.LRLAB_BACKEND
})
afterAll(() => {
  if (priorEnv !== undefined) process.env.LRLAB_BACKEND = priorEnv
})

describe('backend: auto', () => {
  it('measures the run’s model on each backend, says so, caches the pick per model, and measures a new shape again', async () => {
    const dir = tempDir()
    const first = await backendForRun(parseRunConfig(WIDE), dir, { candidates: ['wasm', 'cpu'] })
    expect(first.name).toBe('wasm')
    expect(tf.getBackend()).toBe('wasm')
    expect(first.choice).toMatchObject({ cached: false, runnerUp: 'cpu' })
    expect(Object.keys(first.choice!.msPerStep).sort()).toEqual(['cpu', 'wasm'])
    expect(first.choice!.ratio!).toBeGreaterThan(1)
    expect(describeBackend(first)).toMatch(/^backend wasm \(tuned\) — \d+\.\d× faster than cpu for this model \(measured \d{4}-\d\d-\d\d in \d+ ms/)
    const file = JSON.parse(readFileSync(join(dir, CHOICE_FILE), 'utf8'))
    expect(Object.values(file.entries)).toEqual([expect.objectContaining({ pick: 'wasm', model: 'mlp 784-128-10, batch 128, adam, crossEntropy' })])

    // Same model, other learning rate and seed: answered from the data dir, at no cost.
    const again = await backendForRun(parseRunConfig({ ...WIDE, optimizer: { type: 'adam', lr: 0.01 }, seed: 5 }), dir, { candidates: ['wasm', 'cpu'] })
    expect(again.choice).toMatchObject({ cached: true, costMs: 0, msPerStep: first.choice!.msPerStep, measuredAt: first.choice!.measuredAt })
    expect(describeBackend(again)).toMatch(/faster than cpu for this model \(measured \d{4}-\d\d-\d\d, cached\)/)

    // Another batch size is another step: measured afresh.
    const other = await backendForRun(parseRunConfig({ ...WIDE, batchSize: 64 }), dir, { candidates: ['wasm', 'cpu'] })
    expect(other.choice!.cached).toBe(false)
  })

  it.skipIf(!native.ok)('with tfjs-node installed, the pick between tensorflow and wasm is cached too (the next run loads no tfjs-node to measure)', async () => {
    const dir = tempDir()
    const first = await backendForRun(parseRunConfig(ARTICLE), dir)
    expect(first.choice!.cached).toBe(false)
    expect(Object.keys(first.choice!.msPerStep).sort()).toEqual(['tensorflow', 'wasm'])
    const file = JSON.parse(readFileSync(join(dir, CHOICE_FILE), 'utf8'))
    expect(Object.entries(file.entries)).toEqual([[expect.stringMatching(/^[0-9a-f]{24}$/), expect.objectContaining({ pick: first.name })]])
    const again = await backendForRun(parseRunConfig({ ...ARTICLE, seed: 9 }), dir)
    expect(again.choice).toMatchObject({ cached: true, costMs: 0, measuredAt: first.choice!.measuredAt })
  })

  it('picks the backend that forced runs find faster, on models where they differ clearly', async () => {
    const cases: [RunConfigInput, BackendName[]][] = [[WIDE, ['wasm', 'cpu']], ...(native.ok ? [[ARTICLE, ['tensorflow', 'wasm']] as [RunConfigInput, BackendName[]]] : [])]
    for (const [input, pair] of cases) {
      const picked = await backendForRun(parseRunConfig(input), tempDir(), { candidates: pair })
      const forced = await fasterForced(input, pair)
      expect(forced.ratio, `${pair.join(' vs ')}: forced runs must differ clearly for this check`).toBeGreaterThan(1.5)
      expect(picked.name, `${pair.join(' vs ')}: ${describeBackend(picked)}; forced runs: ${forced.faster} ${forced.ratio.toFixed(1)}× faster`).toBe(forced.faster)
    }
  }, 300_000)

  it('never changes a run’s numbers: auto’s pick trains exactly as the same backend forced', async () => {
    const input: RunConfigInput = { ...WIDE, model: { kind: 'mlp', hidden: [32], dropout: 0.1 }, epochs: 2, validationSplit: 0.25, clipping: { mode: 'norm', maxNorm: 1 }, seed: 11 }
    const picked = await backendForRun(parseRunConfig(input), tempDir())
    const viaAuto = await trainedColumns(input)
    await selectBackend(picked.name)
    const viaForced = await trainedColumns(input)
    expect(viaAuto.loss.length).toBe(6)
    expect(viaAuto.loss).toEqual(viaForced.loss)
    expect(viaAuto.valLoss).toEqual(viaForced.valLoss)
  }, 120_000)

  it('a forced backend wins over the measurement and fails loudly when it cannot load', async () => {
    const dir = tempDir()
    const forced = await backendForRun(parseRunConfig({ ...WIDE, backend: 'cpu' }), dir)
    expect([forced.name, forced.requested, forced.choice]).toEqual(['cpu', 'cpu', undefined])
    process.env.LRLAB_BACKEND = 'cpu'
    try {
      expect((await backendForRun(parseRunConfig(WIDE), dir)).name).toBe('cpu')
    } finally {
      delete process.env.LRLAB_BACKEND
    }
    if (!native.ok) {
      await expect(backendForRun(parseRunConfig({ ...WIDE, backend: 'tensorflow' }), dir)).rejects.toThrow(/tensorflow backend was requested but cannot be used: .*not installed/)
      // With only wasm loading, auto says why it measured nothing.
      const only = await backendForRun(parseRunConfig(WIDE), dir)
      expect(describeBackend(only)).toMatch(/^backend wasm \(tuned\) — not measured: only wasm loads here, nothing to measure against \(tensorflow: .*not installed/)
    } else {
      expect((await backendForRun(parseRunConfig({ ...WIDE, backend: 'tensorflow' }), dir)).name).toBe('tensorflow')
    }
  })
})
