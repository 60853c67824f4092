#!/usr/bin/env node
// Probe for issue #8: does splitting one dense layer's matrix product across two cores pay on the
// wasm backend? The main thread multiplies the top half of A's rows while a worker_thread with its
// own tfjs wasm instance multiplies the bottom half (inputs passed through a SharedArrayBuffer,
// hand-off with Atomics). Prints whether the result is bit-identical and the median ms per product.
// Run: node scripts/probes/two-core-matmul.mjs [M K N]   (default 128 784 256, the MLP's first layer)
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'

await tf.setBackend('wasm')
await tf.ready()

function views(sab, M, K, N) {
  const f = (off, n) => new Float32Array(sab, 64 + 4 * off, n)
  return { ctl: new Int32Array(sab, 0, 16), A: f(0, M * K), B: f(M * K, K * N), C: f(M * K + K * N, M * N) }
}

if (!isMainThread) {
  const { sab, M, K, N } = workerData
  const { ctl, A, B, C } = views(sab, M, K, N)
  const half = M / 2
  parentPort.postMessage('ready')
  for (;;) {
    Atomics.wait(ctl, 0, 0)
    if (Atomics.load(ctl, 0) === 2) break
    Atomics.store(ctl, 0, 0)
    const c = tf.tidy(() => tf.matMul(tf.tensor2d(A.subarray(0, half * K), [half, K]), tf.tensor2d(B, [K, N])))
    C.set(c.dataSync())
    c.dispose()
    Atomics.store(ctl, 1, 1)
    Atomics.notify(ctl, 1)
  }
} else {
  const [M, K, N] = process.argv.length >= 5 ? process.argv.slice(2, 5).map(Number) : [128, 784, 256]
  const half = M / 2
  const sab = new SharedArrayBuffer(64 + 4 * (M * K + K * N + M * N))
  const { ctl, A, B, C } = views(sab, M, K, N)
  const worker = new Worker(new URL(import.meta.url), { workerData: { sab, M, K, N } })
  await new Promise((r) => worker.once('message', r))
  const a = tf.randomNormal([M, K])
  const b = tf.randomNormal([K, N])
  const ad = a.dataSync()
  const bd = b.dataSync()
  const top = a.slice([0, 0], [half, K])
  const single = () => {
    const c = tf.matMul(a, b)
    const d = c.dataSync()
    c.dispose()
    return d
  }
  const split = () => {
    A.set(ad.subarray(half * K))
    B.set(bd)
    Atomics.store(ctl, 0, 1)
    Atomics.notify(ctl, 0)
    const c = tf.matMul(top, b)
    const mine = c.dataSync()
    c.dispose()
    while (Atomics.load(ctl, 1) !== 1) Atomics.wait(ctl, 1, 0, 5)
    Atomics.store(ctl, 1, 0)
    const out = new Float32Array(M * N)
    out.set(mine)
    out.set(C.subarray(0, half * N), half * N)
    return out
  }
  const ref = single()
  const got = split()
  console.log(`${M}×${K} · ${K}×${N}: split result bit-identical: ${ref.every((v, i) => Object.is(v, got[i]))}`)
  for (const [name, f] of [
    ['one core', single],
    ['two cores (split rows)', split],
  ]) {
    for (let i = 0; i < 20; i++) f()
    const reps = []
    for (let r = 0; r < 9; r++) {
      const t0 = performance.now()
      for (let i = 0; i < 50; i++) f()
      reps.push((performance.now() - t0) / 50)
    }
    reps.sort((x, y) => x - y)
    const ms = reps[4]
    console.log(`${name.padEnd(24)} ${ms.toFixed(3)} ms  (${((2 * M * K * N) / ms / 1e6).toFixed(1)} GFLOP/s)`)
  }
  Atomics.store(ctl, 0, 2)
  Atomics.notify(ctl, 0)
  await worker.terminate()
}
