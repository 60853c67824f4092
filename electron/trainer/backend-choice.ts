/**
 * `backend: auto` picks, per run, the backend that trains *this* model fastest: a few real
 * training steps of the run's model (its optimizer, clipping and loss, on synthetic inputs of
 * the run's batch shape; weights thrown away) are timed on each backend that loads. tfjs-node
 * pays tens of microseconds per op crossing into TensorFlow, so small models train faster on
 * LR Lab's tuned wasm and large dense ones natively; which side a model falls on depends on the
 * machine, so it is measured, not guessed. The answer is cached per model signature in the data
 * dir, so the next run of the same shape pays nothing. The run itself builds its own model from
 * its seed afterwards: choosing never changes a run's numbers.
 */
import * as tf from '@tensorflow/tfjs'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import type { RunConfig } from '../../shared/config'
import { BACKEND_NAMES, type BackendChoice, type BackendInfo, type BackendName } from '../../shared/run'
import { writeFileAtomic } from '../storage/fs-util'
import { activateBackend, requestedBackend, selectBackend } from './backend'
import { loadDataset, splitDataset } from './data'
import { outputsFor, targetTensor } from './losses'
import { buildModel } from './model'
import { createRng, normal } from './random'
import { trainingStep } from './train'
import { batchRows } from '../../shared/run-plan'

/** The backends auto measures; cpu never beats wasm and is only the last resort (./backend.ts). */
export const MEASURED_BACKENDS: BackendName[] = ['tensorflow', 'wasm']
export const CHOICE_FILE = 'backend-choice.json'
/** Bump when the measurement changes, so older answers are measured again. */
const CHOICE_VERSION = 1
const MAX_ENTRIES = 200

/**
 * Timing per backend: warm-up steps (kernel set-up, first allocations), then alternating rounds
 * of single timed steps; the first round of each backend is warm-up too (V8 and the wasm kernels
 * are still compiling). Other processes only ever add time to a step, so the estimate is a low
 * quantile of the step times, not their mean.
 */
const WARM_UP_STEPS = 3
const ROUNDS = 3
const ROUND_MS = 20
const MIN_STEPS_PER_ROUND = 1
const MAX_STEPS_PER_ROUND = 30
const QUANTILE = 0.1
/**
 * On a loaded machine a step can take 50× its usual time; once every backend has timed steps,
 * the measurement stops at this budget whatever the rounds left (the estimate only gets noisier).
 */
const BUDGET_MS = 180
/** After the first timed round, a backend this many times faster than every other is the answer. */
const CLEAR_RATIO = 1.5

const CacheEntrySchema = z.object({
  pick: z.enum(BACKEND_NAMES),
  msPerStep: z.partialRecord(z.enum(BACKEND_NAMES), z.number()),
  measuredAt: z.string(),
  costMs: z.number(),
  /** What was measured, for a person reading the file. */
  model: z.string(),
})
const CacheSchema = z.object({ version: z.literal(CHOICE_VERSION), entries: z.record(z.string(), CacheEntrySchema) })
type Cache = z.infer<typeof CacheSchema>

/** What a run's training step works on: enough to build its model and a batch of its shape. */
export interface StepShape {
  features: number
  outputs: number
  targets: number
  classes?: number
  batch: number
}

export function stepShape(config: RunConfig): StepShape {
  const data = splitDataset(loadDataset(config.data, config.seed), config.validationSplit, config.seed)
  const d = data.train
  return { features: d.features, outputs: outputsFor(config.loss, d), targets: d.targets, classes: d.classes, batch: batchRows(config.batchSize, d.rows) }
}

/** tfjs-node's version when its package and native addon are present (not loaded: that costs ~300 MB). */
function tfjsNodeInstalled(): string | null {
  try {
    const requireModule = createRequire(import.meta.url)
    const pkgFile = requireModule.resolve('@tensorflow/tfjs-node/package.json')
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string }
    // The addon is built for one N-API version (lib/napi-v8) and loads on any Node with that or a
    // newer one: looking only under this Node's version (9 on Node 20) never found it, so every
    // run measured again and loaded tfjs-node to do so.
    const lib = join(dirname(pkgFile), 'lib')
    const napi = Number(process.versions.napi)
    const addon = readdirSync(lib).some((d) => /^napi-v\d+$/.test(d) && Number(d.slice(6)) <= napi && existsSync(join(lib, d, 'tfjs_binding.node')))
    return addon ? pkg.version : null
  } catch {
    return null
  }
}

