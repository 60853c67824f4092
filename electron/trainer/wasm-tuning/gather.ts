/**
 * GatherV2 for the wasm backend as contiguous block copies. The stock kernel copies element
 * by element through generic strides (~35 ns per float32 here): gathering a 128-row batch of
 * 784 features from the dataset took 3.5 ms, a fifth of a training step. With batchDims 0,
 * every gathered index moves one contiguous block of prod(shape[axis+1:]) elements, which
 * TypedArray.set copies at memcpy speed. The same values, bit for bit (copies, no arithmetic).
 */
import * as tf from '@tensorflow/tfjs'

type KernelArgs = Parameters<tf.KernelFunc>[0]
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array
}

export function blockGather(stock: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo }
    const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number }
    // Batched gathers are rare (not used by LR Lab): leave them to the stock kernel.
    if ((batchDims ?? 0) !== 0 || x.shape.length === 0) return stock.kernelFunc(args)
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!
    const dim = x.shape[ax]!
    const outer = tf.util.sizeFromShape(x.shape.slice(0, ax))
    const block = tf.util.sizeFromShape(x.shape.slice(ax + 1))
    const be = backend as unknown as WasmBackend
    const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)]
    const idx = be.typedArrayFromHeap(indices)
    // Same check and message as the stock kernel: out-of-range indices are an error, not garbage.
    for (let i = 0; i < idx.length; i++) {
      const v = idx[i]!
      tf.util.assert(v <= dim - 1 && v >= 0, () => `GatherV2: the index value ${v} is not in [0, ${dim - 1}]`)
    }
    const n = idx.length
    const indexList = Array.from(idx)
    const out = be.makeOutput(outShape, x.dtype)
    if (tf.util.sizeFromShape(outShape) === 0) return out
    // Views only after makeOutput: its malloc may grow the heap and detach older views.
    const src = be.typedArrayFromHeap(x)
    const dst = be.typedArrayFromHeap(out)
    for (let o = 0; o < outer; o++) {
      const srcBase = o * dim * block
      const dstBase = o * n * block
      // Short blocks (e.g. one target per row) copy faster element-wise than through subarray views.
      if (block < 16) {
        for (let i = 0; i < n; i++) {
          const from = srcBase + indexList[i]! * block
          const to = dstBase + i * block
          for (let j = 0; j < block; j++) dst[to + j] = src[from + j]!
        }
      } else {
        for (let i = 0; i < n; i++) {
          const from = srcBase + indexList[i]! * block
          dst.set(src.subarray(from, from + block), dstBase + i * block)
        }
      }
    }
    return out
  }
}
