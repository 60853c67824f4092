/**
 * Models as plain tf variables and a forward function, so our own optimizers can update
 * any parameter group with its own learning rate.
 */
import * as tf from '@tensorflow/tfjs'
import type { ModelConfig } from '../../shared/config'
import { createRng } from './random'

export interface Layer {
  name: string
  vars: tf.Variable[]
  /** State that is not trained but belongs to the layer (batch norm's running mean and variance), as PyTorch's buffers. */
  buffers?: tf.Variable[]
}

export interface Model {
  layers: Layer[]
  /** `training` turns dropout on. */
  forward(x: tf.Tensor2D, training?: boolean): tf.Tensor2D
  /** Every trainable variable, in layer order. */
  variables(): tf.Variable[]
  /** After an optimizer step: fold the step's batch statistics into running ones (batch norm). */
  afterStep?(): void
  dispose(): void
}

/** PyTorch's nn.Linear default init: U(-1/√fan_in, 1/√fan_in) for weight and bias. */
function uniformInit(shape: number[], bound: number, rng: () => number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1)
  const v = new Float32Array(n)
  for (let i = 0; i < n; i++) v[i] = (rng() * 2 - 1) * bound
  return tf.tensor(v, shape, 'float32')
}

/** tfjs variable names are global to the process; several models (range test, fine-tuning, tests) coexist. */
let modelCounter = 0
let currentPrefix = 'm0'
const uniqueName = (name: string): string => `${currentPrefix}/${name}`

interface Dense extends Layer {
  weight: tf.Variable
  bias: tf.Variable
}

function dense(name: string, fanIn: number, fanOut: number, rng: () => number, init?: { weight: number[][]; bias: number[] }): Dense {
  if (init && (init.weight.length !== fanIn || init.weight.some((r) => r.length !== fanOut) || init.bias.length !== fanOut))
    throw new Error(`model.init: expected weight ${fanIn}×${fanOut} and bias of ${fanOut}`)
  const bound = 1 / Math.sqrt(fanIn)
  const weight = tf.variable(init ? tf.tensor2d(init.weight, [fanIn, fanOut], 'float32') : uniformInit([fanIn, fanOut], bound, rng), true, uniqueName(`${name}/weight`))
  const bias = tf.variable(init ? tf.tensor1d(init.bias, 'float32') : uniformInit([fanOut], bound, rng), true, uniqueName(`${name}/bias`))
  return { name, weight, bias, vars: [weight, bias] }
}

const ACTIVATIONS = { relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid } as const

/** `outputs` is the number of targets (regression) or classes (logits); `image` is [h, w, channels] for CNNs. */
export function buildModel(cfg: ModelConfig, features: number, outputs: number, seed: number, image?: [number, number, number]): Model {
  const rng = createRng(seed ^ 0x30de1)
  currentPrefix = `m${++modelCounter}`
  if (cfg.kind === 'cnn') return buildCnn(cfg, features, outputs, rng, image)
  let layers: Dense[]
  let act: (x: tf.Tensor) => tf.Tensor = (x) => x
  switch (cfg.kind) {
    case 'linear':
      layers = [dense('linear', features, outputs, rng, cfg.init)]
      break
    case 'mlp': {
      const sizes = [features, ...cfg.hidden, outputs]
      layers = sizes.slice(1).map((n, i) => dense(i === sizes.length - 2 ? 'head' : `dense${i + 1}`, sizes[i]!, n, rng))
      act = ACTIVATIONS[cfg.activation]
      break
    }
  }
  const norms = cfg.kind === 'mlp' && cfg.batchNorm ? layers.slice(0, -1).map((l) => batchNorm(l)) : []
  const dropout = cfg.kind === 'mlp' ? cfg.dropout : 0
  // Seeded masks: the same seed and config give the same run.
  let dropoutSeed = seed * 7919
  return {
    layers,
    forward: (x, training = false) => {
      let h: tf.Tensor = x
      layers.forEach((l, i) => {
        h = tf.add(tf.matMul(h as tf.Tensor2D, l.weight as tf.Tensor2D), l.bias)
        if (i < layers.length - 1) {
          if (norms[i]) h = norms[i]!.apply(h, training)
          h = act(h)
          if (training && dropout > 0) h = tf.dropout(h, dropout, undefined, dropoutSeed++)
        }
      })
      return h as tf.Tensor2D
    },
    variables: () => layers.flatMap((l) => l.vars),
    ...(norms.length && { afterStep: () => norms.forEach((n) => n.update()) }),
    dispose: () => {
      layers.forEach((l) => tf.dispose(l.vars))
      norms.forEach((n) => n.dispose())
    },
  }
}

/**
 * Batch norm for a dense layer: gamma and beta join the layer's trainable variables; running
 * mean and (unbiased) variance are updated after each training step, as PyTorch does.
 */