/** What decides the answer: the step's shapes and ops, the backends' versions and the machine. */
export function modelSignature(config: RunConfig, shape: StepShape): { key: string; description: string } {
  const model = config.model.kind === 'mlp' ? { ...config.model, initFrom: undefined } : config.model
  const described = config.model.kind === 'mlp' ? `mlp ${[shape.features, ...config.model.hidden, shape.outputs].join('-')}` : `${config.model.kind} ${shape.features}→${shape.outputs}`
  const signature = {
    model,
    shape,
    loss: config.loss,
    optimizer: { ...config.optimizer, lr: undefined },
    clipping: config.clipping,
    paramGroups: config.paramGroups,
    tfjs: tf.version.tfjs,
    tfjsNode: tfjsNodeInstalled(),
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
  }
  const key = createHash('sha256').update(JSON.stringify(signature)).digest('hex').slice(0, 24)
  return { key, description: `${described}, batch ${shape.batch}, ${config.optimizer.type}, ${config.loss}` }
}

function readCache(dataDir: string): Cache {
  try {
    const parsed = CacheSchema.safeParse(JSON.parse(readFileSync(join(dataDir, CHOICE_FILE), 'utf8')))
    if (parsed.success) return parsed.data
  } catch {
    // missing or unreadable: measure again
  }
  return { version: CHOICE_VERSION, entries: {} }
}

function writeCache(dataDir: string, cache: Cache): void {
  const entries = Object.entries(cache.entries)
    .sort((a, b) => b[1].measuredAt.localeCompare(a[1].measuredAt))
    .slice(0, MAX_ENTRIES)
  mkdirSync(dataDir, { recursive: true })
  writeFileAtomic(join(dataDir, CHOICE_FILE), JSON.stringify({ version: CHOICE_VERSION, entries: Object.fromEntries(entries) }, null, 2))
}

/** A batch of the run's shape: seeded normal features, class labels cycling or normal targets. */
function syntheticBatch(config: RunConfig, shape: StepShape): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const rng = createRng(0xba7c4)
  const x = new Float32Array(shape.batch * shape.features).map(() => normal(rng))
  const y = shape.classes !== undefined ? new Float32Array(shape.batch * shape.targets).map((_, i) => i % shape.classes!) : new Float32Array(shape.batch * shape.targets).map(() => normal(rng))
  const d = { x, y, rows: shape.batch, features: shape.features, targets: shape.targets, classes: shape.classes }
  return { x: tf.tensor2d(x, [shape.batch, shape.features]), y: targetTensor(config.loss, d) }
}

/** A model, optimizer and batch of the run's shape on the active backend, stepped and timed. */
export function stepBench(config: RunConfig, shape: StepShape): { round(ms: number): number[]; dispose(): void } {
  const model = buildModel(config.model, shape.features, shape.outputs, config.seed)
  const stepper = trainingStep(config, model)
  const { x, y } = syntheticBatch(config, shape)
  const hyper = { lr: config.optimizer.lr, momentum: stepper.optimizer.baseMomentum() }
  // Read back every step's scalars, as the loop does in batches: on both backends this waits for the work.
  const step = (): void => {
    const scalars = tf.tidy(() => stepper.run(x, y, hyper).scalars)
    scalars.dataSync()
    scalars.dispose()
  }
  for (let i = 0; i < WARM_UP_STEPS; i++) step()
  return {
    /** Milliseconds of each step taken in about `ms`. */
    round(ms) {
      const times: number[] = []
      const start = performance.now()
      while (times.length < MIN_STEPS_PER_ROUND || (times.length < MAX_STEPS_PER_ROUND && performance.now() - start < ms)) {
        const t0 = performance.now()
        step()
        times.push(performance.now() - t0)
      }
      return times
    },
    dispose() {
      tf.dispose([x, y])
      stepper.optimizer.dispose()
      model.dispose()
    },
  }
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!

/** Whether one backend's steps are already CLEAR_RATIO times faster than all others'. */
function clearWinner(times: Map<BackendName, number[]>): boolean {
  const estimates = [...times.values()].map((ts) => quantile(ts, QUANTILE)).sort((a, b) => a - b)
  return estimates.length > 1 && estimates[1]! > CLEAR_RATIO * estimates[0]!
}

/** ms per step of the run's model on each backend (loaded already), rounds alternating between them. */
async function measure(config: RunConfig, shape: StepShape, backends: BackendName[]): Promise<Partial<Record<BackendName, number>>> {
  const times = new Map<BackendName, number[]>()
  const benches = new Map<BackendName, ReturnType<typeof stepBench>>()
  try {
    const start = performance.now()
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 1 && (performance.now() - start > BUDGET_MS || clearWinner(times))) break
      for (const name of backends) {
        await activateBackend(name)
        if (!benches.has(name)) benches.set(name, stepBench(config, shape))
        const stepTimes = benches.get(name)!.round(ROUND_MS)
        if (round > 0) times.set(name, [...(times.get(name) ?? []), ...stepTimes])
      }
    }
  } finally {
    for (const [name, b] of benches) {
      await activateBackend(name)
      b.dispose()
    }
  }
  return Object.fromEntries([...times].map(([name, ts]) => [name, quantile(ts, QUANTILE)]))
}

