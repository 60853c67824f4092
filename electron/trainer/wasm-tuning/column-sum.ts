/**
 * Sum over leading axes (e.g. a dense layer's bias gradient, the batch sum of a [128, 256]
 * gradient) as a SIMD WebAssembly loop on the wasm backend's heap. The stock Sum kernel first
 * transposes so the reduced axes are innermost, then sums each output serially: 0.14 ms for
 * [128, 256] here, most of it the transpose.
 *
 * Bit for bit the stock result: each output element is still summed serially in float32 from
 * zero in row order; we only compute four columns per instruction and skip the transpose.
 */
import * as tf from '@tensorflow/tfjs'
import {
  I32,
  I32_ADD,
  I32_AND,
  I32_SHL,
  I32_GE_U,
  BLOCK,
  LOOP,
  BR,
  BR_IF,
  END,
  VOID,
  F32_LOAD,
  F32_STORE,
  F32_CONST,
  F32_ADD,
  V128_LOAD,
  V128_STORE,
  F32X4_ADD,
  get,
  set,
  i32,
  memarg,
  countDown,
  moduleWithImportedMemory,
  instantiateOn,
  webAssembly,
  type WasmMemory,
} from './wasm-asm'
import type { KernelArgs, WasmBackend } from './wasm-backend'

type ColumnSum = (x: number, rows: number, cols: number, out: number) => void

function moduleBytes(): Uint8Array {
  const [X, R, C, OUT] = [0, 1, 2, 3]
  const [J, CB, C4B] = [4, 5, 6] // byte offset in a row, row bytes, bytes of the whole 4-column groups
  const whileBelow = (limit: number, body: number[]): number[] => [BLOCK, VOID, LOOP, VOID, ...get(J), ...get(limit), I32_GE_U, BR_IF, 1, ...body, BR, 0, END, END]
  const at = (base: number): number[] => [...get(base), ...get(J), I32_ADD]
  const step = (n: number): number[] => [...get(J), ...i32(n), I32_ADD, ...set(J)]
  const body = [
    ...get(C),
    ...i32(2),
    I32_SHL,
    ...set(CB),
    ...get(C),
    ...i32(-4),
    I32_AND,
    ...i32(2),
    I32_SHL,
    ...set(C4B),
    ...i32(0),
    ...set(J),
    ...whileBelow(CB, [...at(OUT), F32_CONST, 0, 0, 0, 0, F32_STORE, ...memarg(2), ...step(4)]),
    LOOP,
    VOID,
    ...i32(0),
    ...set(J),
    ...whileBelow(C4B, [...at(OUT), ...at(OUT), ...V128_LOAD, ...memarg(2), ...at(X), ...V128_LOAD, ...memarg(2), ...F32X4_ADD, ...V128_STORE, ...memarg(2), ...step(16)]),
    ...whileBelow(CB, [...at(OUT), ...at(OUT), F32_LOAD, ...memarg(2), ...at(X), F32_LOAD, ...memarg(2), F32_ADD, F32_STORE, ...memarg(2), ...step(4)]),
    ...get(X),
    ...get(CB),
    I32_ADD,
    ...set(X),
    ...countDown(R, 0),
    END,
  ]
  return moduleWithImportedMemory([[I32, I32, I32, I32]], [{ type: 0, locals: [[3, I32]], body, export: 'column_sum' }])
}

const instances = new WeakMap<WasmMemory, ColumnSum | null>()
function columnSumFor(memory: WasmMemory): ColumnSum | null {
  if (!instances.has(memory)) instances.set(memory, instantiateOn<{ column_sum: ColumnSum }>(moduleBytes(), memory)?.column_sum ?? null)
  return instances.get(memory)!
}

/** The Sum kernel: leading-axes float32 sums here, the rest (full reductions, inner axes) to the stock kernel. */
export function columnSum(stock: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args
    const x = inputs.x!
    const { axis, keepDims } = attrs as unknown as { axis: number | number[] | null; keepDims: boolean }
    const rank = x.shape.length
    const axes = tf.util.parseAxisParam(axis ?? [...Array(rank).keys()], x.shape)
    const lead = axes.length
    // In this order only: the stock kernel sums [1, 0] in another order than [0, 1].
    const leading = lead > 0 && lead < rank && axes.every((a, i) => a === i)
    const memory = (backend as unknown as Partial<WasmBackend>).wasm?.asm?.memory
    const kernel = memory instanceof webAssembly.Memory ? columnSumFor(memory) : null
    const rows = tf.util.sizeFromShape(x.shape.slice(0, lead))
    const cols = tf.util.sizeFromShape(x.shape.slice(lead))
    if (!leading || !kernel || x.dtype !== 'float32') return stock.kernelFunc(args)
    const be = backend as unknown as WasmBackend
    const outShape = keepDims ? [...Array(lead).fill(1), ...x.shape.slice(lead)] : x.shape.slice(lead)
    const out = be.makeOutput(outShape, 'float32')
    // Zero rows sum to zeros (the stock kernel leaves such an output unwritten).
    if (rows === 0) be.typedArrayFromHeap(out).fill(0)
    else if (cols > 0) kernel(be.dataIdMap.get(x.dataId).memoryOffset, rows, cols, be.dataIdMap.get(out.dataId).memoryOffset)
    return out
  }
}
