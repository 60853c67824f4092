/**
 * torch.optim.Adam/AdamW's update for one parameter as a single kernel. The plain version
 * (the same math as electron/trainer/optimizers/adam.ts, ~15 tfjs ops per parameter) pays
 * tfjs's per-op overhead about 15 times; this one walks the arrays once in JS.
 *
 * Every intermediate is rounded to float32 (Math.fround) in the order the plain ops apply
 * them, so the results are the plain ops' results bit for bit: float32 +, −, ×, ÷ and sqrt
 * computed in float64 and rounded once are correctly rounded.
 *
 * Runs on wasm (reading and writing the wasm heap: Adam, L2 and AdamW through the SIMD loops
 * of ./simd-adam at any size, amsgrad in JS up to FUSED_ADAM_MAX_ELEMENTS, where that is
 * faster) and cpu; elsewhere the plain ops run, which give the same numbers.
 * Outputs are new buffers, never written in place: tf.clone (optimizer snapshots) shares buffers.
 */
import * as tf from '@tensorflow/tfjs'
import { simdAdamFor, webAssembly, type SimdAdamVariants } from './simd-adam'
import type { KernelArgs, WasmBackend } from './wasm-backend'
import { customKernel, runCustomKernel } from './custom-kernels'

export interface AdamHyper {
  lr: number
  beta1: number
  beta2: number
  eps: number
  weightDecay: number
  /** AdamW: decay the weights by lr·wd before the step instead of adding wd·p to the gradient. */
  decoupled: boolean
  /** Steps taken including this one, from 1 (PyTorch's state['step']). */
  step: number
}

export interface AdamSlots {
  expAvg: tf.Variable
  expAvgSq: tf.Variable
  /** Present for amsgrad. */
  maxExpAvgSq?: tf.Variable
}

const KERNEL = 'LRLabAdamUpdate'
/**
 * Above this many elements the JS loop (scalar float64 sqrt and division, ~8 ns/element)
 * loses to the ~13 SIMD wasm kernels; below it tfjs's per-kernel overhead dominates.
 * Measured on wasm, 2 cores: 256 elements 19 vs 216 µs, 2560: 120 vs 140 µs, 8192: 185 vs 135 µs.
 */
export const FUSED_ADAM_MAX_ELEMENTS = 4096
const f = Math.fround

interface Scalars {
  b1: number
  omb1: number
  b2: number
  omb2: number
  eps: number
  bc2Sqrt: number
  negStep: number
  wd: number
  decay: number
  decoupled: boolean
  amsgrad: boolean
}

/** The scalars exactly as the plain ops see them (tf.scalar rounds to float32). */
function scalars(h: AdamHyper, amsgrad: boolean): Scalars {
  const bc1 = 1 - h.beta1 ** h.step
  const bc2 = 1 - h.beta2 ** h.step
  return {
    b1: f(h.beta1),
    omb1: f(1 - h.beta1),
    b2: f(h.beta2),
    omb2: f(1 - h.beta2),
    eps: f(h.eps),
    bc2Sqrt: f(Math.sqrt(bc2)),
    negStep: f(-h.lr / bc1),
    wd: f(h.weightDecay),
    decay: f(1 - h.lr * h.weightDecay),
    decoupled: h.decoupled,
    amsgrad,
  }
}

/** outs = [param, expAvg, expAvgSq, maxExpAvgSq?]; ins likewise plus grad. */
function adamLoop(
  s: Scalars,
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vm: Float32Array | null,
  pOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
  vmOut: Float32Array | null,
): void {
  if (s.wd === 0 && !vm) adamLoopPlain(s, p, g, m, v, pOut, mOut, vOut)
  else adamLoopGeneral(s, p, g, m, v, vm, pOut, mOut, vOut, vmOut)
}

