/**
 * LR Lab's own kernels (fused ops tfjs has no kernel for) and the one place that decides where
 * LR Lab's fast paths run. Every custom kernel is declared here by `customKernel` and run through
 * `runCustomKernel`, which registers it on first use: one list, as tfjs-backend-wasm lists its
 * kernels in register_all_kernels.ts, that the tuning report (the backend badge) reads.
 */
import * as tf from '@tensorflow/tfjs'

export interface CustomKernel {
  name: string
  /** What it replaces, for the tuning report. */
  label: string
  /** Its implementation on each backend it runs on. */
  backends: Partial<Record<'wasm' | 'cpu', (args: never) => unknown>>
  gradient?: Omit<tf.GradConfig, 'kernelName'>
}

const KERNELS: CustomKernel[] = []

/** Declare a custom kernel (at module load); registering waits for its first run. */
export function customKernel(k: CustomKernel): CustomKernel {
  KERNELS.push(k)
  return k
}

const registered = new Set<string>()

/** Run `k` on the active backend, registering it (every backend it has, and its gradient) on first use. */
export function runCustomKernel(k: CustomKernel, inputs: tf.NamedTensorMap, attrs: object = {}): tf.Tensor | tf.Tensor[] {
  if (!registered.has(k.name)) {
    for (const [backendName, kernelFunc] of Object.entries(k.backends)) {
      if (!tf.getKernel(k.name, backendName)) tf.registerKernel({ kernelName: k.name, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc })
    }
    if (k.gradient && !tf.getGradient(k.name)) tf.registerGradient({ kernelName: k.name, ...k.gradient })
    registered.add(k.name)
  }
  return tf.engine().runKernel(k.name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[]
}

/** Whether `k` has an implementation for the active backend. */
export function runsHere(k: CustomKernel): boolean {
  return Object.hasOwn(k.backends, tf.getBackend())
}

/** The report's lines for the custom kernels that run on `backend`. */
export function customKernelLabels(backend: 'wasm' | 'cpu'): string[] {
  return KERNELS.filter((k) => k.backends[backend]).map((k) => `${k.name}: ${k.label}`)
}

/** LRLAB_WASM_TUNING=0 (or "false"/"off") turns the fast paths off. */
export function isWasmTuningEnabled(): boolean {
  const v = (process.env.LRLAB_WASM_TUNING ?? '').trim().toLowerCase()
  return !(v === '0' || v === 'false' || v === 'off')
}

/** Whether the wasm kernel overrides are registered (set by ./index's apply/remove). */
let overridesRegistered = false
export function setOverridesRegistered(on: boolean): void {
  overridesRegistered = on
}

/**
 * Where LR Lab's fast paths run now, the one check every caller makes (as PyTorch's adam()
 * picks foreach or fused in one place): 'wasm' when the wasm overrides are registered and wasm
 * is active (they stay registered while auto's calibration visits another backend), 'cpu' on
 * the cpu backend with tuning on (the fused Adam kernel), else null: the stock ops. Each fast
 * op still checks that it pays for its tensors (size, dtype).
 */
export function fastPath(): 'wasm' | 'cpu' | null {
  const backend = tf.getBackend()
  if (backend === 'wasm') return overridesRegistered ? 'wasm' : null
  if (backend === 'cpu') return isWasmTuningEnabled() ? 'cpu' : null
  return null
}
