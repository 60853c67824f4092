/**
 * Fast paths for the wasm backend. Its BatchMatMul runs 5–28× slower with transposeA or
 * transposeB set than on plain operands, and backpropagation through every dense layer
 * asks for exactly those products. The override transposes the operand explicitly (one
 * cheap Transpose kernel) and multiplies plain: same arithmetic, same results.
 */
import * as tf from '@tensorflow/tfjs'

type KernelArgs = Parameters<tf.KernelFunc>[0]
interface WasmBackend {
  disposeData(dataId: object): void
}

let original: tf.KernelConfig | null = null

/** LRLAB_WASM_TUNING=0 turns the fast paths off (to compare, or to rule them out). */
export function wasmTuningEnabled(): boolean {
  return process.env.LRLAB_WASM_TUNING !== '0'
}

/** Install the fast paths when the active backend is wasm. Idempotent; returns whether they are on. */
export function applyWasmTuning(): boolean {
  if (tf.getBackend() !== 'wasm' || !wasmTuningEnabled()) return false
  if (original) return true
  const stock = tf.getKernel('BatchMatMul', 'wasm')
  const transpose = tf.getKernel('Transpose', 'wasm')
  if (!stock || !transpose) return false
  original = stock
  tf.unregisterKernel('BatchMatMul', 'wasm')
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args: KernelArgs) => {
      const { inputs, backend, attrs } = args
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean }
      if (!transposeA && !transposeB) return stock.kernelFunc(args)
      const temps: tf.TensorInfo[] = []
      const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
        const rank = t.shape.length
        const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2]
        const out = transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo
        temps.push(out)
        return out
      }
      const a = transposeA ? swapLast(inputs.a!) : inputs.a!
      const b = transposeB ? swapLast(inputs.b!) : inputs.b!
      const out = stock.kernelFunc({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } })
      for (const t of temps) (backend as unknown as WasmBackend).disposeData(t.dataId)
      return out
    },
  })
  return true
}

/** Put the stock kernel back (for side-by-side measurements and tests). */
export function removeWasmTuning(): void {
  if (!original) return
  tf.unregisterKernel('BatchMatMul', 'wasm')
  tf.registerKernel(original)
  original = null
}
