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
 * Each C element is summed as XNNPACK's kernel sums it (acc + a·b with f32x4 mul then add, k
 * ascending, from zero), so products equal the stock plain product bit for bit. (Relaxed SIMD's
 * fused multiply-add was 11% faster on these products but needs a flag in Node 20 and changes the
 * rounding; not used.)
 */
import {
  I32, V128, F32, I32_ADD, I32_SUB, I32_MUL, I32_AND, I32_EQ, I32_EQZ, I32_LT_U, I32_GT_U, I32_SHL,
  BLOCK, LOOP, IF, ELSE, BR, BR_IF, END, VOID, CALL, SELECT, LOCAL_TEE, F32_LOAD, F32_STORE, F32_CONST,
  V128_LOAD, V128_LOAD32_SPLAT, V128_STORE, F32X4_ADD, F32X4_MUL, F32X4_EXTRACT_LANE,
  get, set, i32, memarg, uleb, countDown, moduleWithImportedMemory, instantiateOn, type FunctionDef, type WasmMemory,
} from './wasm-asm'

/**
 * Rows and columns of C one microkernel call computes. 4×8 keeps 8 accumulators, 2 B vectors
 * and an A splat in registers; V8 leaves 15 xmm registers to wasm code, and at 6×8 (XNNPACK's
 * choice) its allocator spilled five accumulators to the stack every iteration: 22–26 GFLOP/s
 * against 41–44 at 4×8 here (scripts/probes/gemm-shapes.ts).
 */
export const MR = 4
export const NR = 8

export interface GemmKernels {
  /** Pack B (element (k, n) at src + k·sk + n·sn, byte strides) into [⌈N/8⌉][K][8] floats at dst. */
  pack_b(src: number, sk: number, sn: number, K: number, N: number, dst: number): void
  /** C (row stride ldc bytes) = A (element (i, k) at a + i·sai + k·sak) · packed B. K ≥ 1. */
  gemm(a: number, sai: number, sak: number, bPacked: number, K: number, N: number, M: number, c: number, ldc: number): void
}

const add = (l: number, by: number[]): number[] => [...get(l), ...by, I32_ADD, ...set(l)]

/** The microkernel for `mr` rows: params a, sai, sak, b, K, c, ldc, nc (columns to store, 1..8). */
function microkernel(mr: number): FunctionDef {
  const [A, SAI, SAK, B, K, C, LDC, NC] = [0, 1, 2, 3, 4, 5, 6, 7]
  const row = (r: number): number => 8 + r // i32 row pointers into A
  const acc = (r: number, half: number): number => 8 + mr + 2 * r + half // v128 accumulators, zero-initialised
  const [BV0, BV1, AV] = [8 + 3 * mr, 9 + 3 * mr, 10 + 3 * mr]
  const mulAdd = (r: number, half: number): number[] =>
    [...get(acc(r, half)), ...get(AV), ...get(half ? BV1 : BV0), ...F32X4_MUL, ...F32X4_ADD, ...set(acc(r, half))]
  const body: number[] = [...get(A), ...set(row(0))]
  for (let r = 1; r < mr; r++) body.push(...get(row(r - 1)), ...get(SAI), I32_ADD, ...set(row(r)))
  body.push(LOOP, VOID, ...get(B), ...V128_LOAD, ...memarg(4, 0), ...set(BV0), ...get(B), ...V128_LOAD, ...memarg(4, 16), ...set(BV1))
  for (let r = 0; r < mr; r++) {
    body.push(...get(row(r)), ...V128_LOAD32_SPLAT, ...memarg(2, 0), ...set(AV), ...mulAdd(r, 0), ...mulAdd(r, 1))
    body.push(...add(row(r), get(SAK)))
  }
  body.push(...add(B, i32(32)), ...countDown(K, 0), END)
  // Store: two v128 per row for a full panel, else only the first nc lanes.
  body.push(...get(NC), ...i32(NR), I32_EQ, IF, VOID)
  for (let r = 0; r < mr; r++) {
    body.push(...get(C), ...get(acc(r, 0)), ...V128_STORE, ...memarg(4, 0), ...get(C), ...get(acc(r, 1)), ...V128_STORE, ...memarg(4, 16))
    if (r < mr - 1) body.push(...add(C, get(LDC)))
  }
  body.push(ELSE)
  for (let r = 0; r < mr; r++) {
    for (let lane = 0; lane < NR; lane++) {
      body.push(...get(NC), ...i32(lane), I32_GT_U, IF, VOID, ...get(C), ...get(acc(r, lane >> 2)), ...F32X4_EXTRACT_LANE, lane & 3, F32_STORE, ...memarg(2, 4 * lane), END)
    }
    if (r < mr - 1) body.push(...add(C, get(LDC)))
  }
  body.push(END)
  return { type: 0, locals: [[mr, I32], [2 * mr + 3, V128]], body }
}

