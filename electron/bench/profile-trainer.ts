/**
 * Where LR Lab's trainer spends a step: `npx tsx electron/bench/profile-trainer.ts [mlp|digits|article|PRESET] [--runs N] [--kernels]`
 * (PRESET: any name `lrlab presets` lists).
 * Runs the real train() on the bench's workloads (Adam) and prints the loop's ms/step (min and
 * median of N runs, training loop only: summary.durationSec), kernel calls per step and, with
 * --kernels, each kernel's calls per step and share of kernel time. LRLAB_BACKEND picks the
 * backend (default wasm); LRLAB_WASM_TUNING=0 runs it untuned.
 */
import * as tf from '@tensorflow/tfjs'
import { parseRunConfig, type RunConfigInput } from '../../shared/config'
import { findPreset, PRESETS } from '../../shared/presets'
import { describeBackend, selectBackend } from '../trainer/backend'
import { train } from '../trainer/train'

const WORKLOADS: Record<string, RunConfigInput> = {
  mlp: {
    data: { kind: 'synthetic-classification', n: 128 * 16, features: 784, classes: 10 },
    model: { kind: 'mlp', hidden: [256, 256] },
    loss: 'crossEntropy',
    optimizer: { type: 'adam', lr: 0.001 },
    epochs: 2,
    batchSize: 128,
    validationSplit: 0,
  },
  digits: {
    data: { kind: 'digits' },
    model: { kind: 'mlp', hidden: [64] },
    loss: 'crossEntropy',
    optimizer: { type: 'adam', lr: 0.001 },
    epochs: 2,
    batchSize: 32,
    validationSplit: 0.2,
  },
  article: { data: { kind: 'linreg', n: 100 }, optimizer: { type: 'adam', lr: 0.01 }, epochs: 100, batchSize: 'full', validationSplit: 0.2 },
}

const args = process.argv.slice(2)
const name = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'mlp'
const runsAt = args.indexOf('--runs')
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 9
const perKernel = args.includes('--kernels') || args.includes('--shapes')
/** --shapes: one line per kernel and input shapes (and axis), to see which call is the slow one. */
const byShape = args.includes('--shapes')
const workload = WORKLOADS[name] ?? findPreset(name)?.config
if (!workload) throw new Error(`workload must be one of ${Object.keys(WORKLOADS).join(', ')} or a preset (${PRESETS.map((p) => p.name).join(', ')})`)

const backend = await selectBackend((process.env.LRLAB_BACKEND as 'wasm' | undefined) ?? 'wasm')
const run = async (): Promise<{ ms: number; steps: number }> => {
  const r = await train(parseRunConfig(workload), { metrics: () => {}, progress: () => {}, event: () => {} }, { stopRequested: () => false, waitIfPaused: async () => {} })
  return { ms: r.summary.durationSec * 1000, steps: r.summary.steps }
}
await run() // warm-up: JIT, kernel setup, heap growth

// Count (and time) every kernel the backend runs, custom ones included, by wrapping them.
const kernels = new Map<string, { calls: number; ms: number }>()
const shapes = new Map<string, { calls: number; ms: number }>()
for (const k of tf.getKernelsForBackend(tf.getBackend())) {
  const inner = k.kernelFunc
  const entry = { calls: 0, ms: 0 }
  kernels.set(k.kernelName, entry)
  tf.unregisterKernel(k.kernelName, k.backendName)
  tf.registerKernel({
    ...k,
    kernelFunc: (a) => {
      entry.calls++
      if (!perKernel) return inner(a)
      const t0 = performance.now()
      const out = inner(a)
      const ms = performance.now() - t0
      entry.ms += ms
      if (byShape) {
        const key = `${k.kernelName} ${Object.values(a.inputs)
          .map((t) => `[${t?.shape}]`)
          .join('·')}${(a.attrs as { axis?: unknown })?.axis !== undefined ? ` axis ${String((a.attrs as { axis?: unknown }).axis)}` : ''}`
        const e = shapes.get(key) ?? { calls: 0, ms: 0 }
        e.calls++
        e.ms += ms
        shapes.set(key, e)
      }
      return out
    },
  })
}
const counted = await run()
const totalCalls = [...kernels.values()].reduce((n, e) => n + e.calls, 0)
const times: number[] = []
if (!perKernel) for (let i = 0; i < runs; i++) times.push((await run()).ms / counted.steps)
times.sort((a, b) => a - b)

console.log(`${name} · ${describeBackend(backend)} · ${counted.steps} steps per run`)
console.log(`kernel calls per step: ${(totalCalls / counted.steps).toFixed(1)}`)
if (times.length) console.log(`loop ms/step over ${runs} runs: min ${times[0]!.toFixed(3)}, median ${times[times.length >> 1]!.toFixed(3)} (all: ${times.map((t) => t.toFixed(2)).join(' ')})`)
if (perKernel) {
  const total = [...kernels.values()].reduce((n, e) => n + e.ms, 0)
  console.log(`kernel time ${(total / counted.steps).toFixed(3)} ms/step of ${(counted.ms / counted.steps).toFixed(3)} ms/step in the loop (timing each kernel adds overhead)`)
  for (const [k, e] of [...kernels].filter(([, e]) => e.calls > 0).sort((a, b) => b[1].ms - a[1].ms))
    console.log(
      `  ${k.padEnd(22)} ${(e.calls / counted.steps).toFixed(1).padStart(6)} calls/step ${(e.ms / counted.steps).toFixed(3).padStart(8)} ms/step ${((e.ms / total) * 100).toFixed(1).padStart(5)}%`,
    )
}
if (byShape) {
  console.log('by input shapes (top 25):')
  for (const [k, e] of [...shapes].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
    console.log(`  ${k.padEnd(52)} ${(e.calls / counted.steps).toFixed(2).padStart(6)} calls/step ${(e.ms / counted.steps).toFixed(3).padStart(8)} ms/step`)
}
