import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseRunConfig } from '../../shared/config'
import { selectBackend } from '../../electron/trainer/backend'
import { buildModel } from '../../electron/trainer/model'
import { applyLayerWeights, loadBackbone, saveModel } from '../../electron/trainer/model-io'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

beforeAll(async () => {
  await selectBackend('auto')
})

const modelCfg = (model: unknown) => parseRunConfig({ data: { kind: 'digits' }, model, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 }).model

describe('models', () => {
  it('the CNN computes what conv2d → ReLU → 2×2 max-pool → dense → head computes', () => {
    const m = buildModel(modelCfg({ kind: 'cnn', filters: 4, kernel: 3, dense: 16 }), 64, 10, 1)
    const [kernel, convBias, w1, b1, w2, b2] = m.variables()
    const x = tf.randomUniform([5, 64], 0, 1, 'float32', 2) as tf.Tensor2D
    const ours = m.forward(x).arraySync()
    const ref = tf.tidy(() => {
      const conv = tf.relu(tf.add(tf.conv2d(x.reshape([-1, 8, 8, 1]) as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same'), convBias!))
      const pool = tf.maxPool(conv as tf.Tensor4D, 2, 2, 'same').reshape([-1, 64])
      const hid = tf.relu(tf.add(tf.matMul(pool, w1!), b1!))
      return tf.add(tf.matMul(hid, w2!), b2!).arraySync() as number[][]
    })
    ours.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(ref[i]![j]!, 4)))
    m.dispose()
    x.dispose()
  })

  it('layer names and shapes: linear, MLP, CNN', () => {
    const shapes = (cfg: unknown, f: number, o: number) => buildModel(modelCfg(cfg), f, o, 0).layers.map((l) => [l.name, l.vars.map((v) => v.shape)])
    expect(shapes({ kind: 'linear' }, 3, 1)).toEqual([['linear', [[3, 1], [1]]]])
    expect(shapes({ kind: 'mlp', hidden: [5, 4] }, 3, 2)).toEqual([
      ['dense1', [[3, 5], [5]]],
      ['dense2', [[5, 4], [4]]],
      ['head', [[4, 2], [2]]],
    ])
    expect(shapes({ kind: 'cnn', filters: 6, dense: 7 }, 64, 10)).toEqual([
      ['conv1', [[3, 3, 1, 6], [6]]],
      ['dense1', [[96, 7], [7]]],
      ['head', [[7, 10], [10]]],
    ])
  })

  it('dropout is off outside training and inverted-scaled inside', () => {
    const m = buildModel(modelCfg({ kind: 'mlp', hidden: [64], dropout: 0.5 }), 64, 10, 0)
    const x = tf.ones([2, 64]) as tf.Tensor2D
    expect(m.forward(x).arraySync()).toEqual(m.forward(x).arraySync())
    expect(m.forward(x, true).arraySync()).not.toEqual(m.forward(x).arraySync())
  })
})

describe('batch norm', () => {
  it('normalises with batch statistics in training and running statistics (PyTorch momentum 0.1) in evaluation', () => {
    const m = buildModel(modelCfg({ kind: 'mlp', hidden: [3], batchNorm: true }), 2, 1, 0)
    expect(m.layers[0]!.vars.map((v) => v.shape)).toEqual([[2, 3], [3], [3], [3]]) // weight, bias, gamma, beta
    const x = tf.tensor2d([
      [1, 2],
      [3, 5],
      [-1, 0.5],
      [2, -2],
    ])
    const h = tf.add(tf.matMul(x, m.layers[0]!.vars[0]!), m.layers[0]!.vars[1]!)
    const { mean, variance } = tf.moments(h, 0)
    m.forward(x, true)
    m.afterStep!()
    // After one step the running mean is 0.1·batch mean and the running variance 0.9 + 0.1·unbiased variance.
    const evalOut = m.forward(x).arraySync()
    expect(m.forward(x).arraySync()).toEqual(evalOut)
    const runMean = Array.from(mean.mul(0.1).dataSync())
    const runVar = Array.from(
      variance
        .mul(4 / 3)
        .mul(0.1)
        .add(0.9)
        .dataSync(),
    )
    const normed = tf.tidy(() => tf.div(tf.sub(h, runMean), tf.sqrt(tf.add(tf.tensor1d(runVar), 1e-5))))
    const expected = tf.tidy(() => tf.add(tf.matMul(tf.relu(normed), m.layers[1]!.vars[0]!), m.layers[1]!.vars[1]!)).arraySync() as number[][]
    evalOut.forEach((row, i) => expect(row[0]).toBeCloseTo(expected[i]![0]!, 5))
    m.dispose()
  })
})

describe('saved models', () => {
  it('a batch-norm MLP saved in tfjs format reloads with its running statistics: same outputs in evaluation', async () => {
    const cfg = modelCfg({ kind: 'mlp', hidden: [6], batchNorm: true })
    const a = buildModel(cfg, 2, 3, 0)
    const x = tf.tensor2d([
      [1, 2],
      [3, 5],
      [-1, 0.5],
      [2, -2],
    ])
    a.forward(x, true)
    a.afterStep!() // running statistics move away from their defaults
    const dir = mkdtempSync(join(tmpdir(), 'lrlab-model-'))
    await saveModel(a, cfg, dir)
    const b = buildModel(cfg, 2, 3, 99) // different init
    expect(b.forward(x).arraySync()).not.toEqual(a.forward(x).arraySync())
    const saved = loadBackbone(dir)
    expect(saved.map((l) => l.tensors.length)).toEqual([6, 2]) // weight, bias, gamma, beta, running mean, running variance; head
    applyLayerWeights(b, saved, false, 'test')
    expect(b.forward(x).arraySync()).toEqual(a.forward(x).arraySync())
    // tfjs's own decoder reads the artifacts: every variable and buffer by name, running mean included.
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0]
    const bin = readFileSync(join(dir, manifest.paths[0]))
    const decoded = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest.weights)
    expect(Object.keys(decoded)).toHaveLength(8)
    const runningMean = a.layers[0]!.buffers![0]!
    expect(Array.from(decoded[runningMean.name]!.dataSync())).toEqual(Array.from(runningMean.dataSync()))
    tf.dispose([x, ...saved.flatMap((l) => l.tensors), ...Object.values(decoded)])
    a.dispose()
    b.dispose()
    rmSync(dir, { recursive: true, force: true })
  })
})
