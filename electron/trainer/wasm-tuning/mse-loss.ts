/**
 * The training step's MSE loss as one kernel with a registered gradient of one kernel. Through
 * `tf.losses.meanSquaredError` the loss is three kernels (squared difference, sum, division),
 * five copies of saved tensors on the tape and seven kernels of backward pass; on the article's
 * regression that was a third of a step.
 *
 * Bit for bit the plain ops: the loss is Σ f((y − ŷ)²) added serially in float32 from zero,
 * then divided by the count, as the wasm Sum and RealDiv kernels compute it; the gradient with
 * respect to ŷ is the chain tfjs runs, f(f(dy / n) · f(2 · f(ŷ − y))) (RealDiv's gradient,
 * Sum's broadcast of it, SquaredDifference's), and with respect to y the same with y and ŷ
 * swapped.
 */
import * as tf from '@tensorflow/tfjs'
import type { KernelArgs, WasmBackend } from './wasm-backend'
import { customKernel, runCustomKernel, runsHere } from './custom-kernels'

const LOSS = 'LRLabMseLoss'
const GRAD = 'LRLabMseGrad'
/** Above this many elements the plain SIMD kernels win over the fused serial loop. */
export const FUSED_MSE_MAX_ELEMENTS = 16384
const f = Math.fround

function lossKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const be = backend as unknown as WasmBackend
  const out = be.makeOutput([], 'float32')
  // Views only after makeOutput: its malloc may grow the heap and detach older views.
  const y = be.typedArrayFromHeap(inputs.y!)
  be.typedArrayFromHeap(out)[0] = f(sumOfSquaredErrors(y, be.typedArrayFromHeap(inputs.out!)) / y.length)
  return out
}

/** Σ f((y − ŷ)²) added serially in float32 from zero: tf.sum(tf.squaredDifference(y, ŷ)) on wasm. */
export function sumOfSquaredErrors(y: Float32Array, p: Float32Array): number {
  let s = 0
  for (let i = 0; i < y.length; i++) {
    const d = f(y[i]! - p[i]!)
    s = f(s + f(d * d))
  }
  return s
}

/** d loss / d a for the squared difference (a − b)², given the upstream scalar dy. */
function gradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const be = backend as unknown as WasmBackend
  const out = be.makeOutput(inputs.a!.shape, 'float32')
  const dy = be.typedArrayFromHeap(inputs.dy!)[0]!
  const a = be.typedArrayFromHeap(inputs.a!)
  const b = be.typedArrayFromHeap(inputs.b!)
  const o = be.typedArrayFromHeap(out)
  const perElement = f(dy / a.length)
  for (let i = 0; i < a.length; i++) o[i] = f(perElement * f(2 * f(a[i]! - b[i]!)))
  return out
}

const GRAD_KERNEL = customKernel({ name: GRAD, label: 'MSE loss gradient in one kernel', backends: { wasm: gradKernel } })
const grad = (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor => runCustomKernel(GRAD_KERNEL, { dy, a, b }) as tf.Tensor
const LOSS_KERNEL = customKernel({
  name: LOSS,
  label: 'MSE training loss in one kernel',
  backends: { wasm: lossKernel },
  gradient: {
    inputsToSave: ['y', 'out'],
    // Lazy per input: the tape asks only for what lies on the path to the variables (ŷ, not y).
    gradFunc: (dy, saved) => ({ y: () => grad(dy as tf.Tensor, saved[0]!, saved[1]!), out: () => grad(dy as tf.Tensor, saved[1]!, saved[0]!) }),
  },
})

/**
 * tf.losses.meanSquaredError(y, out) as one kernel with a one-kernel gradient, on wasm for
 * same-shape float32 tensors up to FUSED_MSE_MAX_ELEMENTS; null where the caller should use
 * the plain ops.
 */
export function fusedMseLoss(y: tf.Tensor, out: tf.Tensor): tf.Scalar | null {
  if (!runsHere(LOSS_KERNEL) || y.dtype !== 'float32' || out.dtype !== 'float32') return null
  if (!tf.util.arraysEqual(y.shape, out.shape) || y.size === 0 || y.size > FUSED_MSE_MAX_ELEMENTS) return null
  return runCustomKernel(LOSS_KERNEL, { y, out }) as tf.Scalar
}
