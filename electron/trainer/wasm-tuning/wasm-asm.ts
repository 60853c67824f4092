/**
 * A few helpers to assemble small WebAssembly modules in code: the opcodes our kernels use and
 * the binary encoding (LEB128 integers, sections, vectors). Our kernels are generated (unrolled
 * per row count, per variant), so emitting bytes directly is simpler than generating text and
 * shipping an assembler.
 */

export const I32 = 0x7f,
  F32 = 0x7d,
  V128 = 0x7b
export const LOCAL_GET = 0x20,
  LOCAL_SET = 0x21,
  LOCAL_TEE = 0x22
export const I32_CONST = 0x41,
  I32_EQZ = 0x45,
  I32_EQ = 0x46,
  I32_NE = 0x47
export const I32_LT_U = 0x49,
  I32_GT_U = 0x4b,
  I32_LE_U = 0x4d,
  I32_GE_U = 0x4f
export const I32_ADD = 0x6a,
  I32_SUB = 0x6b,
  I32_MUL = 0x6c,
  I32_AND = 0x71,
  I32_SHL = 0x74
export const BLOCK = 0x02,
  LOOP = 0x03,
  IF = 0x04,
  ELSE = 0x05,
  BR = 0x0c,
  BR_IF = 0x0d,
  END = 0x0b,
  VOID = 0x40,
  CALL = 0x10,
  SELECT = 0x1b
export const F32_LOAD = 0x2a,
  F32_STORE = 0x38,
  F32_CONST = 0x43,
  F32_SQRT = 0x91,
  F32_ADD = 0x92,
  F32_MUL = 0x94,
  F32_DIV = 0x95

/** A SIMD instruction: the 0xfd prefix and its LEB128 opcode. */
export const simd = (op: number): number[] => [0xfd, ...uleb(op)]
export const V128_LOAD = simd(0x00),
  V128_LOAD32_SPLAT = simd(0x09),
  V128_STORE = simd(0x0b)
export const F32X4_SPLAT = simd(0x13),
  F32X4_EXTRACT_LANE = simd(0x1f)
export const F32X4_SQRT = simd(0xe3),
  F32X4_ADD = simd(0xe4),
  F32X4_MUL = simd(0xe6),
  F32X4_DIV = simd(0xe7)

export function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}

export function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b]
    out.push(b | 0x80)
  }
}

export const str = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')]
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()]

export const get = (l: number): number[] => [LOCAL_GET, ...uleb(l)]
export const set = (l: number): number[] => [LOCAL_SET, ...uleb(l)]
export const i32 = (n: number): number[] => [I32_CONST, ...sleb(n)]
/** `l -= 1; br_if depth (l != 0)`: the bottom of a do-while loop. */
export const countDown = (l: number, depth: number): number[] => [...get(l), ...i32(1), I32_SUB, LOCAL_TEE, ...uleb(l), BR_IF, depth]
/** A memory access's immediate: alignment hint (log2 bytes) and constant byte offset. */
export const memarg = (align: number, offset = 0): number[] => [align, ...uleb(offset)]

/** One function: its type index, its locals as [count, type] runs, and its body (without the final END). */
export interface FunctionDef {
  type: number
  locals: [number, number][]
  body: number[]
  /** Exported under this name when set. */
  export?: string
}

/**
 * A module that imports its memory as env.memory (so its functions work on another module's
 * heap) and defines `types` (params → no results) and `functions`.
 */
export function moduleWithImportedMemory(types: number[][], functions: FunctionDef[]): Uint8Array {
  const code = (f: FunctionDef): number[] => {
    const b = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.body, END]
    return [...uleb(b.length), ...b]
  }
  const exported = functions.map((f, i) => [f, i] as const).filter(([f]) => f.export !== undefined)
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types.map((params) => [0x60, ...vec(params.map((t) => [t])), 0]))),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, 0x01]])), // memory, min 1 page, no max
    ...section(3, vec(functions.map((f) => uleb(f.type)))),
    ...section(7, vec(exported.map(([f, i]) => [...str(f.export!), 0x00, ...uleb(i)]))),
    ...section(10, vec(functions.map(code))),
  ])
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

/** Instantiate `bytes` on `memory`, or null where this engine rejects the module (no SIMD). */
export function instantiateOn<T>(bytes: Uint8Array, memory: WasmMemory): T | null {
  try {
    if (!webAssembly.validate(bytes)) return null
    return new webAssembly.Instance(new webAssembly.Module(bytes), { env: { memory } }).exports as unknown as T
  } catch {
    return null
  }
}
