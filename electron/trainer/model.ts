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
}

export interface Model {
  layers: Layer[]
  forward(x: tf.Tensor2D): tf.Tensor2D
  /** Every trainable variable, in layer order. */
  variables(): tf.Variable[]
  dispose(): void
}

/** PyTorch's nn.Linear default init: U(-1/√fan_in, 1/√fan_in) for weight and bias. */
function uniformInit(shape: number[], bound: number, rng: () => number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1)
  const v = new Float32Array(n)
  for (let i = 0; i < n; i++) v[i] = (rng() * 2 - 1) * bound
  return tf.tensor(v, shape, 'float32')
}

interface Dense extends Layer {
  weight: tf.Variable
  bias: tf.Variable
}

function dense(name: string, fanIn: number, fanOut: number, rng: () => number, init?: { weight: number[][]; bias: number[] }): Dense {
  if (init && (init.weight.length !== fanIn || init.weight.some((r) => r.length !== fanOut) || init.bias.length !== fanOut))
    throw new Error(`model.init: expected weight ${fanIn}×${fanOut} and bias of ${fanOut}`)
  const bound = 1 / Math.sqrt(fanIn)
  const weight = tf.variable(init ? tf.tensor2d(init.weight, [fanIn, fanOut], 'float32') : uniformInit([fanIn, fanOut], bound, rng), true, `${name}/weight`)
  const bias = tf.variable(init ? tf.tensor1d(init.bias, 'float32') : uniformInit([fanOut], bound, rng), true, `${name}/bias`)
  return { name, weight, bias, vars: [weight, bias] }
}

const ACTIVATIONS = { relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid } as const

/** `outputs` is the number of targets (regression) or classes (logits). */
export function buildModel(cfg: ModelConfig, features: number, outputs: number, seed: number): Model {
  const rng = createRng(seed ^ 0x30de1)
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
  return {
    layers,
    forward: (x) => {
      let h: tf.Tensor = x
      layers.forEach((l, i) => {
        h = tf.add(tf.matMul(h as tf.Tensor2D, l.weight as tf.Tensor2D), l.bias)
        if (i < layers.length - 1) h = act(h)
      })
      return h as tf.Tensor2D
    },
    variables: () => layers.flatMap((l) => l.vars),
    dispose: () => layers.forEach((l) => tf.dispose(l.vars)),
  }
}
