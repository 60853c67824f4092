/**
 * Adam's update (plain, L2 weight decay or AdamW's decoupled decay; not amsgrad) as a 128-bit SIMD WebAssembly
 * loop that works directly on the tfjs wasm backend's memory. JS can only do this one float
 * at a time (~11 ns per element here), so large parameters used to go through ~13 separate
 * wasm kernels, each streaming the whole tensor; this loop streams it once.
 *
 * Bit for bit the plain ops: f32x4 mul/add/div/sqrt are IEEE float32 operations, applied in
 * the plain ops' order (see ./adam's adamLoopPlain, the scalar reference).
 *
 * The module is assembled here rather than shipped as a file: it is ~300 bytes and this keeps
 * the encoding next to the semantics it must match.
 */

import {
  I32,
  F32,
  V128,
  I32_CONST,
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
  F32_SQRT,
  F32_ADD,
  F32_MUL,
  F32_DIV,
  V128_LOAD,
  V128_STORE,
  F32X4_SPLAT,
  F32X4_SQRT,
  F32X4_ADD,
  F32X4_MUL,
  F32X4_DIV,
  sleb,
  get,
  set,
  moduleWithImportedMemory,
  instantiateOn,
  type WasmMemory,
} from './wasm-asm'

// Parameters: 8 byte addresses/counts, then the float32 scalars of ./adam's Scalars.
const [P, G, M, V, PO, MO, VO, N] = [0, 1, 2, 3, 4, 5, 6, 7]
const [b1, omb1, b2, omb2, eps, bc, neg, wd, decay] = [8, 9, 10, 11, 12, 13, 14, 15, 16]
const SCALARS = [b1, omb1, b2, omb2, eps, bc, neg, wd, decay]
// Locals: byte index, vector end, end; splatted scalars; per-iteration values.
const [I, END4, ENDALL] = [17, 18, 19]
const SPLAT = (scalar: number): number => 20 + (scalar - b1) // 20..28
const [GV, MV, VV, PV] = [29, 30, 31, 32]
const [GS, MS, VS, PS] = [33, 34, 35, 36]

const addr = (base: number): number[] => [...get(base), ...get(I), I32_ADD]

/** Weight decay as ./adam applies it: none, L2 (g + wd·p) or decoupled (AdamW: p·(1 − lr·wd) first). */
type Variant = 'plain' | 'l2' | 'decoupled'

/** One step of the loop: vector (16 bytes) or scalar (4 bytes) lanes. */
function body(vector: boolean, variant: Variant): number[] {
  const load = vector ? [...V128_LOAD, 0, 0] : [F32_LOAD, 0, 0]
  const store = vector ? [...V128_STORE, 0, 0] : [F32_STORE, 0, 0]
  const [mul, add, div, sqrt] = vector ? [F32X4_MUL, F32X4_ADD, F32X4_DIV, F32X4_SQRT] : [[F32_MUL], [F32_ADD], [F32_DIV], [F32_SQRT]]
  const k = (scalar: number): number[] => (vector ? get(SPLAT(scalar)) : get(scalar))
  const [g, m, v, p] = vector ? [GV, MV, VV, PV] : [GS, MS, VS, PS]
  return [
    ...addr(P),
    ...load,
    ...(variant === 'decoupled' ? [...k(decay), ...mul!] : []),
    ...set(p),
    ...addr(G),
    ...load,
    ...(variant === 'l2' ? [...get(p), ...k(wd), ...mul!, ...add!] : []),
    ...set(g),
    // m' = m·β1 + g·(1−β1)
    ...addr(M),
    ...load,
    ...k(b1),
    ...mul!,
    ...get(g),
    ...k(omb1),
    ...mul!,
    ...add!,
    ...set(m),
    // v' = v·β2 + (g·g)·(1−β2)
    ...addr(V),
    ...load,
    ...k(b2),
    ...mul!,
    ...get(g),
    ...get(g),
    ...mul!,
    ...k(omb2),
    ...mul!,
    ...add!,
    ...set(v),
    ...addr(MO),
    ...get(m),
    ...store,
    ...addr(VO),
    ...get(v),
    ...store,
    // p' = p + (m' / (sqrt(v')/sqrt(bc2) + eps)) · (−lr/bc1)
    ...addr(PO),
    ...get(p),
    ...get(m),
    ...get(v),
    ...sqrt!,
    ...k(bc),
    ...div!,
    ...k(eps),
    ...add!,
    ...div!,
    ...k(neg),
    ...mul!,
    ...add!,
    ...store,
    ...get(I),
    I32_CONST,
    ...sleb(vector ? 16 : 4),
    I32_ADD,
    ...set(I),
  ]
}

const loop = (end: number, vector: boolean, variant: Variant): number[] => [BLOCK, VOID, LOOP, VOID, ...get(I), ...get(end), I32_GE_U, BR_IF, 1, ...body(vector, variant), BR, 0, END, END]

const VARIANTS: Variant[] = ['plain', 'l2', 'decoupled']

function functionBody(variant: Variant): number[] {
  return [
    ...get(N),
    I32_CONST,
    ...sleb(-4),
    I32_AND,
    I32_CONST,
    2,
    I32_SHL,
    ...set(END4),
    ...get(N),
    I32_CONST,
    2,
    I32_SHL,
    ...set(ENDALL),
    ...SCALARS.flatMap((s) => [...get(s), ...F32X4_SPLAT, ...set(SPLAT(s))]),
    I32_CONST,
    0,
    ...set(I),
    ...loop(END4, true, variant),
    ...loop(ENDALL, false, variant),
  ]
}

function moduleBytes(): Uint8Array {
  const params = [...Array(8).fill(I32), ...Array(SCALARS.length).fill(F32)] as number[]
  // locals: 3 i32, 13 v128, 4 f32
  const locals: [number, number][] = [
    [3, I32],
    [13, V128],
    [4, F32],
  ]
  return moduleWithImportedMemory(
    [params],
    VARIANTS.map((v) => ({ type: 0, locals, body: functionBody(v), export: v })),
  )
}

export { webAssembly, type WasmMemory } from './wasm-asm'

export type SimdAdam = (
  p: number,
  g: number,
  m: number,
  v: number,
  pOut: number,
  mOut: number,
  vOut: number,
  n: number,
  b1: number,
  omb1: number,
  b2: number,
  omb2: number,
  eps: number,
  bc2Sqrt: number,
  negStep: number,
  wd: number,
  decay: number,
) => void

export type SimdAdamVariants = Record<Variant, SimdAdam>
const instances = new WeakMap<WasmMemory, SimdAdamVariants | null>()

/** The loops bound to `memory` (byte addresses into it), or null where wasm SIMD is unavailable. */
export function simdAdamFor(memory: WasmMemory): SimdAdamVariants | null {
  if (!instances.has(memory)) instances.set(memory, instantiateOn<SimdAdamVariants>(moduleBytes(), memory))
  return instances.get(memory)!
}