function batchNorm(layer: Dense): { apply(h: tf.Tensor, training: boolean): tf.Tensor; update(): void; dispose(): void } {
  const units = layer.bias.shape[0]!
  const gamma = tf.variable(tf.ones([units]), true, uniqueName(`${layer.name}/bn_gamma`))
  const beta = tf.variable(tf.zeros([units]), true, uniqueName(`${layer.name}/bn_beta`))
  const runningMean = tf.variable(tf.zeros([units]), false, uniqueName(`${layer.name}/bn_mean`))
  const runningVar = tf.variable(tf.ones([units]), false, uniqueName(`${layer.name}/bn_var`))
  layer.vars.push(gamma, beta)
  layer.buffers = [runningMean, runningVar]
  let pending: { mean: tf.Tensor; variance: tf.Tensor; n: number } | null = null
  return {
    apply(h, training) {
      let mean: tf.Tensor
      let variance: tf.Tensor
      if (training) {
        const m = tf.moments(h, 0)
        mean = m.mean
        variance = m.variance
        tf.dispose(pending ? [pending.mean, pending.variance] : [])
        pending = { mean: tf.keep(mean.clone()), variance: tf.keep(variance.clone()), n: h.shape[0]! }
      } else {
        mean = runningMean
        variance = runningVar
      }
      return tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta)
    },
    update() {
      if (!pending) return
      const p = pending
      pending = null
      tf.tidy(() => {
        runningMean.assign(tf.add(tf.mul(runningMean, 0.9), tf.mul(p.mean, 0.1)))
        const unbiased = p.n > 1 ? tf.mul(p.variance, p.n / (p.n - 1)) : p.variance
        runningVar.assign(tf.add(tf.mul(runningVar, 0.9), tf.mul(unbiased, 0.1)))
      })
      tf.dispose([p.mean, p.variance])
    },
    dispose() {
      tf.dispose([gamma, beta, runningMean, runningVar])
      tf.dispose(pending ? [pending.mean, pending.variance] : [])
    },
  }
}

function buildCnn(cfg: Extract<ModelConfig, { kind: 'cnn' }>, features: number, outputs: number, rng: () => number, image?: [number, number, number]): Model {
  const [h, w, c] = image ?? [Math.sqrt(features), Math.sqrt(features), 1]
  if (!Number.isInteger(h) || h * w * c !== features) throw new Error(`model: a CNN needs image data (this dataset has ${features} features and no image shape)`)
  const k = cfg.kernel
  const fanIn = k * k * c
  const kernel = tf.variable(uniformInit([k, k, c, cfg.filters], 1 / Math.sqrt(fanIn), rng), true, uniqueName('conv1/kernel'))
  const convBias = tf.variable(uniformInit([cfg.filters], 1 / Math.sqrt(fanIn), rng), true, uniqueName('conv1/bias'))
  const pooled = Math.ceil(h / 2) * Math.ceil(w / 2) * cfg.filters
  const hidden = dense('dense1', pooled, cfg.dense, rng)
  const head = dense('head', cfg.dense, outputs, rng)
  const layers: Layer[] = [{ name: 'conv1', vars: [kernel, convBias] }, hidden, head]
  return {
    layers,
    forward: (x) => {
      // Convolution as a sum of k² shifted matrix products and pooling as a reshape-max: both
      // differentiate with kernels every backend has (wasm has no Conv2D or MaxPool gradient).
      const img = tf.reshape(x, [-1, h, w, c]) as tf.Tensor4D
      const before = Math.floor((k - 1) / 2)
      const padded = tf.pad(img, [
        [0, 0],
        [before, k - 1 - before],
        [before, k - 1 - before],
        [0, 0],
      ])
      let conv: tf.Tensor | null = null
      for (let dy = 0; dy < k; dy++)
        for (let dx = 0; dx < k; dx++) {
          const patch = tf.reshape(tf.slice(padded, [0, dy, dx, 0], [-1, h, w, c]), [-1, c]) as tf.Tensor2D
          const weights = tf.reshape(tf.slice(kernel, [dy, dx, 0, 0], [1, 1, c, cfg.filters]), [c, cfg.filters]) as tf.Tensor2D
          const term = tf.matMul(patch, weights)
          conv = conv ? tf.add(conv, term) : term
        }
      const activated = tf.relu(tf.add(tf.reshape(conv!, [-1, h, w, cfg.filters]), convBias))
      const ph = Math.ceil(h / 2)
      const pw = Math.ceil(w / 2)
      const even = tf.pad(activated, [
        [0, 0],
        [0, ph * 2 - h],
        [0, pw * 2 - w],
        [0, 0],
      ])
      const pool = tf.max(tf.reshape(even, [-1, ph, 2, pw, 2, cfg.filters]), [2, 4])
      const flat = tf.reshape(pool, [-1, pooled]) as tf.Tensor2D
      const hid = tf.relu(tf.add(tf.matMul(flat, hidden.weight as tf.Tensor2D), hidden.bias)) as tf.Tensor2D
      return tf.add(tf.matMul(hid, head.weight as tf.Tensor2D), head.bias) as tf.Tensor2D
    },
    variables: () => layers.flatMap((l) => l.vars),
    dispose: () => layers.forEach((l) => tf.dispose(l.vars)),
  }
}
