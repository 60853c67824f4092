/**
 * A float32 matrix product C = A·B for the wasm backend, as our own 128-bit SIMD WebAssembly
 * kernel working on the backend's heap. Either operand may be stored transposed: A is read
 * through (row, k) strides and B is packed into 8-column panels, so backprop's transposed
 * products cost no separate transpose.
 *
 * Why not the stock kernel: tfjs-wasm's XNNPACK path creates an operator and packs B on every
 * call (our weights get a new tensor every step), and is slow with transposed operands. Its
 * rate here ranged from 31 GFLOP/s (128×784·784×256) down to 9–14 GFLOP/s for the backward
 * products with K = 128.
 *
 * Layout: the classic register-blocked GEMM. B is packed panel by panel ([⌈N/8⌉][K][8], the
 * last panel zero-padded); a microkernel keeps a 4×8 block of C in eight v128 registers and
 * walks K, splatting one A element per row and loading one 8-wide row of the packed panel.
 * Column panels are the outer loop so a panel (K·32 bytes, 25 KB for K = 784) stays in L1
 * while A streams from L2.
 *
 * Each C element is summed as the stock kernel sums it: acc + a·b with f32x4 mul then add, k
 * ascending, from zero, in one pass where tfjs uses XNNPACK (plain, unbatched products) and in
 * chunks of 48 added together where it uses its own loop (see STOCK_K_BLOCK), so products
 * equal the stock ones bit for bit. (Relaxed SIMD's
 * fused multiply-add was 11% faster on these products but needs a flag in Node 20 and changes the
 * rounding; not used.)
 */
import {
  I32,
  V128,
  F32,
  I32_ADD,
  I32_SUB,
  I32_MUL,
  I32_AND,
  I32_EQ,
  I32_EQZ,
  I32_LT_U,
  I32_GT_U,
  I32_SHL,
  BLOCK,
  LOOP,
  IF,
  ELSE,
  BR,
  BR_IF,
  END,
  VOID,
  CALL,
  SELECT,
  F32_LOAD,
  F32_STORE,
  F32_CONST,
  V128_LOAD,
  V128_LOAD32_SPLAT,
  V128_STORE,
  F32X4_ADD,
  F32X4_MUL,
  F32X4_EXTRACT_LANE,
  F32X4_SPLAT,
  F32_ADD,
  get,
  set,
  i32,
  memarg,
  uleb,
  countDown,
  moduleWithImportedMemory,
  instantiateOn,
  type FunctionDef,
  type WasmMemory,
} from './wasm-asm'

/**
 * Rows and columns of C one microkernel call computes. 4×8 keeps 8 accumulators, 2 B vectors
 * and an A splat in registers; V8 leaves 15 xmm registers to wasm code, and at 6×8 (XNNPACK's
 * choice) its allocator spilled five accumulators to the stack every iteration: 22–26 GFLOP/s
 * against 41–44 at 4×8 here (scripts/probes/gemm-shapes.ts).
 */
export const MR = 4
export const NR = 8

/**
 * How stock tfjs-wasm sums a product it does not hand to XNNPACK (any transposed operand, or a
 * batch of more than one): its slow_batch_matmul walks k in blocks of 48, sums each block from
 * zero and adds it to the output. Summing in the same chunks keeps our products equal to the
 * stock kernel's bit for bit (checked against it in the tests).
 */
export const STOCK_K_BLOCK = 48

/** The k-chunk that reproduces the stock kernel's sums for this product (see STOCK_K_BLOCK). */
export function stockChunk(K: number, transposed: boolean, batchA: number, batchB: number): number {
  return !transposed && batchA === 1 && batchB === 1 ? K : STOCK_K_BLOCK
}

export interface GemmKernels {
  /** Pack B (element (k, n) at src + k·sk + n·sn, byte strides) into [⌈N/8⌉][K][8] floats at dst. */
  pack_b(src: number, sk: number, sn: number, K: number, N: number, dst: number): void
  /**
   * C (row stride ldc bytes) = A (element (i, k) at a + i·sai + k·sak) · packed B, K ≥ 1, each
   * element summed over k in chunks of `chunk` (K for one plain pass; see STOCK_K_BLOCK).
   */
  gemm(a: number, sai: number, sak: number, bPacked: number, K: number, N: number, M: number, c: number, ldc: number, chunk: number): void
}

const add = (l: number, by: number[]): number[] => [...get(l), ...by, I32_ADD, ...set(l)]

/**
 * The microkernel for `mr` rows: params a, sai, sak, b, K, c, ldc, nc (columns to store, 1..8),
 * chunk. K is walked in chunks of `chunk` steps, each summed from zero in registers; the first
 * chunk is stored, each later one added to what is stored (chunk = K: one plain pass).
 */
