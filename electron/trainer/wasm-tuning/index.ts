/**
 * Fast paths for tfjs's wasm backend, the backend every LR Lab machine ends up on.
 *
 * - BatchMatMul override: our SIMD GEMM (./gemm), which reads transposed operands in place.
 *   The stock kernel runs 5–28× slower with transposeA/transposeB set, and backprop through
 *   every dense layer asks for exactly those products; even plain, XNNPACK re-packs the weights
 *   on every call. Ours sums as the stock kernel does (one pass where it uses XNNPACK, 48-step
 *   blocks where it uses its own loop), so results equal the stock ones bit for bit. Where wasm
 *   SIMD is missing, the override transposes explicitly (a tiled copy in JS) and calls the stock
 *   plain product, which sums transposed products in one pass: the only place the tuning
 *   changes a bit, and no current Node or Electron lacks wasm SIMD.
 * - Sum override for leading axes (bias gradients): SIMD over columns, no transpose (./column-sum).
 * - Small float32 tensors (Add, Sub, Multiply, RealDiv, SquaredDifference, BatchMatMul) in JS
 *   loops, skipping the stock kernels' fixed cost (./small-tensors).
 * - GatherV2 override: block copies instead of the stock per-element strided copy, which
 *   made gathering each shuffled batch from the dataset a fifth of a training step (./gather).
 * - Pack and Concat along axis 0 as block copies, without the stock per-input reshapes
 *   (./first-axis-copies).
 * - fusedAdamUpdate: one kernel per parameter instead of ~15 (see ./adam).
 * - globalL2Norm: clipping's and the layer diagnostics' norms in one kernel (see ./norm).
 * - layerHealth: the whole per-layer diagnostics vector in one kernel (see ./layer-health).
 * - fusedRegressionEval: an epoch's MSE and R² or MAE in one kernel (see ./regression-eval).
 * - fusedMseLoss: the training loss MSE and its gradient in one kernel each (see ./mse-loss).
 *
 * LRLAB_WASM_TUNING=0 turns the kernel overrides and LR Lab's own kernels off (to compare, or to
 * rule them out): ./custom-kernels's fastPath() is the one check every caller makes.
 */
import * as tf from '@tensorflow/tfjs'

export { fusedAdamUpdate, plainAdamUpdate, FUSED_ADAM_MAX_ELEMENTS, type AdamHyper, type AdamSlots } from './adam'
export { globalL2Norm, FUSED_NORM_MAX_ELEMENTS } from './norm'
export { layerHealth, type LayerTensors } from './layer-health'
export { fusedRegressionEval, FUSED_EVAL_MAX_ELEMENTS } from './regression-eval'
export { fusedMseLoss, FUSED_MSE_MAX_ELEMENTS } from './mse-loss'
import { blockGather } from './gather'
import { firstAxisConcat, firstAxisPack } from './first-axis-copies'
import { columnSum } from './column-sum'
import { productDims, SMALL_BINARY_KERNELS, smallBinary, smallMatMul } from './small-tensors'
import { gemmFor, packedBytes, stockChunk, type GemmKernels } from './gemm'
import { webAssembly } from './wasm-asm'
import type { KernelArgs, WasmBackend } from './wasm-backend'
import { customKernelLabels, fastPath, isWasmTuningEnabled, setOverridesRegistered } from './custom-kernels'
export { fastPath, isWasmTuningEnabled, customKernelLabels } from './custom-kernels'

export interface TuningReport {
  /** True when the overrides are registered (now or by an earlier call). */
  applied: boolean
  /** The backend that was active when asked. */
  backend: string
  /** Kernel overrides in place, e.g. ['BatchMatMul: transpose first']. */
  kernels: string[]
  /** Why nothing was applied, when applied is false. */
  reason?: string
}

/**
 * Swap the last two axes of each [r, c] matrix in src into dst, in 32×32 tiles so both
 * sides stay in cache. 1.6–15× faster here than the stock wasm Transpose kernel (which is
 * slowest on power-of-two strides, e.g. 517 vs 190 µs for 256×256), and a pure copy.
 */
