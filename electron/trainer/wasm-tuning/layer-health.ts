/**
 * The per-layer health check the trainer records at each epoch's end: for every layer
 * [‖w‖, ‖g‖, ‖w − w₀‖ / (‖w₀‖ + 1e-12)] from its weights after the step, the gradients applied
 * and the weights before. With the plain ops that is 4 norms, a Sub per variable, an Add, a
 * Div and a Stack per layer, plus the Stack of all layers: on a small full-batch model (the
 * article's regression) ~10 of an epoch's ~67 kernels, each costing more in tfjs bookkeeping
 * than its arithmetic. On tuned wasm, when the tensors are small, it is one kernel.
 *
 * Bit for bit the plain ops' result: Sub, Add and RealDiv are exactly rounded float32
 * operations, and the norms follow ./norm's float32 order, so Math.fround at every step
 * reproduces them.
 */
import * as tf from '@tensorflow/tfjs'
import { FUSED_NORM_MAX_ELEMENTS, globalL2Norm, sumOfSquares } from './norm'
import type { KernelArgs, WasmBackend } from './wasm-backend'
import { customKernel, runCustomKernel, runsHere } from './custom-kernels'

const KERNEL = 'LRLabLayerHealth'
/** ‖w₀‖ guard, as the trainer has always added it. */
const RATIO_GUARD = 1e-12
/**
 * The fused loop runs ~1.3 ns per element; below this many elements in all the inputs
 * together it costs less than the ~8 kernel dispatches it saves.
 */
const FUSED_HEALTH_MAX_ELEMENTS = 2 * FUSED_NORM_MAX_ELEMENTS
const f = Math.fround

/** One layer's tensors; `grads` and `before` are null for a frozen layer (reported as 0, 0). */
export interface LayerTensors {
  weights: tf.Tensor[]
  grads: tf.Tensor[] | null
  before: tf.Tensor[] | null
}

function deltaSumOfSquares(after: Float32Array[], before: Float32Array[]): number {
  let total = 0
  after.forEach((a, k) => {
    const b = before[k]!
    let s = 0
    for (let i = 0; i < a.length; i++) {
      const d = f(a[i]! - b[i]!)
      s = f(s + f(d * d))
    }
    total = k === 0 ? s : f(total + s)
  })
  return total
}

/** Inputs t0…tn: per layer its weights, then (trained layers) its gradients and weights before. */
function wasmKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as unknown as WasmBackend
  const { counts, trained } = attrs as unknown as { counts: number[]; trained: number[] }
  const out = be.makeOutput([counts.length * 3], 'float32')
  // Views only after makeOutput: its malloc may grow the heap and detach older views.
  let next = 0
  const take = (n: number): Float32Array[] => Array.from({ length: n }, () => be.typedArrayFromHeap(inputs[`t${next++}`]!))
  const o = be.typedArrayFromHeap(out)
  counts.forEach((n, layer) => {
    const w = take(n)
    o[layer * 3] = f(Math.sqrt(sumOfSquares(w)))
    if (!trained[layer]) {
      o[layer * 3 + 1] = 0
      o[layer * 3 + 2] = 0
      return
    }
    const g = take(n)
    const b = take(n)
    o[layer * 3 + 1] = f(Math.sqrt(sumOfSquares(g)))
    const delta = f(Math.sqrt(deltaSumOfSquares(w, b)))
    o[layer * 3 + 2] = f(delta / f(f(Math.sqrt(sumOfSquares(b))) + f(RATIO_GUARD)))
  })
  return out
}

function plainHealth(layers: LayerTensors[], fusedNorms: boolean): tf.Tensor1D {
  return tf.tidy(() => {
    const norm = (ts: tf.Tensor[]): tf.Scalar => globalL2Norm(ts, fusedNorms)
    const out = layers.flatMap(({ weights, grads, before }) => {
      const w = norm(weights)
      if (!grads || !before) return [w, tf.scalar(0), tf.scalar(0)]
      const delta = norm(weights.map((v, j) => tf.sub(v, before[j]!)))
      return [w, norm(grads), tf.div(delta, tf.add(norm(before), RATIO_GUARD)) as tf.Scalar]
    })
    return tf.stack(out) as tf.Tensor1D
  })
}

/**
 * [‖w‖, ‖g‖, ‖Δw‖/‖w₀‖] per layer, flattened. `fused: false` forces the plain ops (tuning off);
 * with it, one kernel on wasm for small float32 tensors, else the plain ops with ./norm's norms.
 */
const HEALTH_KERNEL = customKernel({ name: KERNEL, label: 'per-layer health (norms, update ratio) in one kernel', backends: { wasm: wasmKernel } })

export function layerHealth(layers: LayerTensors[], fused = true): tf.Tensor1D {
  const all = layers.flatMap((l) => [...l.weights, ...(l.grads && l.before ? [...l.grads, ...l.before] : [])])
  const elements = all.reduce((n, t) => n + t.size, 0)
  const fusedPays = fused && runsHere(HEALTH_KERNEL) && elements <= FUSED_HEALTH_MAX_ELEMENTS && all.every((t) => t.dtype === 'float32')
  if (!fusedPays) return plainHealth(layers, fused)
  const inputs: tf.NamedTensorMap = {}
  all.forEach((t, i) => (inputs[`t${i}`] = t))
  const attrs = { counts: layers.map((l) => l.weights.length), trained: layers.map((l) => (l.grads && l.before ? 1 : 0)) }
  return runCustomKernel(HEALTH_KERNEL, inputs, attrs) as tf.Tensor1D
}
