/**
 * Fair comparison: members that differ only in their learning rate start from the same weights
 * and see the same first batch, so the first step's loss and gradient norm agree to the bit.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { expandSweep, memberTags, parseSweepSpec, sweepId } from '../../shared/sweep'
import { selectBackend } from '../../electron/trainer/backend'
import { runTraining } from '../../electron/trainer/run-training'
import { RunStore } from '../../electron/storage'

const dir = mkdtempSync(join(tmpdir(), 'lrlab-sweep-fair-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('sweep members start level', () => {
  it('two members differing only in LR have identical weights before step 0; another seed does not', async () => {
    const spec = parseSweepSpec({
      name: 'fair',
      base: { data: { kind: 'digits' }, model: { kind: 'mlp', hidden: [16] }, loss: 'crossEntropy', optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1, batchSize: 64 },
      grid: { 'optimizer.lr': [0.01, 0.5] },
      seeds: [3, 4],
    })
    const id = sweepId(spec)
    const members = expandSweep(spec)
    const backend = await selectBackend('auto')
    const store = new RunStore(dir)
    const first: { loss: number[]; grad: number[]; tags: string[] }[] = []
    for (const m of members) {
      const r = await runTraining({
        config: m.config,
        backend,
        dataDir: dir,
        tags: memberTags(id, spec, m),
        tfVersion: tf.version.tfjs,
        send: () => {},
        control: { stopRequested: () => false, isPaused: () => false, waitIfPaused: async () => {} },
      })
      const run = store.load(r.runId)
      first.push({ loss: Array.from(run.steps.loss!.slice(0, 2)), grad: Array.from(run.steps.grad_norm!.slice(0, 1)), tags: run.manifest.tags })
    }
    const [lrSmallSeed3, lrSmallSeed4, lrBigSeed3] = [first[0]!, first[1]!, first[2]!]
    expect(members[0]!.label).toBe('lr=0.01 seed=3')
    expect(members[2]!.label).toBe('lr=0.5 seed=3')
    // Same seed, different LR: the loss and gradient at step 0 are the same bits…
    expect(Object.is(lrSmallSeed3.loss[0], lrBigSeed3.loss[0])).toBe(true)
    expect(Object.is(lrSmallSeed3.grad[0], lrBigSeed3.grad[0])).toBe(true)
    // …and the LR shows from step 1 on (the comparison has power).
    expect(lrSmallSeed3.loss[1]).not.toBe(lrBigSeed3.loss[1])
    // Another seed: other initial weights and batches.
    expect(lrSmallSeed4.loss[0]).not.toBe(lrSmallSeed3.loss[0])
    expect(lrBigSeed3.tags).toEqual([`sweep:${id}`, 'member:2', 'lr=0.5', 'seed=3'])
  }, 120_000)
})
