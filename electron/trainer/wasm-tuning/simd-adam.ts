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

// Opcodes (WebAssembly core + fixed-width SIMD).
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, I32_CONST = 0x41, I32_ADD = 0x6a, I32_AND = 0x71, I32_SHL = 0x74, I32_GE_U = 0x4f
const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40
const F32_LOAD = 0x2a, F32_STORE = 0x38, F32_SQRT = 0x91, F32_ADD = 0x92, F32_MUL = 0x94, F32_DIV = 0x95
const simd = (op: number): number[] => [0xfd, ...uleb(op)]
const V128_LOAD = simd(0x00), V128_STORE = simd(0x0b), F32X4_SPLAT = simd(0x13)
const F32X4_SQRT = simd(0xe3), F32X4_ADD = simd(0xe4), F32X4_MUL = simd(0xe6), F32X4_DIV = simd(0xe7)

function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}
function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b]
    out.push(b | 0x80)
  }
}
const str = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]

// Parameters: 8 byte addresses/counts, then the float32 scalars of ./adam's Scalars.
const [P, G, M, V, PO, MO, VO, N] = [0, 1, 2, 3, 4, 5, 6, 7]
const [b1, omb1, b2, omb2, eps, bc, neg, wd, decay] = [8, 9, 10, 11, 12, 13, 14, 15, 16]
const SCALARS = [b1, omb1, b2, omb2, eps, bc, neg, wd, decay]
// Locals: byte index, vector end, end; splatted scalars; per-iteration values.
const [I, END4, ENDALL] = [17, 18, 19]
const SPLAT = (scalar: number): number => 20 + (scalar - b1) // 20..28
const [GV, MV, VV, PV] = [29, 30, 31, 32]
const [GS, MS, VS, PS] = [33, 34, 35, 36]

const get = (l: number): number[] => [LOCAL_GET, ...uleb(l)]
const set = (l: number): number[] => [LOCAL_SET, ...uleb(l)]
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
    ...addr(P), ...load, ...(variant === 'decoupled' ? [...k(decay), ...mul!] : []), ...set(p),
    ...addr(G), ...load, ...(variant === 'l2' ? [...get(p), ...k(wd), ...mul!, ...add!] : []), ...set(g),
    // m' = m·β1 + g·(1−β1)
    ...addr(M), ...load, ...k(b1), ...mul!, ...get(g), ...k(omb1), ...mul!, ...add!, ...set(m),
    // v' = v·β2 + (g·g)·(1−β2)
    ...addr(V), ...load, ...k(b2), ...mul!, ...get(g), ...get(g), ...mul!, ...k(omb2), ...mul!, ...add!, ...set(v),
    ...addr(MO), ...get(m), ...store,
    ...addr(VO), ...get(v), ...store,
    // p' = p + (m' / (sqrt(v')/sqrt(bc2) + eps)) · (−lr/bc1)
    ...addr(PO), ...get(p),
    ...get(m), ...get(v), ...sqrt!, ...k(bc), ...div!, ...k(eps), ...add!, ...div!, ...k(neg), ...mul!, ...add!,
    ...store,
    ...get(I), I32_CONST, ...sleb(vector ? 16 : 4), I32_ADD, ...set(I),
  ]
}

const loop = (end: number, vector: boolean, variant: Variant): number[] => [
  BLOCK, VOID, LOOP, VOID,
  ...get(I), ...get(end), I32_GE_U, BR_IF, 1,
  ...body(vector, variant),
  BR, 0, END, END,
]

const VARIANTS: Variant[] = ['plain', 'l2', 'decoupled']

function functionCode(variant: Variant): number[] {
  const code = [
    // locals: 3 i32, 13 v128, 4 f32
    ...vec([[...uleb(3), I32], [...uleb(13), V128], [...uleb(4), F32]]),
    ...get(N), I32_CONST, ...sleb(-4), I32_AND, I32_CONST, 2, I32_SHL, ...set(END4),
    ...get(N), I32_CONST, 2, I32_SHL, ...set(ENDALL),
    ...SCALARS.flatMap((s) => [...get(s), ...F32X4_SPLAT, ...set(SPLAT(s))]),
    I32_CONST, 0, ...set(I),
    ...loop(END4, true, variant),
    ...loop(ENDALL, false, variant),
    END,
  ]
  return [...uleb(code.length), ...code]
}

function moduleBytes(): Uint8Array {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([...Array(8).fill([I32]), ...Array(SCALARS.length).fill([F32])]), 0]])),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, 0x01]])), // memory, min 1 page, no max
    ...section(3, vec(VARIANTS.map(() => [0]))),
    ...section(7, vec(VARIANTS.map((name, i) => [...str(name), 0x00, i]))),
    ...section(10, vec(VARIANTS.map(functionCode))),
  ]
  return new Uint8Array(bytes)
}

/** The WebAssembly API (this project's TypeScript lib settings do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer
}
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => WasmMemory
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
}
export const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly

export type SimdAdam = (p: number, g: number, m: number, v: number, pOut: number, mOut: number, vOut: number, n: number,
  b1: number, omb1: number, b2: number, omb2: number, eps: number, bc2Sqrt: number, negStep: number, wd: number, decay: number) => void

export type SimdAdamVariants = Record<Variant, SimdAdam>
const instances = new WeakMap<WasmMemory, SimdAdamVariants | null>()

/** The loops bound to `memory` (byte addresses into it), or null where wasm SIMD is unavailable. */
export function simdAdamFor(memory: WasmMemory): SimdAdamVariants | null {
  if (instances.has(memory)) return instances.get(memory)!
  let fns: SimdAdamVariants | null = null
  try {
    const bytes = moduleBytes()
    if (webAssembly.validate(bytes)) fns = new webAssembly.Instance(new webAssembly.Module(bytes), { env: { memory } }).exports as unknown as SimdAdamVariants
  } catch {
    fns = null // no SIMD support: the caller keeps its other paths
  }
  instances.set(memory, fns)
  return fns
}