/** The common case (no weight decay, no amsgrad) without branches in the loop. */
function adamLoopPlain(s: Scalars, p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array): void {
  const { b1, omb1, b2, omb2, eps, bc2Sqrt, negStep } = s
  const n = p.length
  for (let i = 0; i < n; i++) {
    const gi = g[i]!
    const mi = f(f(m[i]! * b1) + f(gi * omb1))
    const vi = f(f(v[i]! * b2) + f(f(gi * gi) * omb2))
    const denom = f(f(f(Math.sqrt(vi)) / bc2Sqrt) + eps)
    pOut[i] = f(p[i]! + f(f(mi / denom) * negStep))
    mOut[i] = mi
    vOut[i] = vi
  }
}

function adamLoopGeneral(
  s: Scalars,
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vm: Float32Array | null,
  pOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
  vmOut: Float32Array | null,
): void {
  const { b1, omb1, b2, omb2, eps, bc2Sqrt, negStep, wd, decay } = s
  const decayWeights = wd !== 0 && s.decoupled
  const l2 = wd !== 0 && !s.decoupled
  for (let i = 0; i < p.length; i++) {
    let pi = p[i]!
    let gi = g[i]!
    if (decayWeights) pi = f(pi * decay)
    else if (l2) gi = f(gi + f(pi * wd))
    const mi = f(f(m[i]! * b1) + f(gi * omb1))
    const vi = f(f(v[i]! * b2) + f(f(gi * gi) * omb2))
    let vUsed = vi
    if (vm && vmOut) {
      vUsed = Math.max(vm[i]!, vi)
      vmOut[i] = vUsed
    }
    const denom = f(f(f(Math.sqrt(vUsed)) / bc2Sqrt) + eps)
    pOut[i] = f(pi + f(f(mi / denom) * negStep))
    mOut[i] = mi
    vOut[i] = vi
  }
}

type Attrs = AdamHyper & { amsgrad: boolean }
const INPUTS = ['param', 'grad', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] as const

/** The SIMD loops for the wasm backend's memory, or null (no SIMD here, or not the wasm backend). */
function simdLoops(backend: unknown): SimdAdamVariants | null {
  const memory = (backend as Partial<WasmBackend>).wasm?.asm?.memory
  return memory instanceof webAssembly.Memory ? simdAdamFor(memory) : null
}
interface CpuBackend {
  data: { get(dataId: object): { values: unknown } }
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo
}

function wasmKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as unknown as WasmBackend
  const a = attrs as unknown as Attrs
  const ins = INPUTS.map((k) => inputs[k]).filter((t): t is tf.TensorInfo => t !== undefined)
  const outs = ins.filter((_, i) => i !== 1).map((t) => be.makeOutput(t.shape, 'float32'))
  // Views only after every allocation: malloc may grow the heap and detach older views.
  const sc = scalars(a, a.amsgrad)
  const simd = a.amsgrad ? null : simdLoops(backend)
  if (simd) {
    const at = (t: tf.TensorInfo): number => be.dataIdMap.get(t.dataId).memoryOffset
    const [p, g, m, v] = ins.map(at)
    const [pO, mO, vO] = outs.map(at)
    const loop = sc.wd === 0 ? simd.plain : sc.decoupled ? simd.decoupled : simd.l2
    loop(p!, g!, m!, v!, pO!, mO!, vO!, tf.util.sizeFromShape(ins[0]!.shape), sc.b1, sc.omb1, sc.b2, sc.omb2, sc.eps, sc.bc2Sqrt, sc.negStep, sc.wd, sc.decay)
    return outs
  }
  const [p, g, m, v, vm] = ins.map((t) => be.typedArrayFromHeap(t))
  const [pO, mO, vO, vmO] = outs.map((t) => be.typedArrayFromHeap(t))
  adamLoop(sc, p!, g!, m!, v!, vm ?? null, pO!, mO!, vO!, vmO ?? null)
  return outs
}

function cpuKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as unknown as CpuBackend
  const a = attrs as unknown as Attrs
  const ins = INPUTS.map((k) => inputs[k]).filter((t): t is tf.TensorInfo => t !== undefined)
  const [p, g, m, v, vm] = ins.map((t) => be.data.get(t.dataId).values as Float32Array)
  const n = p!.length
  const [pO, mO, vO, vmO] = [0, 1, 2, 3].slice(0, a.amsgrad ? 4 : 3).map(() => new Float32Array(n))
  adamLoop(scalars(a, a.amsgrad), p!, g!, m!, v!, vm ?? null, pO!, mO!, vO!, vmO ?? null)
  return [pO!, mO!, vO!, ...(vmO ? [vmO] : [])].map((vals) => be.makeTensorInfo(ins[0]!.shape, 'float32', vals))
}

const ADAM_KERNEL = customKernel({ name: KERNEL, label: 'Adam/AdamW update, one kernel per parameter', backends: { wasm: wasmKernel, cpu: cpuKernel } })

/** The same update with plain tfjs ops, in electron/trainer/optimizers/adam.ts's order. */
export function plainAdamUpdate(param: tf.Variable, grad: tf.Tensor, slots: AdamSlots, h: AdamHyper): void {
  tf.tidy(() => {
    const { expAvg: m, expAvgSq: v, maxExpAvgSq: vMax } = slots
    const bc1 = 1 - h.beta1 ** h.step
    const bc2 = 1 - h.beta2 ** h.step
    let g = grad
    if (h.weightDecay !== 0) {
      if (h.decoupled) param.assign(param.mul(tf.scalar(1 - h.lr * h.weightDecay)))
      else g = g.add(param.mul(tf.scalar(h.weightDecay)))
    }
    m.assign(m.mul(tf.scalar(h.beta1)).add(g.mul(tf.scalar(1 - h.beta1))))
    v.assign(v.mul(tf.scalar(h.beta2)).add(g.square().mul(tf.scalar(1 - h.beta2))))
    let vUsed: tf.Tensor = v
    if (vMax) {
      vMax.assign(tf.maximum(vMax, v))
      vUsed = vMax
    }
    const denom = vUsed
      .sqrt()
      .div(tf.scalar(Math.sqrt(bc2)))
      .add(tf.scalar(h.eps))
    param.assign(param.add(m.div(denom).mul(tf.scalar(-h.lr / bc1))))
  })
}

/**
 * One Adam/AdamW step for one parameter: assigns param, expAvg, expAvgSq (and maxExpAvgSq
 * for amsgrad). Equal to plainAdamUpdate bit for bit; one kernel where that is faster.
 * `force` picks the kernel regardless of size (tests).
 */
export function fusedAdamUpdate(param: tf.Variable, grad: tf.Tensor, slots: AdamSlots, h: AdamHyper, force = false): void {
  const backend = tf.getBackend()
  const onJsBackend = backend === 'cpu' || backend === 'wasm'
  // The SIMD loops (Adam, L2, AdamW on wasm) beat the separate kernels at every size.
  const simd = backend === 'wasm' && !slots.maxExpAvgSq && simdLoops(tf.backend()) !== null
  const fusedPays = onJsBackend && (force || simd || backend === 'cpu' || param.size <= FUSED_ADAM_MAX_ELEMENTS)
  if (!fusedPays || param.dtype !== 'float32' || grad.dtype !== 'float32') {
    plainAdamUpdate(param, grad, slots, h)
    return
  }
  if (!tf.util.arraysEqual(param.shape, grad.shape)) throw new Error(`fusedAdamUpdate: grad has shape [${grad.shape}], param [${param.shape}]`)
  const amsgrad = slots.maxExpAvgSq !== undefined
  const inputs: tf.NamedTensorMap = { param, grad, expAvg: slots.expAvg, expAvgSq: slots.expAvgSq, ...(amsgrad && { maxExpAvgSq: slots.maxExpAvgSq! }) }
  const attrs = { ...h, amsgrad } as unknown as tf.NamedAttrMap
  tf.tidy(() => {
    const outs = runCustomKernel(ADAM_KERNEL, inputs, attrs) as tf.Tensor[]
    param.assign(outs[0]!)
    slots.expAvg.assign(outs[1]!)
    slots.expAvgSq.assign(outs[2]!)
    if (amsgrad) slots.maxExpAvgSq!.assign(outs[3]!)
  })
}
