/**
 * Small float32 tensors in plain JS loops on the wasm backend's heap. A stock wasm kernel has a
 * fixed cost of 2–4 µs before it touches an element (the call into wasm with its shape arrays,
 * XNNPACK's operator setup), against ~1 µs of tfjs's own bookkeeping; on a small model, where
 * nearly every tensor has a few dozen elements (the article's regression: 80 rows, one
 * weight), that fixed cost is a large part of an epoch. Up to SMALL_MAX_ELEMENTS a JS loop
 * finishes first (80 elements: ~4.5 → ~2.9 µs a call); from ~512 XNNPACK's SIMD wins. The
 * stock Sum and Mean have no such setup (2 µs for 80 elements) and keep their kernels.
 *
 * Bit for bit the stock results: +, −, × and ÷ of float32 values are exactly rounded both in
 * XNNPACK and in float64 then rounded to float32 (double rounding is harmless for these four);
 * a squared difference rounds the difference, then the square, as XNNPACK does; products sum
 * each output over k from zero in the stock kernel's chunks, as ./gemm does. What these paths do not
 * handle (other dtypes, broadcasts other than a trailing block, larger tensors) goes to the
 * kernel they wrap.
 */
import * as tf from '@tensorflow/tfjs'
import type { KernelArgs, WasmBackend } from './wasm-backend'
import { stockChunk } from './gemm'

/** Output elements up to which the JS loop beats the stock kernel (measured: 80 yes, 512 even, 2048 no). */
export const SMALL_MAX_ELEMENTS = 256
/** Multiply-adds up to which a product is cheaper in JS than through ./gemm's packing and call. */
export const SMALL_MAX_PRODUCT = 512
const f = Math.fround

/**
 * The binary kernels this module has a small path for, by the code the loop switches on. One
 * loop with a switch, not a function per op: a call through a shared closure would be
 * megamorphic (several ns an element), a predictable branch is not.
 */
const BINARY = ['Add', 'Sub', 'Multiply', 'RealDiv', 'SquaredDifference'] as const
export const SMALL_BINARY_KERNELS: readonly string[] = BINARY

/**
 * o[i] = x[i mod px] op y[i mod py] for i < n; the periods are n, 1 or a trailing block's size.
 * A Float32Array store rounds to float32; only the squared difference rounds in between.
 */
function binaryLoop(code: number, x: Float32Array, px: number, y: Float32Array, py: number, o: Float32Array, n: number): void {
  let ix = 0
  let iy = 0
  for (let i = 0; i < n; i++) {
    const a = x[ix]!
    const b = y[iy]!
    if (++ix === px) ix = 0
    if (++iy === py) iy = 0
    switch (code) {
      case 0:
        o[i] = a + b
        break
      case 1:
        o[i] = a - b
        break
      case 2:
        o[i] = a * b
        break
      case 3:
        o[i] = a / b
        break
      default: {
        const d = f(a - b)
        o[i] = d * d
      }
    }
  }
}

/** Whether `shape` (leading 1s aside) is the trailing block of `out`, so element i of out reads element i mod size. */
function isTrailingBlock(shape: number[], out: number[]): boolean {
  if (shape.every((d) => d === 1)) return true
  const s = shape.slice(shape.findIndex((d) => d !== 1))
  return s.length <= out.length && s.every((d, i) => d === out[out.length - s.length + i])
}

/** A binary kernel: the small path for float32 operands of the same size or a trailing-block broadcast, else `next`. */
export function smallBinary(name: string, next: tf.KernelFunc): tf.KernelFunc {
  const code = (BINARY as readonly string[]).indexOf(name)
  if (code < 0) throw new Error(`no small path for ${name}`)
  return (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return next(args)
    // This path's own overhead is most of its cost at these sizes: the common same-shape case skips the broadcast checks.
    const same = tf.util.arraysEqual(a.shape, b.shape)
    const outShape = same ? a.shape : tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape)
    const n = tf.util.sizeFromShape(outShape)
    if (n === 0 || n > SMALL_MAX_ELEMENTS || (!same && !(isTrailingBlock(a.shape, outShape) && isTrailingBlock(b.shape, outShape)))) return next(args)
    const be = args.backend as unknown as WasmBackend
    const out = be.makeOutput(outShape, 'float32')
    // Views only after makeOutput: its malloc may grow the heap and detach older views.
    const x = be.typedArrayFromHeap(a)
    const y = be.typedArrayFromHeap(b)
    binaryLoop(code, x, x.length, y, y.length, be.typedArrayFromHeap(out), n)
    return out
  }
}

/** The sizes of op(A)·op(B) with the batch dims flattened. */
export interface ProductDims {
  M: number
  K: number
  N: number
  batchA: number
  batchB: number
  outShape: number[]
}

/**
 * A float32 product's sizes, or null for what our products (this module's and ./gemm's) leave to
 * the stock kernel: other dtypes, empty products, and batches that broadcast only as shapes
 * ([2, 1] with [1, 3]: 2 and 3 flattened, which it expands). Inner sizes that differ throw.
 */
export function productDims({ inputs, attrs }: KernelArgs): ProductDims | null {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean }
  const [ra, ca] = a.shape.slice(-2) as [number, number]
  const [rb, cb] = b.shape.slice(-2) as [number, number]
  const [M, K] = transposeA ? [ca, ra] : [ra, ca]
  const [K2, N] = transposeB ? [cb, rb] : [rb, cb]
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2))
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2))
  // The stock kernel's message, with the shapes as the caller gave them (transposeFirst would report its transposed copy).
  if (K !== K2)
    throw new Error(`Error in matMul: inner shapes (${K}) and (${K2}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`)
  if ((batchA !== batchB && batchA !== 1 && batchB !== 1) || M * N * K * batchA * batchB === 0) return null
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), M, N]
  return { M, K, N, batchA, batchB, outShape }
}

/** op(A)·op(B) for small float32 products, or null for the caller's own path. */
export function smallMatMul(args: KernelArgs): tf.TensorInfo | null {
  const dims = productDims(args)
  if (!dims) return null
  const { M, K, N, batchA, batchB, outShape } = dims
  const batch = Math.max(batchA, batchB)
  if (M * N * K * batch > SMALL_MAX_PRODUCT) return null
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean }
  const be = args.backend as unknown as WasmBackend
  const out = be.makeOutput(outShape, 'float32')
  const [x, y, o] = [be.typedArrayFromHeap(a), be.typedArrayFromHeap(b), be.typedArrayFromHeap(out)]
  const [sai, sak] = transposeA ? [1, M] : [K, 1]
  const [sbk, sbn] = transposeB ? [1, K] : [N, 1]
  const chunk = stockChunk(K, transposeA || transposeB, batchA, batchB)
  for (let bi = 0; bi < batch; bi++) {
    const aBase = batchA > 1 ? bi * M * K : 0
    const bBase = batchB > 1 ? bi * K * N : 0
    const oBase = bi * M * N
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let c = 0
        for (let k0 = 0; k0 < K; k0 += chunk) {
          let s = 0
          for (let k = k0; k < Math.min(k0 + chunk, K); k++) s = f(s + f(x[aBase + i * sai + k * sak]! * y[bBase + k * sbk + j * sbn]!))
          c = k0 === 0 ? s : f(c + s)
        }
        o[oBase + i * N + j] = c
      }
    }
  }
  return out
}
