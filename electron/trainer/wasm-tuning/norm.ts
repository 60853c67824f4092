/**
 * The global L2 norm of several tensors, sqrt(Σ_t Σ_i t_i²), as one kernel on wasm. The plain
 * ops take 2n + 2 kernels (square and sum per tensor, addN, sqrt), and on small models the
 * trainer pays that several times a step (clipping's norm before/after, layer diagnostics),
 * each kernel costing far more in tfjs bookkeeping than its arithmetic.
 *
 * Bit for bit the plain ops' result: the wasm Sum kernel accumulates sequentially in float32,
 * AddN adds its inputs in order in float32, so rounding every square and every addition with
 * Math.fround in that order reproduces them exactly.
 */
import * as tf from '@tensorflow/tfjs'
import type { KernelArgs, WasmBackend } from './wasm-backend'
import { customKernel, runCustomKernel, runsHere } from './custom-kernels'

const KERNEL = 'LRLabGlobalNorm'
/**
 * Above this many elements in all the tensors together the plain SIMD kernels win (the JS
 * loop is a chain of dependent float32 additions, ~1.3 ns per element here).
 */
export const FUSED_NORM_MAX_ELEMENTS = 16384
const f = Math.fround

function wasmKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const be = backend as unknown as WasmBackend
  const ts = Object.keys(inputs)
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
    .map((k) => inputs[k]!)
  const out = be.makeOutput([], 'float32')
  // Views only after makeOutput: its malloc may grow the heap and detach older views.
  be.typedArrayFromHeap(out)[0] = f(Math.sqrt(sumOfSquares(ts.map((t) => be.typedArrayFromHeap(t)))))
  return out
}

/** Σ_t Σ_i t_i² in the plain ops' float32 order: a serial sum of squares per tensor, the tensors' sums added in order. */
export function sumOfSquares(views: Float32Array[]): number {
  let total = 0
  views.forEach((v, k) => {
    let s = 0
    for (let i = 0; i < v.length; i++) s = f(s + f(v[i]! * v[i]!))
    total = k === 0 ? s : f(total + s)
  })
  return total
}

/**
 * sqrt(addN(tensors.map(t => sum(square(t))))) for float32 tensors: one kernel on wasm when
 * they are small together, else the plain ops. `fused: false` forces the plain ops.
 */
const NORM_KERNEL = customKernel({ name: KERNEL, label: 'global L2 norm (clipping, diagnostics) in one kernel', backends: { wasm: wasmKernel } })

export function globalL2Norm(tensors: tf.Tensor[], fused = true): tf.Scalar {
  const total = tensors.reduce((n, t) => n + t.size, 0)
  const fusedPays = fused && tensors.length > 0 && runsHere(NORM_KERNEL) && total <= FUSED_NORM_MAX_ELEMENTS && tensors.every((t) => t.dtype === 'float32')
  if (!fusedPays) return tf.tidy(() => tf.sqrt(tf.addN(tensors.map((t) => tf.sum(tf.square(t))))) as tf.Scalar)
  const inputs: tf.NamedTensorMap = {}
  tensors.forEach((t, i) => (inputs[`t${i}`] = t))
  return runCustomKernel(NORM_KERNEL, inputs) as tf.Scalar
}
