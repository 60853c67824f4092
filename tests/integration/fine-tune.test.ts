/** Saving trained models in the run folder and fine-tuning from them (the article's recipe on the digits). */
import * as tf from '@tensorflow/tfjs'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { selectBackend } from '../../electron/trainer/backend'
import { loadLayerWeights } from '../../electron/trainer/model-io'
import { newService, tempDir } from '../helpers/service'

const ROOT = resolve(__dirname, '..', '..')
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'electron', 'cli', 'cli.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 })
const last = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!)

describe('fine-tuning', () => {
  it('digits-finetune trains its backbone first when none is saved, then fine-tunes it with a new head; its range test starts from the backbone', async () => {
    const dir = tempDir()
    const r = cli(['train', '--preset', 'digits-finetune', '--data-dir', dir, '--json'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/training its backbone first/)
    expect(r.stderr).toMatch(/initialised from .*model\.json with a new head/)
    const s = last(r.stdout)
    expect(s.valAccuracy).toBeGreaterThanOrEqual(0.9)
    const store = new RunStore(dir)
    const runs = store.list()
    expect(runs.length).toBe(2)
    const backbone = runs.find((x) => x.id !== s.runId)!
    expect(existsSync(join(store.runDir(backbone.id), 'model', 'model.json'))).toBe(true)
    // The fine-tuning run records each layer's LR: backbone 1e-4, head 1e-3.
    const ft = store.load(s.runId)
    expect(ft.epochs['lr/dense1']![0]).toBeCloseTo(1e-4, 12)
    expect(ft.epochs['lr/head']![0]).toBeCloseTo(1e-3, 12)
    // The second time, the saved backbone is reused.
    const again = cli(['train', '--preset', 'digits-finetune', '--data-dir', dir, '--json'])
    expect(again.status, again.stderr).toBe(0)
    expect(again.stderr).not.toMatch(/training its backbone first/)
    expect(new RunStore(dir).list().length).toBe(3)

    // The range test of a fine-tuning config sweeps from the pretrained backbone, as its run
    // starts: its first losses are the trained network's, far below a fresh one's (ln 10 ≈ 2.3).
    const service = await newService(dir)
    try {
      const sweep = { startLr: 1e-7, endLr: 1e-6, numIter: 8 }
      const keepHead = {
        data: { kind: 'digits' },
        model: { kind: 'mlp', hidden: [64], initFrom: { run: backbone.id }, newHead: false },
        loss: 'crossEntropy',
        optimizer: { type: 'adam', lr: 1e-3 },
        epochs: 1,
        batchSize: 64,
      }
      const fresh = { ...keepHead, model: { kind: 'mlp', hidden: [64] } }
      const pretrained = await service.findLr(keepHead, sweep)
      const scratch = await service.findLr(fresh, sweep)
      expect(pretrained.losses[0]!).toBeLessThan(0.5)
      expect(scratch.losses[0]!).toBeGreaterThan(1.5)
    } finally {
      await service.shutdown()
    }
  })

  it('starts from a saved run and from a tfjs Layers model.json, and refuses mismatched shapes clearly', async () => {
    await selectBackend('auto')
    const dir = tempDir()
    // A tfjs Layers model saved in tfjs's own format (model.json + weights.bin).
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [64], units: 64, activation: 'relu' }), tf.layers.dense({ units: 10 })] })
    const modelDir = join(dir, 'layers-model')
    mkdirSync(modelDir)
    await m.save(
      tf.io.withSaveHandler(async (a) => {
        writeFileSync(join(modelDir, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer))
        writeFileSync(join(modelDir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }))
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
      }),
    )
    const loaded = loadLayerWeights(join(modelDir, 'model.json'))
    expect(loaded.map((l) => l.tensors.map((t) => t.shape))).toEqual([
      [[64, 64], [64]],
      [[64, 10], [10]],
    ])
    expect(Array.from(loaded[0]!.tensors[0]!.dataSync().slice(0, 5))).toEqual(Array.from((m.layers[0]!.getWeights()[0]!.dataSync() as Float32Array).slice(0, 5)))

    const cfg = (init: unknown, hidden = [64]) => {
      const p = join(dir, `c${Math.random()}.json`)
      writeFileSync(
        p,
        JSON.stringify({
          data: { kind: 'digits' },
          model: { kind: 'mlp', hidden, initFrom: init, newHead: false },
          loss: 'crossEntropy',
          optimizer: { type: 'adam', lr: 1e-3 },
          epochs: 1,
          batchSize: 64,
        }),
      )
      return p
    }
    const fromLayers = cli(['train', '--config', cfg({ modelJson: join(modelDir, 'model.json') }), '--data-dir', dir, '--json'])
    expect(fromLayers.status, fromLayers.stderr).toBe(0)
    const runId = last(fromLayers.stdout).runId
    const fromRun = cli(['train', '--config', cfg({ run: runId }), '--data-dir', dir, '--json'])
    expect(fromRun.status, fromRun.stderr).toBe(0)
    const wrong = cli(['train', '--config', cfg({ run: runId }, [32]), '--data-dir', dir, '--json'])
    expect(wrong.status).not.toBe(0)
    expect(wrong.stderr).toMatch(/has shape 64×64 where dense1 needs 64×32/)
    const missing = cli(['train', '--config', cfg({ run: 'no-such-run' }), '--data-dir', dir])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/model\.initFrom\.run: run no-such-run has no saved model/)
  })
})
