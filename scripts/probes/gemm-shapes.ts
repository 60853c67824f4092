// Probe for issue #8: our SIMD GEMM (electron/trainer/wasm-tuning/gemm.ts) against tfjs-wasm's
// matMul at the MLP step's shapes. Prints max abs difference (0: the stock kernel's values bit for bit) and median ms for each.
// Run: npx tsx scripts/probes/gemm-shapes.ts [--tuned]   (--tuned: "stock" is tfjs with our other overrides, i.e. transpose first)
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import { gemmFor, packedBytes, stockChunk } from '../../electron/trainer/wasm-tuning/gemm'
import { applyWasmTuning } from '../../electron/trainer/wasm-tuning'

await tf.setBackend('wasm')
await tf.ready()
if (process.argv.includes('--tuned')) applyWasmTuning()
type Be = { dataIdMap: { get(id: object): { memoryOffset: number } }; wasm: { asm: { memory: { buffer: ArrayBuffer } } } }
const be = tf.backend() as unknown as Be
const gemm = gemmFor(be.wasm.asm.memory)!
const off = (t: tf.Tensor): number => be.dataIdMap.get(t.dataId).memoryOffset

const shapes: [number, number, number, boolean, boolean, string][] = [
  [128, 784, 256, false, false, 'fwd1'],
  [128, 256, 256, false, false, 'fwd2'],
  [128, 256, 10, false, false, 'fwd3'],
  [784, 128, 256, true, false, 'dW1 = X^T dZ1'],
  [256, 128, 256, true, false, 'dW2'],
  [256, 128, 10, true, false, 'dW3'],
  [128, 256, 256, false, true, 'dX2 = dZ2 W2^T'],
  [128, 10, 256, false, true, 'dX3'],
]
const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!
let totalStock = 0,
  totalOurs = 0
for (const [M, K, N, ta, tb, name] of shapes) {
  const a = tf.randomNormal(ta ? [K, M] : [M, K])
  const b = tf.randomNormal(tb ? [N, K] : [K, N])
  const ref = tf.matMul(a, b, ta, tb)
  const c = tf.zeros([M, N])
  const pack = tf.zeros([packedBytes(K, N) / 4])
  const run = (): void => {
    const k = gemm
    k.pack_b(off(b), tb ? 4 : N * 4, tb ? K * 4 : 4, K, N, off(pack))
    // Summed in the stock kernel's chunks (one pass for plain products, blocks of 48 for transposed ones).
    k.gemm(off(a), ta ? 4 : K * 4, ta ? M * 4 : 4, off(pack), K, N, M, off(c), N * 4, stockChunk(K, ta || tb, 1, 1))
  }
  run()
  const diff = tf.max(tf.abs(tf.sub(ref, c))).dataSync()[0]!
  const scale = tf.max(tf.abs(ref)).dataSync()[0]!
  const reps = 30
  const tStock: number[] = [],
    tOurs: number[] = []
  for (let r = 0; r < reps; r++) {
    let t = performance.now()
    const y = tf.matMul(a, b, ta, tb)
    y.dataSync()
    y.dispose()
    tStock.push(performance.now() - t)
    t = performance.now()
    run()
    tOurs.push(performance.now() - t)
  }
  const s = median(tStock),
    o = median(tOurs)
  totalStock += s
  totalOurs += o
  const gf = (ms: number): string => ((2 * M * K * N) / ms / 1e6).toFixed(1)
  console.log(
    `${name.padEnd(16)} ${M}x${K}x${N} ta=${+ta} tb=${+tb}  maxdiff ${diff.toExponential(2)} (of ${scale.toFixed(1)})  stock ${s.toFixed(3)} ms (${gf(s)} GF/s)  ours ${o.toFixed(3)} ms (${gf(o)} GF/s)`,
  )
  tf.dispose([a, b, ref, c, pack])
}
console.log(`total stock ${totalStock.toFixed(2)} ms  ours ${totalOurs.toFixed(2)} ms`)