function microkernel(mr: number): FunctionDef {
  const [A, SAI, SAK, B, , C, LDC, NC, CHUNK] = [0, 1, 2, 3, 4, 5, 6, 7, 8]
  const K = 4
  const row = (r: number): number => 9 + r // i32 row pointers into A
  const [KLEFT, KC, FIRST, CP] = [9 + mr, 10 + mr, 11 + mr, 12 + mr]
  const acc = (r: number, half: number): number => 13 + mr + 2 * r + half // v128 accumulators
  const [BV0, BV1, AV] = [13 + 3 * mr, 14 + 3 * mr, 15 + 3 * mr]
  const mulAdd = (r: number, half: number): number[] => [...get(acc(r, half)), ...get(AV), ...get(half ? BV1 : BV0), ...F32X4_MUL, ...F32X4_ADD, ...set(acc(r, half))]
  const zero = [F32_CONST, 0, 0, 0, 0, ...F32X4_SPLAT]
  const body: number[] = [...get(A), ...set(row(0))]
  for (let r = 1; r < mr; r++) body.push(...get(row(r - 1)), ...get(SAI), I32_ADD, ...set(row(r)))
  body.push(...get(K), ...set(KLEFT), ...i32(1), ...set(FIRST))
  body.push(BLOCK, VOID, LOOP, VOID, ...get(KLEFT), I32_EQZ, BR_IF, 1)
  body.push(...get(KLEFT), ...get(CHUNK), ...get(KLEFT), ...get(CHUNK), I32_LT_U, SELECT, ...set(KC))
  body.push(...get(KLEFT), ...get(KC), I32_SUB, ...set(KLEFT))
  for (let r = 0; r < mr; r++) body.push(...zero, ...set(acc(r, 0)), ...zero, ...set(acc(r, 1)))
  body.push(LOOP, VOID, ...get(B), ...V128_LOAD, ...memarg(4, 0), ...set(BV0), ...get(B), ...V128_LOAD, ...memarg(4, 16), ...set(BV1))
  for (let r = 0; r < mr; r++) {
    body.push(...get(row(r)), ...V128_LOAD32_SPLAT, ...memarg(2, 0), ...set(AV), ...mulAdd(r, 0), ...mulAdd(r, 1))
    body.push(...add(row(r), get(SAK)))
  }
  body.push(...add(B, i32(32)), ...countDown(KC, 0), END)
  // Store (first chunk) or add to what is stored: two v128 per row for a full panel, else only the first nc lanes.
  const vector = (r: number, half: number, accumulate: boolean): number[] =>
    accumulate
      ? [...get(CP), ...get(CP), ...V128_LOAD, ...memarg(4, 16 * half), ...get(acc(r, half)), ...F32X4_ADD, ...V128_STORE, ...memarg(4, 16 * half)]
      : [...get(CP), ...get(acc(r, half)), ...V128_STORE, ...memarg(4, 16 * half)]
  const lane = (r: number, l: number, accumulate: boolean): number[] => [
    ...get(NC),
    ...i32(l),
    I32_GT_U,
    IF,
    VOID,
    ...get(CP),
    ...(accumulate ? [...get(CP), F32_LOAD, ...memarg(2, 4 * l)] : []),
    ...get(acc(r, l >> 2)),
    ...F32X4_EXTRACT_LANE,
    l & 3,
    ...(accumulate ? [F32_ADD] : []),
    F32_STORE,
    ...memarg(2, 4 * l),
    END,
  ]
  const store = (accumulate: boolean): number[] => {
    const out: number[] = [...get(C), ...set(CP), ...get(NC), ...i32(NR), I32_EQ, IF, VOID]
    for (let r = 0; r < mr; r++) {
      out.push(...vector(r, 0, accumulate), ...vector(r, 1, accumulate))
      if (r < mr - 1) out.push(...add(CP, get(LDC)))
    }
    out.push(ELSE, ...get(C), ...set(CP))
    for (let r = 0; r < mr; r++) {
      for (let l = 0; l < NR; l++) out.push(...lane(r, l, accumulate))
      if (r < mr - 1) out.push(...add(CP, get(LDC)))
    }
    out.push(END)
    return out
  }
  body.push(...get(FIRST), IF, VOID, ...store(false), ELSE, ...store(true), END, ...i32(0), ...set(FIRST))
  body.push(BR, 0, END, END)
  return {
    type: 0,
    locals: [
      [mr + 4, I32],
      [2 * mr + 3, V128],
    ],
    body,
  }
}