export function blockTranspose(src: Float32Array, dst: Float32Array, r: number, c: number): void {
  const B = 32
  const size = r * c
  for (let base = 0; base < src.length; base += size) {
    for (let i0 = 0; i0 < r; i0 += B) {
      const i1 = Math.min(i0 + B, r)
      for (let j0 = 0; j0 < c; j0 += B) {
        const j1 = Math.min(j0 + B, c)
        for (let i = i0; i < i1; i++) {
          const row = base + i * c
          for (let j = j0; j < j1; j++) dst[base + j * r + i] = src[row + j]!
        }
      }
    }
  }
}

const MATMUL_GEMM_LABEL = 'BatchMatMul: SIMD GEMM'
const MATMUL_TRANSPOSE_LABEL = 'BatchMatMul: transpose first'
const GATHER_LABEL = 'GatherV2: block copies'
const SUM_LABEL = 'Sum over leading axes: SIMD columns'
const COPIES_LABEL = 'Pack, Concat along axis 0: block copies'
const SMALL_LABEL = `small tensors (${[...SMALL_BINARY_KERNELS, 'BatchMatMul'].join(', ')}): JS loops`
/** The stock kernels replaced, to put back; null when no override is registered. */
let stockKernels: tf.KernelConfig[] | null = null

/**
 * C = op(A)·op(B) with our SIMD GEMM (./gemm), reading transposed operands in place: float32,
 * batch dims flattened, one side's batch of 1 broadcast. Returns null for what it leaves to the
 * stock kernel (see productDims).
 */
function gemmMatMul(gemm: GemmKernels, args: KernelArgs): tf.TensorInfo | null {
  const dims = productDims(args)
  if (!dims) return null
  const { M, K, N, batchA, batchB, outShape } = dims
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean }
  const be = args.backend as unknown as WasmBackend
  const out = be.makeOutput(outShape, 'float32')
  const pack = be.makeOutput([packedBytes(K, N) / 4], 'float32')
  const at = (t: tf.TensorInfo): number => be.dataIdMap.get(t.dataId).memoryOffset
  const [aBase, bBase, cBase, packAt] = [at(a), at(b), at(out), at(pack)]
  const chunk = stockChunk(K, transposeA || transposeB, batchA, batchB)
  // Byte strides: A's (row, k), B's (k, column).
  const [sai, sak] = transposeA ? [4, 4 * M] : [4 * K, 4]
  const [sbk, sbn] = transposeB ? [4, 4 * K] : [4 * N, 4]
  for (let i = 0; i < Math.max(batchA, batchB); i++) {
    if (i === 0 || batchB > 1) gemm.pack_b(bBase + (batchB > 1 ? i : 0) * 4 * K * N, sbk, sbn, K, N, packAt)
    gemm.gemm(aBase + (batchA > 1 ? i : 0) * 4 * M * K, sai, sak, packAt, K, N, M, cBase + i * 4 * M * N, 4 * N, chunk)
  }
  be.disposeData(pack.dataId)
  return out
}

