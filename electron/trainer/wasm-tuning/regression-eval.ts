/**
 * A regression model's evaluation at an epoch's end (the MSE loss and the R² or MAE metric) as
 * one kernel on wasm. The plain ops take 3 kernels for the loss and 7 for R² (squared
 * differences, sums, the mean of y, a division, a subtraction), and the trainer evaluates
 * twice an epoch (validation, then the training split): on the article's full-batch regression,
 * where an epoch is one step, those were 17 of its 59 kernels.
 *
 * Bit for bit the plain ops' result: the wasm Sum and Mean kernels add serially in float32
 * from zero in memory order (Mean then divides by the count), and the element-wise ops are
 * exactly rounded float32 operations, so Math.fround at every step in that order reproduces
 * them.
 */
import * as tf from '@tensorflow/tfjs'
import type { KernelArgs, WasmBackend } from './wasm-backend'
import { customKernel, runCustomKernel, runsHere } from './custom-kernels'
import { sumOfSquaredErrors } from './mse-loss'

const KERNEL = 'LRLabRegressionEval'
/** Above this many elements the plain SIMD kernels win over the fused loop's three serial passes. */
export const FUSED_EVAL_MAX_ELEMENTS = 16384
const f = Math.fround

export type RegressionMetric = 'r2' | 'mae'
export interface RegressionEvalRequest {
  /** Whether to return tf.losses.meanSquaredError first. */
  mse: boolean
  metric: RegressionMetric
}

/** Σ f(g(i)) serially in float32 from zero, as the wasm Sum kernel adds. */
function serialSum(n: number, term: (i: number) => number): number {
  let s = 0
  for (let i = 0; i < n; i++) s = f(s + term(i))
  return s
}

function wasmKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as unknown as WasmBackend
  const { mse, metric } = attrs as unknown as RegressionEvalRequest
  const out = be.makeOutput([mse ? 2 : 1], 'float32')
  // Views only after makeOutput: its malloc may grow the heap and detach older views.
  const y = be.typedArrayFromHeap(inputs.y!)
  const p = be.typedArrayFromHeap(inputs.out!)
  const o = be.typedArrayFromHeap(out)
  const n = y.length
  // The loss and R² share Σ(y − ŷ)²: the same serial sum, so computed once.
  const squaredErrors = mse || metric === 'r2' ? sumOfSquaredErrors(y, p) : NaN
  if (mse) o[0] = f(squaredErrors / n)
  let value: number
  if (metric === 'mae') {
    value = f(serialSum(n, (i) => Math.abs(f(y[i]! - p[i]!))) / n)
  } else {
    const mean = f(serialSum(n, (i) => y[i]!) / n)
    const total = serialSum(n, (i) => {
      const d = f(y[i]! - mean)
      return f(d * d)
    })
    value = f(1 - f(squaredErrors / total))
  }
  o[mse ? 1 : 0] = value
  return out
}

/**
 * [mse?, metric] of predictions `out` against targets `y` (same shape, float32) in one kernel
 * on wasm, or null where the plain ops should run (other backends, large or empty tensors).
 * R² is 1 − Σ(y − ŷ)²/Σ(y − ȳ)² and MAE mean|y − ŷ|, over every element.
 */
const EVAL_KERNEL = customKernel({ name: KERNEL, label: 'epoch evaluation (MSE and R² or MAE) in one kernel', backends: { wasm: wasmKernel } })

export function fusedRegressionEval(y: tf.Tensor, out: tf.Tensor, request: RegressionEvalRequest): tf.Tensor1D | null {
  if (!runsHere(EVAL_KERNEL) || y.dtype !== 'float32' || out.dtype !== 'float32') return null
  if (!tf.util.arraysEqual(y.shape, out.shape) || y.size === 0 || y.size > FUSED_EVAL_MAX_ELEMENTS) return null
  return runCustomKernel(EVAL_KERNEL, { y, out }, request) as tf.Tensor1D
}