function choiceFrom(pick: BackendName, msPerStep: Partial<Record<BackendName, number>>, measuredAt: string, costMs: number, cached: boolean): BackendChoice {
  const others = (Object.entries(msPerStep) as [BackendName, number][]).filter(([n]) => n !== pick).sort((a, b) => a[1] - b[1])
  const runnerUp = others[0]
  return { msPerStep, measuredAt, costMs, cached, ...(runnerUp && { runnerUp: runnerUp[0], ratio: runnerUp[1] / msPerStep[pick]! }) }
}

export interface ChooseOptions {
  /** The backends to measure (tests measure wasm against cpu where tfjs-node is absent). */
  candidates?: BackendName[]
  /** Measure again even when the data dir has an answer. */
  remeasure?: boolean
}

/**
 * The backend a run of `config` trains on, made active: the forced one (config "backend" or
 * LRLAB_BACKEND), which fails loudly when it cannot load; else the fastest measured for this model.
 */
export async function backendForRun(config: RunConfig, dataDir: string, opts: ChooseOptions = {}): Promise<BackendInfo> {
  const requested = requestedBackend(config.backend)
  if (requested !== 'auto') return selectBackend(requested)
  const t0 = performance.now()
  const candidates = opts.candidates ?? MEASURED_BACKENDS
  // Without tfjs-node there is nothing to measure: skip the signature (it reads the dataset).
  const measurable = candidates.filter((n) => n !== 'tensorflow' || tfjsNodeInstalled() !== null).length > 1
  const shape = measurable ? stepShape(config) : null
  const { key, description } = shape ? modelSignature(config, shape) : { key: '', description: '' }
  const cache = readCache(dataDir)
  const hit = opts.remeasure || !shape ? undefined : cache.entries[key]
  if (hit && candidates.includes(hit.pick) && Object.keys(hit.msPerStep).every((n) => candidates.includes(n as BackendName))) {
    const { failure, tuning } = await activateBackend(hit.pick)
    if (failure === null) return info(hit.pick, tuning, [], choiceFrom(hit.pick, hit.msPerStep, hit.measuredAt, 0, true))
  }
  const failures: string[] = []
  const loaded: BackendName[] = []
  // Loading a backend is not the measurement's cost: tfjs-node's first load (~1–3 s) is paid by any
  // process that uses it, and the cached answer spares it to every run that picks wasm.
  const tLoad = performance.now()
  for (const name of candidates) {
    const { failure } = await activateBackend(name)
    if (failure === null) loaded.push(name)
    else failures.push(failure)
  }
  const loadMs = performance.now() - tLoad
  if (loaded.length === 0) return selectBackend('auto') // every measured backend failed: the fallback order, with its reasons
  if (loaded.length === 1) {
    const only = loaded[0]!
    const { tuning } = await activateBackend(only)
    const unmeasured = `only ${only} loads here, nothing to measure against (${failures.join('; ')})`
    return info(only, tuning, failures, { msPerStep: {}, measuredAt: new Date().toISOString(), costMs: performance.now() - t0 - loadMs, cached: false, unmeasured })
  }
  const msPerStep = await measure(config, shape ?? stepShape(config), loaded)
  const pick = loaded.reduce((a, b) => (msPerStep[b]! < msPerStep[a]! ? b : a))
  const { tuning } = await activateBackend(pick)
  const measuredAt = new Date().toISOString()
  const costMs = performance.now() - t0 - loadMs
  cache.entries[key] = { pick, msPerStep, measuredAt, costMs, model: description }
  try {
    writeCache(dataDir, cache)
  } catch {
    // A read-only data dir only costs the next run another measurement.
  }
  return info(pick, tuning, failures, { ...choiceFrom(pick, msPerStep, measuredAt, costMs, false), loadMs })
}

function info(name: BackendName, tuning: string[], fallbackReasons: string[], choice: BackendChoice): BackendInfo {
  return { name, requested: 'auto', fallbackReasons, ...(tuning.length && { tuning }), choice }
}