/** The fallback where wasm SIMD is missing: transpose explicitly, then the stock (fast) plain product. */
export function transposeFirst(stock: tf.KernelConfig, transpose: tf.KernelConfig, args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean }
  if (!transposeA && !transposeB) return stock.kernelFunc(args) as tf.TensorInfo
  const temps: tf.TensorInfo[] = []
  const swapLastTwo = (t: tf.TensorInfo): tf.TensorInfo => {
    const rank = t.shape.length
    let out: tf.TensorInfo
    if (t.dtype === 'float32') {
      const be = backend as unknown as WasmBackend
      const [r, c] = t.shape.slice(-2) as [number, number]
      out = be.makeOutput([...t.shape.slice(0, -2), c, r], 'float32')
      // Views only after makeOutput: its malloc may grow the heap and detach older views.
      blockTranspose(be.typedArrayFromHeap(t), be.typedArrayFromHeap(out), r, c)
    } else {
      const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2]
      out = transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo
    }
    temps.push(out)
    return out
  }
  const a = transposeA ? swapLastTwo(inputs.a!) : inputs.a!
  const b = transposeB ? swapLastTwo(inputs.b!) : inputs.b!
  const out = stock.kernelFunc({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo
  for (const t of temps) (backend as unknown as WasmBackend).disposeData(t.dataId)
  return out
}

/** Which BatchMatMul the override runs on this backend: our GEMM, or transpose-first where wasm SIMD is missing. */
function matMulKernel(stock: tf.KernelConfig, transpose: tf.KernelConfig): { label: string; kernelFunc: tf.KernelFunc } {
  const memory = (tf.backend() as unknown as Partial<WasmBackend>).wasm?.asm?.memory
  const gemm = memory instanceof webAssembly.Memory ? gemmFor(memory) : null
  if (!gemm) return { label: MATMUL_TRANSPOSE_LABEL, kernelFunc: (args) => smallMatMul(args) ?? transposeFirst(stock, transpose, args) }
  return {
    label: MATMUL_GEMM_LABEL,
    kernelFunc: (args) => smallMatMul(args) ?? gemmMatMul(gemm, args) ?? transposeFirst(stock, transpose, args),
  }
}

/** Swap a wasm kernel for `make(stock)`, keeping the stock setup (it binds the wasm functions). */
function override(name: string, make: (stock: tf.KernelConfig) => tf.KernelFunc): tf.KernelConfig {
  const stock = tf.getKernel(name, 'wasm')!
  tf.unregisterKernel(name, 'wasm')
  tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: stock.setupFunc, kernelFunc: make(stock) })
  return stock
}

/** What the registered overrides are, for the report. */
let labels: string[] = []

/**
 * Register the kernel overrides when the active backend is wasm and tuning is enabled.
 * Idempotent: a second call reports the overrides already in place.
 */
export function applyWasmTuning(): TuningReport {
  const backend = tf.getBackend()
  if (backend !== 'wasm') return { applied: false, backend, kernels: [], reason: `active backend is ${backend}, not wasm` }
  if (!isWasmTuningEnabled()) return { applied: false, backend, kernels: [], reason: 'LRLAB_WASM_TUNING=0' }
  if (stockKernels) return { applied: true, backend, kernels: [...labels] }
  const transpose = tf.getKernel('Transpose', 'wasm')
  const missing = ['BatchMatMul', 'Transpose', 'GatherV2', 'Sum', 'Pack', 'Concat', ...SMALL_BINARY_KERNELS].filter((k) => !tf.getKernel(k, 'wasm'))
  if (missing.length) return { applied: false, backend, kernels: [], reason: `wasm kernels not registered: ${missing.join(', ')}` }
  let matMulLabel = ''
  const matMul = override('BatchMatMul', (stock) => {
    const k = matMulKernel(stock, transpose)
    matMulLabel = k.label
    return k.kernelFunc
  })
  const small = SMALL_BINARY_KERNELS.map((name) => override(name, (stock) => smallBinary(name, stock.kernelFunc)))
  const copies = [override('Pack', (stock) => firstAxisPack(stock.kernelFunc)), override('Concat', (stock) => firstAxisConcat(stock.kernelFunc))]
  stockKernels = [matMul, override('GatherV2', blockGather), override('Sum', columnSum), ...small, ...copies]
  setOverridesRegistered(true)
  // The overrides, then LR Lab's own kernels that run on wasm (registered on first use).
  labels = [matMulLabel, GATHER_LABEL, SUM_LABEL, SMALL_LABEL, COPIES_LABEL, ...customKernelLabels('wasm')]
  return { applied: true, backend, kernels: [...labels] }
}

/** Put the stock kernels back (side-by-side measurements, tests). Idempotent. */
export function removeWasmTuning(): void {
  if (!stockKernels) return
  for (const stock of stockKernels) {
    tf.unregisterKernel(stock.kernelName, 'wasm')
    tf.registerKernel(stock)
  }
  stockKernels = null
  setOverridesRegistered(false)
}

/** Whether the overrides are registered and wasm, which runs them, is the active backend. */
export function wasmTuningActive(): boolean {
  return fastPath() === 'wasm'
}
