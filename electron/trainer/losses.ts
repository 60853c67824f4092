/** Losses and task metrics, one place for the training loop, validation, the range test and the bench. */
import * as tf from '@tensorflow/tfjs'
import type { RunConfig } from '../../shared/config'
import type { Dataset } from './data'
import { fusedMseLoss, fusedRegressionEval } from './wasm-tuning'

export type LossKind = RunConfig['loss']

/**
 * Mean loss of a batch; classification losses take logits. `fused` (the wasm tuning is on) lets
 * MSE and its gradient take one kernel each, with the plain ops' values bit for bit.
 */
export function lossOf(kind: LossKind, y: tf.Tensor2D, out: tf.Tensor2D, fused = false): tf.Scalar {
  switch (kind) {
    case 'mse':
      return (fused && fusedMseLoss(y, out)) || (tf.losses.meanSquaredError(y, out) as tf.Scalar)
    case 'mae':
      return tf.losses.absoluteDifference(y, out) as tf.Scalar
    case 'huber':
      return tf.losses.huberLoss(y, out) as tf.Scalar // δ = 1, as torch.nn.HuberLoss
    case 'binaryCrossEntropy':
      return tf.losses.sigmoidCrossEntropy(y, out) as tf.Scalar
    case 'crossEntropy':
      return tf.losses.softmaxCrossEntropy(y, out) as tf.Scalar
  }
}

/** Problems with a loss for this dataset, named for the config field. */
export function checkLossFits(kind: LossKind, d: Dataset): string | null {
  if (kind === 'crossEntropy' && !d.classes) return 'loss: crossEntropy needs a classification dataset (this one is regression)'
  if (kind === 'binaryCrossEntropy' && d.classes !== 2) return `loss: binaryCrossEntropy needs exactly two classes (this dataset has ${d.classes ?? 'no'} classes)`
  return null
}

/** Outputs of the model: one logit for binary cross-entropy, one per class, or one per target. */
export function outputsFor(kind: LossKind, d: Dataset): number {
  if (d.classes && kind !== 'binaryCrossEntropy') return d.classes
  return d.targets
}

/** Targets on the backend: class indices one-hot for softmax losses, as they are otherwise. */
export function targetTensor(kind: LossKind, d: Dataset): tf.Tensor2D {
  if (d.classes && kind !== 'binaryCrossEntropy') return tf.tidy(() => tf.oneHot(tf.tensor1d(d.y, 'int32'), d.classes!).toFloat() as tf.Tensor2D)
  return tf.tensor2d(d.y, [d.rows, d.targets])
}

/** Which metric a config's validation reports. */
export function metricName(config: RunConfig, classification: boolean): 'accuracy' | 'r2' | 'mae' {
  if (config.metric !== 'auto') return config.metric
  return classification ? 'accuracy' : 'r2'
}

/** Accuracy for classification; R² or MAE for regression. */
export function metricOf(kind: LossKind, classification: boolean, y: tf.Tensor2D, out: tf.Tensor2D, metric: 'accuracy' | 'r2' | 'mae' = classification ? 'accuracy' : 'r2'): tf.Scalar {
  if (metric === 'mae' && !classification) return tf.mean(tf.abs(tf.sub(y, out))) as tf.Scalar
  if (!classification) return tf.sub(1, tf.div(tf.sum(tf.squaredDifference(y, out)), tf.sum(tf.squaredDifference(y, tf.mean(y))))) as tf.Scalar
  const hit = kind === 'binaryCrossEntropy' ? tf.equal(tf.greater(out, 0), tf.greater(y, 0.5)) : tf.equal(tf.argMax(out, 1), tf.argMax(y, 1))
  return tf.mean(tf.cast(hit, 'float32')) as tf.Scalar
}

/**
 * An evaluation's [loss, metric] (`withLoss`) or [metric], as one tensor. `fused` (the wasm
 * tuning is on) lets a regression's MSE and R² or MAE take one kernel; the values are the
 * plain ops' bit for bit.
 */
export function evaluation(kind: LossKind, classification: boolean, y: tf.Tensor2D, out: tf.Tensor2D, metric: 'accuracy' | 'r2' | 'mae', withLoss: boolean, fused: boolean): tf.Tensor1D {
  if (fused && metric !== 'accuracy' && !classification && (!withLoss || kind === 'mse')) {
    const one = fusedRegressionEval(y, out, { mse: withLoss, metric })
    if (one) return one
  }
  const m = metricOf(kind, classification, y, out, metric)
  return tf.stack(withLoss ? [lossOf(kind, y, out), m] : [m]) as tf.Tensor1D
}
