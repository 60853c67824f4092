/**
 * A dense layer, act(x·W + b), whose backward pass uses the products the wasm fast path
 * makes cheap and computes the input gradient only when asked: the first layer's input is
 * data, and its gradient (a full batch × inputs × units product) would be thrown away.
 *
 * Gradients equal tfjs's own for matMul → add → act (same ops, same order):
 *   dz = dy · act'(y);  dW = xᵀ·dz;  db = Σ_rows dz;  dx = dz·Wᵀ.
 */
import * as tf from '@tensorflow/tfjs'

export type DenseActivation = 'linear' | 'relu' | 'tanh' | 'sigmoid'

function forward(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: DenseActivation): tf.Tensor2D {
  const z = tf.add(tf.matMul(x, w), b) as tf.Tensor2D
  switch (activation) {
    case 'linear':
      return z
    case 'relu':
      return tf.relu(z)
    case 'tanh':
      return tf.tanh(z)
    case 'sigmoid':
      return tf.sigmoid(z)
  }
}

/** dL/dz from dL/dy and the layer's output y, as tfjs's gradients of relu/tanh/sigmoid compute it. */
function activationGrad(dy: tf.Tensor2D, y: tf.Tensor2D, activation: DenseActivation): tf.Tensor2D {
  switch (activation) {
    case 'linear':
      return dy
    case 'relu':
      // tfjs multiplies by step(z); y = relu(z) has the same sign pattern (y > 0 ⇔ z > 0).
      return tf.mul(dy, tf.step(y))
    case 'tanh':
      return tf.mul(tf.sub(tf.scalar(1), tf.square(y)), dy)
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y)))
  }
}

/**
 * act(x·W + b) for x [batch, in], W [in, out], b [out]. `inputGrad: false` (data input, e.g.
 * the first layer) skips dL/dx; x must then not need a gradient.
 */
export function denseForward(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: DenseActivation = 'linear', opts: { inputGrad?: boolean } = {}): tf.Tensor2D {
  const inputGrad = opts.inputGrad ?? true
  const grads = (dy: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor[] => {
    const [xs, ws, y] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]
    const dz = activationGrad(dy, y, activation)
    const dw = tf.matMul(xs, dz, true, false)
    const db = tf.sum(dz, 0)
    return inputGrad ? [tf.matMul(dz, ws, false, true), dw, db] : [dw, db]
  }
  const run = (xs: tf.Tensor2D, ws: tf.Tensor2D, bs: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const value = forward(xs, ws, bs, activation)
    save([xs, ws, value])
    return { value, gradFunc: grads }
  }
  type Custom = Parameters<typeof tf.customGrad>[0]
  if (inputGrad) {
    const op = tf.customGrad(((xs: tf.Tensor2D, ws: tf.Tensor2D, bs: tf.Tensor1D, save: tf.GradSaveFunc) => run(xs, ws, bs, save)) as unknown as Custom)
    return op(x, w, b) as tf.Tensor2D
  }
  // x is closed over, not an input: no gradient is computed for it.
  const op = tf.customGrad(((ws: tf.Tensor2D, bs: tf.Tensor1D, save: tf.GradSaveFunc) => run(x, ws, bs, save)) as unknown as Custom)
  return op(w, b) as tf.Tensor2D
}