/** gemm(a, sai, sak, bPacked, K, N, M, c, ldc): column panels outside, row blocks inside. */
function driver(): FunctionDef {
  const [A, SAI, SAK, BP, K, N, M, C, LDC] = [0, 1, 2, 3, 4, 5, 6, 7, 8]
  const [I, AROW, CROW, NCOLS, PANEL, SAI_MR, LDC_MR, CCOL] = [9, 10, 11, 12, 13, 14, 15, 16]
  const call = (mr: number): number[] => [
    ...get(AROW), ...get(SAI), ...get(SAK), ...get(BP), ...get(K), ...get(CROW), ...get(LDC), ...get(NCOLS), CALL, ...uleb(mr - 1),
  ]
  const body = [
    ...get(K), ...i32(5), I32_SHL, ...set(PANEL),
    ...get(SAI), ...i32(MR), I32_MUL, ...set(SAI_MR),
    ...get(LDC), ...i32(MR), I32_MUL, ...set(LDC_MR),
    ...get(C), ...set(CCOL),
    BLOCK, VOID, LOOP, VOID,
    ...get(N), I32_EQZ, BR_IF, 1,
    ...get(N), ...i32(NR), ...get(N), ...i32(NR), I32_LT_U, SELECT, ...set(NCOLS),
    ...get(A), ...set(AROW), ...get(CCOL), ...set(CROW), ...get(M), ...set(I),
    BLOCK, VOID, LOOP, VOID,
    ...get(I), ...i32(MR), I32_LT_U, BR_IF, 1,
    ...call(MR),
    ...add(AROW, get(SAI_MR)), ...add(CROW, get(LDC_MR)), ...get(I), ...i32(MR), I32_SUB, ...set(I),
    BR, 0, END, END,
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
    ...get(DST), ...get(NCOLS), ...i32(l), I32_GT_U, IF, F32, ...get(Q), F32_LOAD, ...memarg(2, 0), ELSE, F32_CONST, 0, 0, 0, 0, END,
    F32_STORE, ...memarg(2, 4 * l), ...add(Q, get(SN)),
  ]
  const body = [
    ...get(SRC), ...set(COL),
    BLOCK, VOID, LOOP, VOID,
    ...get(N), I32_EQZ, BR_IF, 1,
    ...get(N), ...i32(NR), ...get(N), ...i32(NR), I32_LT_U, SELECT, ...set(NCOLS),
    ...get(COL), ...set(P), ...get(K), ...set(KL),
    ...get(NCOLS), ...i32(NR), I32_EQ, ...get(SN), ...i32(4), I32_EQ, I32_AND, IF, VOID,
    LOOP, VOID,
    ...get(DST), ...get(P), ...V128_LOAD, ...memarg(2, 0), ...V128_STORE, ...memarg(4, 0),
    ...get(DST), ...get(P), ...V128_LOAD, ...memarg(2, 16), ...V128_STORE, ...memarg(4, 16),
    ...add(DST, i32(4 * NR)), ...add(P, get(SK)), ...countDown(KL, 0), END,
    ELSE,
    LOOP, VOID, ...get(P), ...set(Q),
    ...Array.from({ length: NR }, (_, l) => lane(l)).flat(),
    ...add(DST, i32(4 * NR)), ...add(P, get(SK)), ...countDown(KL, 0), END,
    END,
    ...get(COL), ...get(SN), ...i32(3), I32_SHL, I32_ADD, ...set(COL),
    ...get(N), ...get(NCOLS), I32_SUB, ...set(N),
    BR, 0, END, END,
  ]
  return { type: 2, locals: [[5, I32]], body, export: 'pack_b' }
}

export function gemmModuleBytes(): Uint8Array {
  const kernels = Array.from({ length: MR }, (_, i) => microkernel(i + 1))
  return moduleWithImportedMemory([Array(8).fill(I32), Array(9).fill(I32), Array(6).fill(I32)], [...kernels, driver(), packB()])
}

const instances = new WeakMap<WasmMemory, GemmKernels | null>()

/** The kernels bound to `memory` (byte addresses into it), or null where wasm SIMD is unavailable. */
export function gemmFor(memory: WasmMemory): GemmKernels | null {
  if (!instances.has(memory)) instances.set(memory, instantiateOn<GemmKernels>(gemmModuleBytes(), memory))
  return instances.get(memory)!
}

/** Bytes of scratch the packed B of a K×N product needs. */
export const packedBytes = (K: number, N: number): number => Math.ceil(N / NR) * NR * K * 4