/** gemm(a, sai, sak, bPacked, K, N, M, c, ldc, chunk): column panels outside, row blocks inside. */
function driver(): FunctionDef {
  const [A, SAI, SAK, BP, K, N, M, C, LDC, CHUNK] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  const [I, AROW, CROW, NCOLS, PANEL, SAI_MR, LDC_MR, CCOL] = [10, 11, 12, 13, 14, 15, 16, 17]
  const call = (mr: number): number[] => [...get(AROW), ...get(SAI), ...get(SAK), ...get(BP), ...get(K), ...get(CROW), ...get(LDC), ...get(NCOLS), ...get(CHUNK), CALL, ...uleb(mr - 1)]
  const body = [
    ...get(K),
    ...i32(5),
    I32_SHL,
    ...set(PANEL),
    ...get(SAI),
    ...i32(MR),
    I32_MUL,
    ...set(SAI_MR),
    ...get(LDC),
    ...i32(MR),
    I32_MUL,
    ...set(LDC_MR),
    ...get(C),
    ...set(CCOL),
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...get(N),
    I32_EQZ,
    BR_IF,
    1,
    ...get(N),
    ...i32(NR),
    ...get(N),
    ...i32(NR),
    I32_LT_U,
    SELECT,
    ...set(NCOLS),
    ...get(A),
    ...set(AROW),
    ...get(CCOL),
    ...set(CROW),
    ...get(M),
    ...set(I),
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...get(I),
    ...i32(MR),
    I32_LT_U,
    BR_IF,
    1,
    ...call(MR),
    ...add(AROW, get(SAI_MR)),
    ...add(CROW, get(LDC_MR)),
    ...get(I),
    ...i32(MR),
    I32_SUB,
    ...set(I),
    BR,
    0,
    END,
    END,
  ]
  for (let mr = 1; mr < MR; mr++) body.push(...get(I), ...i32(mr), I32_EQ, IF, VOID, ...call(mr), END)
  body.push(...add(BP, get(PANEL)), ...add(CCOL, i32(4 * NR)), ...get(N), ...get(NCOLS), I32_SUB, ...set(N), BR, 0, END, END)
  return { type: 1, locals: [[8, I32]], body, export: 'gemm' }
}

/** pack_b(src, sk, sn, K, N, dst): vector copies for full panels of row-major B, else lane by lane with zero padding. */
function packB(): FunctionDef {
  const [SRC, SK, SN, K, N, DST] = [0, 1, 2, 3, 4, 5]
  const [KL, P, NCOLS, Q, COL] = [6, 7, 8, 9, 10]
  const lane = (l: number): number[] => [
    ...get(DST),
    ...get(NCOLS),
    ...i32(l),
    I32_GT_U,
    IF,
    F32,
    ...get(Q),
    F32_LOAD,
    ...memarg(2, 0),
    ELSE,
    F32_CONST,
    0,
    0,
    0,
    0,
    END,
    F32_STORE,
    ...memarg(2, 4 * l),
    ...add(Q, get(SN)),
  ]
  const body = [
    ...get(SRC),
    ...set(COL),
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...get(N),
    I32_EQZ,
    BR_IF,
    1,
    ...get(N),
    ...i32(NR),
    ...get(N),
    ...i32(NR),
    I32_LT_U,
    SELECT,
    ...set(NCOLS),
    ...get(COL),
    ...set(P),
    ...get(K),
    ...set(KL),
    ...get(NCOLS),
    ...i32(NR),
    I32_EQ,
    ...get(SN),
    ...i32(4),
    I32_EQ,
    I32_AND,
    IF,
    VOID,
    LOOP,
    VOID,
    ...get(DST),
    ...get(P),
    ...V128_LOAD,
    ...memarg(2, 0),
    ...V128_STORE,
    ...memarg(4, 0),
    ...get(DST),
    ...get(P),
    ...V128_LOAD,
    ...memarg(2, 16),
    ...V128_STORE,
    ...memarg(4, 16),
    ...add(DST, i32(4 * NR)),
    ...add(P, get(SK)),
    ...countDown(KL, 0),
    END,
    ELSE,
    LOOP,
    VOID,
    ...get(P),
    ...set(Q),
    ...Array.from({ length: NR }, (_, l) => lane(l)).flat(),
    ...add(DST, i32(4 * NR)),
    ...add(P, get(SK)),
    ...countDown(KL, 0),
    END,
    END,
    ...get(COL),
    ...get(SN),
    ...i32(3),
    I32_SHL,
    I32_ADD,
    ...set(COL),
    ...get(N),
    ...get(NCOLS),
    I32_SUB,
    ...set(N),
    BR,
    0,
    END,
    END,
  ]
  return { type: 2, locals: [[5, I32]], body, export: 'pack_b' }
}

export function gemmModuleBytes(): Uint8Array {
  const kernels = Array.from({ length: MR }, (_, i) => microkernel(i + 1))
  return moduleWithImportedMemory([Array(9).fill(I32), Array(10).fill(I32), Array(6).fill(I32)], [...kernels, driver(), packB()])
}

const instances = new WeakMap<WasmMemory, GemmKernels | null>()

/** The kernels bound to `memory` (byte addresses into it), or null where wasm SIMD is unavailable. */
export function gemmFor(memory: WasmMemory): GemmKernels | null {
  if (!instances.has(memory)) instances.set(memory, instantiateOn<GemmKernels>(gemmModuleBytes(), memory))
  return instances.get(memory)!
}

/** Bytes of scratch the packed B of a K×N product needs. */
export const packedBytes = (K: number, N: number): number => Math.ceil(N / NR) * NR * K * 4
