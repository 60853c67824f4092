/**
 * The parts of tfjs's wasm backend the tuning kernels use; the package exports no type for
 * them. Kernels cast their `backend` argument to this.
 */
import type * as tf from '@tensorflow/tfjs'
import type { WasmMemory } from './wasm-asm'

export type KernelArgs = Parameters<tf.KernelFunc>[0]

export interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo
  /** A view of a float32 tensor's elements on the heap; make outputs first, a malloc may detach older views. */
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array
  disposeData(dataId: object): void
  dataIdMap: { get(dataId: object): { memoryOffset: number } }
  wasm: { asm: { memory?: WasmMemory } }
}
