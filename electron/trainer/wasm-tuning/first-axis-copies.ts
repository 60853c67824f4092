/**
 * Pack (tf.stack) and Concat along the first axis as block copies. The stock wasm Pack
 * reshapes every input into a new tensor, then concatenates: 4.7 µs to stack four scalars, the
 * trainer's per-step scalars. Along axis 0 the output is the inputs one after another, which
 * TypedArray.set copies directly. The same values, bit for bit (copies, no arithmetic).
 * Other axes and dtypes go to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs'
import type { KernelArgs, WasmBackend } from './wasm-backend'

/** The float32 inputs in order (inputs are named 0, 1, … by tfjs), or null when any is not float32. */
function floatInputs(inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] | null {
  const list = Object.keys(inputs)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => inputs[k]!)
  return list.length > 0 && list.every((t) => t.dtype === 'float32') ? list : null
}

function copyInOrder(be: WasmBackend, list: tf.TensorInfo[], outShape: number[]): tf.TensorInfo {
  const out = be.makeOutput(outShape, 'float32')
  // Views only after makeOutput: its malloc may grow the heap and detach older views.
  const o = be.typedArrayFromHeap(out)
  let at = 0
  for (const t of list) {
    const v = be.typedArrayFromHeap(t)
    o.set(v, at)
    at += v.length
  }
  return out
}

/** The Pack kernel: axis 0 of same-shape float32 inputs here, the rest to `next`. */
export function firstAxisPack(next: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const list = floatInputs(args.inputs)
    const { axis } = args.attrs as unknown as { axis: number }
    if (!list || axis !== 0 || !list.every((t) => tf.util.arraysEqual(t.shape, list[0]!.shape))) return next(args)
    return copyInOrder(args.backend as unknown as WasmBackend, list, [list.length, ...list[0]!.shape])
  }
}

/** The Concat kernel: axis 0 of float32 inputs of one rank ≥ 1 with equal trailing dims here, the rest to `next`. */
export function firstAxisConcat(next: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const list = floatInputs(args.inputs)
    const { axis } = args.attrs as unknown as { axis: number | number[] }
    const first = list?.[0]
    if (!list || !first || first.shape.length === 0) return next(args)
    const ax = tf.util.parseAxisParam(axis, first.shape)[0]
    const rest = first.shape.slice(1)
    if (ax !== 0 || !list.every((t) => t.shape.length === first.shape.length && tf.util.arraysEqual(t.shape.slice(1), rest))) return next(args)
    const rows = list.reduce((n, t) => n + t.shape[0]!, 0)
    return copyInOrder(args.backend as unknown as WasmBackend, list, [rows, ...rest])
  }
}
