/**
 * The training loop: one run from a validated config to a run folder, streaming metric
 * batches to the host. All of a step's scalars stay on the backend and are read back
 * together in batches, so monitoring does not stall the backend every step.
 */
import * as tf from '@tensorflow/tfjs'
import type { RunConfig } from '../../shared/config'
import { EPOCH_COLUMNS, STEP_COLUMNS, type Columns } from '../../shared/metrics'
import { emptySummary, type RunStatus, type RunSummary } from '../../shared/run'
import type { Progress } from '../../shared/api'
import { createScheduler, type Hyper, type LrScheduler } from '../../shared/schedules'
import { createOptimizer, type Optimizer } from './optimizers'
import { clipGradients } from './clipping'
import { loadDataset, splitDataset, type Dataset, type SplitDataset } from './data'
import { buildModel, type Model } from './model'
import { createRng, permutation } from './random'
import { checkLossFits, evaluation, lossOf, metricName, outputsFor, targetTensor } from './losses'
import { epochColumnsFor, planGroups } from './param-groups'
import { applyLayerWeights, loadLayerWeights, saveModel } from './model-io'
import { ConfigError } from '../../shared/config'
import { checkRunFitsMemory, planRun, scheduleContext, type RunPlan } from '../../shared/run-plan'
import { layerHealth, wasmTuningActive } from './wasm-tuning'

/** Where a run's output goes; the run folder writer and the live stream both sit behind it. */
export interface TrainSink {
  metrics(steps: Columns, epochs: Columns): void
  progress(p: Progress): void
  event(kind: 'diverged' | 'restart' | 'pause' | 'resume' | 'stop' | 'data' | 'warning', step: number, message: string, data?: Record<string, unknown>): void
}

export interface TrainControl {
  stopRequested(): boolean
  /** Resolves when the run may continue (immediately unless paused). */
  waitIfPaused(): Promise<void>
}

export interface TrainResult {
  status: RunStatus
  summary: RunSummary
}

/** How often buffered step scalars are read back and streamed. */
const FLUSH_INTERVAL_MS = 80
const FLUSH_MAX_STEPS = 512

interface PendingStep {
  step: number
  epoch: number
  elapsed: number
  hyper: Hyper
  /** [loss, normBefore, normAfter, acted] stacked on the backend. */
  scalars: tf.Tensor1D
}

class ColumnBuffer {
  private data: Record<string, number[]> = {}
  constructor(private readonly names: readonly string[]) {
    for (const n of names) this.data[n] = []
  }
  push(row: Record<string, number>): void {
    for (const n of this.names) this.data[n]!.push(row[n] ?? NaN)
  }
  get length(): number {
    return this.data[this.names[0]!]!.length
  }
  take(): Columns {
    const out: Columns = {}
    for (const n of this.names) {
      out[n] = Float64Array.from(this.data[n]!)
      this.data[n] = []
    }
    return out
  }
}

/** The epoch columns a run of this config records (fixed when its run folder is created). */
export function epochColumns(config: RunConfig): string[] {
  return epochColumnsFor(config, EPOCH_COLUMNS)
}

/** The run's plan over its loaded data (shared/run-plan: the builder's preview follows the same plan). */
export function planLoadedRun(config: RunConfig, loaded: Dataset, data: SplitDataset): RunPlan {
  const plan = planRun(config, loaded.rows)!
  // The split is the plan's: a mismatch would make the preview and the run disagree.
  if (plan.trainRows !== data.train.rows) throw new Error(`internal: planned ${plan.trainRows} training rows, the split has ${data.train.rows}`)
  return plan
}

/** One optimisation step on a batch, inside the caller's tidy: returns [loss, normBefore, normAfter, acted] and the gradients applied. */
export type StepFunction = (xb: tf.Tensor2D, yb: tf.Tensor2D, hyper: Hyper) => { scalars: tf.Tensor1D; applied: tf.Tensor[] }

/** Which variables train, in parameter groups, and each group's factor on the LR. */
export interface StepGroups {
  vars: tf.Variable[][]
  factors: number[]
}

/**
 * The one step of training and of the LR range test: forward in training mode (dropout on,
 * batch statistics updated), gradients, clipping, the optimizer's update on each group at
 * LR × its factor, the model's after-step hook.
 */
export function stepFunction(model: Model, optimizer: Optimizer, groups: StepGroups, lossFn: (out: tf.Tensor2D, y: tf.Tensor2D) => tf.Scalar, clipping: RunConfig['clipping']): StepFunction {
  const trainVars = groups.vars.flat()
  const outputVars = new Set(model.layers.at(-1)!.vars)
  const clipParams = { vars: trainVars, isOutput: trainVars.map((v) => outputVars.has(v)) }
  return (xb, yb, hyper) => {
    const { value, grads } = tf.variableGrads(() => lossFn(model.forward(xb, true), yb), trainVars)
    const clip = clipGradients(
      trainVars.map((v) => grads[v.name]!),
      clipping,
      clipParams,
    )
    let k = 0
    optimizer.step(
      groups.vars.map((g) => g.map(() => clip.grads[k++]!)),
      groups.factors.map((f) => ({ lr: hyper.lr * f, momentum: hyper.momentum })),
    )
    model.afterStep?.()
    return { scalars: tf.stack([value, clip.normBefore, clip.normAfter, clip.acted]) as tf.Tensor1D, applied: clip.grads }
  }
}

/** A run's optimisation step, shared by the training loop, the range test and the backend calibration (backend-choice.ts). */
export interface TrainingStep {
  groups: ReturnType<typeof planGroups>
  trainVars: tf.Variable[]
  optimizer: Optimizer
  run: StepFunction
}

/** The step of `config` on `model`, its optimizer created on the active backend (the caller disposes it). */
export function trainingStep(config: RunConfig, model: Model): TrainingStep {
  const groups = planGroups(config, model.layers)
  const vars = groups.layers.map((l) => l.vars)
  const optimizer = createOptimizer(
    config.optimizer,
    vars.map((v) => ({ vars: v })),
  )
  const fusedLoss = wasmTuningActive()
  const lossFn = (out: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar => lossOf(config.loss, y, out, fusedLoss)
  return { groups, trainVars: vars.flat(), optimizer, run: stepFunction(model, optimizer, { vars, factors: groups.factors }, lossFn, config.clipping) }
}

/** A run's data on the backend: batches are gathered there, not copied from JS each step. */
export interface BackendData {
  xAll: tf.Tensor2D
  yAll: tf.Tensor2D
  xVal: tf.Tensor2D | null
  yVal: tf.Tensor2D | null
  dispose(): void
}

export function dataOnBackend(config: RunConfig, data: SplitDataset, withValidation = true): BackendData {
  const { train, validation } = data
  const val = withValidation ? validation : null
  const t = {
    xAll: tf.tensor2d(train.x, [train.rows, train.features]),
    yAll: targetTensor(config.loss, train),
    xVal: val ? tf.tensor2d(val.x, [val.rows, val.features]) : null,
    yVal: val ? targetTensor(config.loss, val) : null,
  }
  return { ...t, dispose: () => tf.dispose([t.xAll, t.yAll, t.xVal, t.yVal].filter((x): x is tf.Tensor2D => x !== null)) }
}

/** The rows of each batch in the run's order: shuffled afresh each epoch (seeded), a single full batch as it is. */
export class BatchOrder {
  private readonly rng: () => number
  private order: tf.Tensor1D | null = null

  constructor(
    private readonly plan: RunPlan,
    seed: number,
  ) {
    this.rng = createRng(seed ^ 0x5f1e)
  }

  /** Draw the next epoch's order. */
  nextEpoch(): void {
    this.order?.dispose()
    this.order = this.plan.batchesPerEpoch > 1 ? tf.keep(tf.tensor1d(permutation(this.plan.trainRows, this.rng), 'int32')) : null
  }

  /** Batch `b` of the epoch, gathered on the backend (inside the caller's tidy). */
  batch(b: number, d: BackendData): { x: tf.Tensor2D; y: tf.Tensor2D } {
    if (!this.order) return { x: d.xAll, y: d.yAll }
    const { batchSize, trainRows } = this.plan
    const idx = this.order.slice(b * batchSize, Math.min(batchSize, trainRows - b * batchSize))
    return { x: tf.gather(d.xAll, idx), y: tf.gather(d.yAll, idx) }
  }

  dispose(): void {
    this.order?.dispose()
    this.order = null
  }
}

export interface TrainOptions {
  /** Fine-tuning: a model.json whose dense layers initialise this model (see config.model.initFrom). */
  initModelJson?: string
  /** Where to save the trained model (tfjs format) when the run finishes or is stopped. */
  saveModelDir?: string
}

/** What a run needs before its first step: its data, checked against the config, and its model. */
export interface PreparedRun {
  loaded: Dataset
  data: SplitDataset
  model: Model
  /** "initialised from …" when the model was loaded from saved weights. */
  initNote?: string
}

/**
 * Load the data and build the model, refusing (ConfigError, naming the field) whatever only the
 * data shows: a loss that does not fit the task, a CNN on non-image data, model.init of the wrong
 * shape, saved weights that do not fit, a model too big for memory. Run before the run folder
 * exists, so a bad config leaves nothing behind.
 */
export function prepareTraining(config: RunConfig, opts: Pick<TrainOptions, 'initModelJson'> = {}): PreparedRun {
  const loaded = loadDataset(config.data, config.seed)
  const data = splitDataset(loaded, config.validationSplit, config.seed)
  const train = data.train
  const problems: string[] = []
  const lossProblem = checkLossFits(config.loss, train)
  if (lossProblem) problems.push(lossProblem)
  if (config.metric === 'accuracy' && !train.classes) problems.push('metric: accuracy needs a classification dataset')
  if ((config.metric === 'r2' || config.metric === 'mae') && train.classes) problems.push(`metric: ${config.metric} is for regression; this dataset is classification`)
  if (config.data.kind === 'csv') problems.push(...checkRunFitsMemory(config, { features: loaded.features, classes: loaded.classes ?? null }, loaded.rows))
  if (problems.length) throw new ConfigError(problems)
  let model: Model
  try {
    model = buildModel(config.model, train.features, outputsFor(config.loss, train), config.seed)
  } catch (e) {
    throw new ConfigError([e instanceof Error ? e.message : String(e)])
  }
  if (!opts.initModelJson) return { loaded, data, model }
  const newHead = config.model.kind === 'mlp' && config.model.newHead
  try {
    const saved = loadLayerWeights(opts.initModelJson)
    try {
      applyLayerWeights(model, saved, newHead, opts.initModelJson)
    } finally {
      tf.dispose(saved.flatMap((l) => l.tensors))
    }
  } catch (e) {
    model.dispose()
    throw new ConfigError([`model.initFrom: ${e instanceof Error ? e.message : String(e)}`])
  }
  return { loaded, data, model, initNote: `initialised from ${opts.initModelJson}${newHead ? ' with a new head' : ''}` }
}

export async function train(config: RunConfig, sink: TrainSink, control: TrainControl, opts: TrainOptions & { prepared?: PreparedRun } = {}): Promise<TrainResult> {
  const prepared = opts.prepared ?? prepareTraining(config, opts)
  announceData(sink, prepared)
  const run = new TrainingRun(config, prepared, sink, control, opts.saveModelDir)
  try {
    return await run.run()
  } finally {
    run.dispose()
  }
}

/** What the data and the model's origin say, as run events before the first step. */
function announceData(sink: TrainSink, { loaded, initNote }: PreparedRun): void {
  if (loaded.description) sink.event('data', 0, loaded.description)
  for (const w of loaded.warnings ?? []) sink.event('warning', 0, w)
  if (initNote) sink.event('data', 0, initNote)
}

/** Active time of a run: the time it spent paused does not count. */
class RunClock {
  private activeMs = 0
  private segmentStart = performance.now()
  elapsed(): number {
    return (this.activeMs + performance.now() - this.segmentStart) / 1000
  }
  async pausable(wait: () => Promise<void>): Promise<void> {
    this.activeMs += performance.now() - this.segmentStart
    await wait()
    this.segmentStart = performance.now()
  }
}

/**
 * A run's step rows: each step's scalars wait on the backend and are read back together, then
 * become step rows, the summary's running figures and the divergence check.
 */
class StepLog {
  readonly steps = new ColumnBuffer(STEP_COLUMNS)
  readonly summary = emptySummary()
  divergedAt: { step: number; epoch: number; loss: number } | null = null
  bestLoss = Infinity
  /** Finite losses of the epoch so far, for its mean. */
  epochLossSum = 0
  epochLossCount = 0
  private pending: PendingStep[] = []

  constructor(private readonly divergeFactor: number | undefined) {}

  get pendingCount(): number {
    return this.pending.length
  }

  queue(p: PendingStep): void {
    this.pending.push(p)
  }

  startEpoch(): void {
    this.epochLossSum = 0
    this.epochLossCount = 0
  }

  epochMeanLoss(): number | undefined {
    return this.epochLossCount ? this.epochLossSum / this.epochLossCount : undefined
  }

  /** Read every pending step's scalars in one transfer; detect divergence. */
  async flush(): Promise<void> {
    const pending = this.pending
    if (pending.length === 0) return
    this.pending = []
    // One step pending (full-batch runs flush every epoch): read it as it is, no Stack kernel.
    const stacked = pending.length === 1 ? pending[0]!.scalars : tf.stack(pending.map((p) => p.scalars))
    const values = await stacked.data()
    if (pending.length > 1) stacked.dispose()
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i]!
      p.scalars.dispose()
      if (this.divergedAt) continue // steps taken after the divergence step are discarded
      this.record(p, values[i * 4]!, values[i * 4 + 1]!, values[i * 4 + 2]!, values[i * 4 + 3]!)
    }
  }

  private record(p: PendingStep, loss: number, normBefore: number, normAfter: number, clipped: number): void {
    this.steps.push({
      step: p.step,
      epoch: p.epoch,
      elapsed: p.elapsed,
      lr: p.hyper.lr,
      loss,
      momentum: p.hyper.momentum ?? NaN,
      grad_norm: normBefore,
      grad_norm_clipped: normAfter,
      clipped,
    })
    this.summary.steps = p.step + 1
    this.summary.finalLoss = loss
    if (Number.isFinite(loss)) {
      this.bestLoss = Math.min(this.bestLoss, loss)
      this.epochLossSum += loss
      this.epochLossCount++
    }
    const exploded = this.divergeFactor !== undefined && loss > this.divergeFactor * this.bestLoss
    if (!Number.isFinite(loss) || exploded) this.divergedAt = { step: p.step, epoch: p.epoch, loss }
  }

  dispose(): void {
    for (const p of this.pending) p.scalars.dispose()
    this.pending = []
  }
}

/** What the epoch's end measures, in one read: validation, the training metric, each layer's health. */
interface EpochMeasures {
  valLoss: number
  valMetric: number
  trainMetric: number
  /** Per layer: w_norm/, g_norm/, update_ratio/ and (with parameter groups) lr/ columns. */
  layers: Record<string, number>
}

/** One run of the training loop, its state and its named steps. */
class TrainingRun {
  private readonly model: Model
  private readonly data: SplitDataset
  private readonly plan: RunPlan
  private readonly stepper: TrainingStep
  private readonly scheduler: LrScheduler
  private readonly tensors: BackendData
  private readonly batches: BatchOrder
  private readonly log: StepLog
  private readonly epochs: ColumnBuffer
  private readonly clock = new RunClock()
  private readonly metric: ReturnType<typeof metricName>
  private readonly classification: boolean
  private lastFlush = performance.now()
  /** Steps taken so far. */
  private step = 0
  /** The hyperparameters of the epoch under way (what an epoch-unit schedule holds for all its steps). */
  private epochHyper: Hyper
  /** The epoch's layer health, measured on its last step and read with the epoch's other scalars. */
  private pendingDiagnostics: tf.Tensor1D | null = null

  constructor(
    private readonly config: RunConfig,
    prepared: PreparedRun,
    private readonly sink: TrainSink,
    private readonly control: TrainControl,
    private readonly saveModelDir: string | undefined,
  ) {
    this.model = prepared.model
    this.data = prepared.data
    this.plan = planLoadedRun(config, prepared.loaded, prepared.data)
    this.stepper = trainingStep(config, this.model)
    this.scheduler = createScheduler(config.schedule, scheduleContext(config, this.plan))
    this.tensors = dataOnBackend(config, this.data)
    this.batches = new BatchOrder(this.plan, config.seed)
    this.log = new StepLog(config.divergeFactor)
    this.epochs = new ColumnBuffer(epochColumnsFor(config, EPOCH_COLUMNS))
    this.classification = this.data.train.classes !== undefined
    this.metric = metricName(config, this.classification)
    if (this.tensors.xVal) this.log.summary.valMetricName = this.metric
    this.epochHyper = this.scheduler.current()
  }

  async run(): Promise<TrainResult> {
    let status: RunStatus = 'finished'
    for (let epoch = 0; epoch < this.config.epochs; epoch++) {
      if ((await this.trainEpoch(epoch)) === 'stopped') {
        status = 'stopped'
        break
      }
      await this.log.flush()
      if (this.log.divergedAt) break
      this.endEpoch(epoch, await this.measureEpoch())
    }
    return this.finish(status)
  }

  /** The epoch's batches, one step each; stops early when asked to or when the loss diverged. */
  private async trainEpoch(epoch: number): Promise<'done' | 'stopped'> {
    this.log.startEpoch()
    this.batches.nextEpoch()
    this.epochHyper = this.scheduler.current()
    const perEpoch = this.plan.batchesPerEpoch
    for (let b = 0; b < perEpoch; b++) {
      if (this.control.stopRequested()) return 'stopped'
      if (performance.now() - this.lastFlush > FLUSH_INTERVAL_MS || this.log.pendingCount >= FLUSH_MAX_STEPS) {
        await this.log.flush()
        this.emit()
        if (this.log.divergedAt) break
        await this.clock.pausable(() => this.control.waitIfPaused())
      }
      const hyper = this.config.schedule.stepUnit === 'batch' ? this.scheduler.current() : this.epochHyper
      const scalars = this.takeStep(b, b === perEpoch - 1, hyper)
      this.log.queue({ step: this.step, epoch, elapsed: this.clock.elapsed(), hyper, scalars })
      this.step++
      if (this.config.schedule.stepUnit === 'batch') {
        this.scheduler.step()
        if (this.scheduler.restarted()) this.sink.event('restart', this.step, `schedule restarted at step ${this.step}`)
      }
    }
    return 'done'
  }

  /** Step on batch `b`; the epoch's last step also measures each layer's health: norms and update/weight ratio. */
  private takeStep(b: number, lastOfEpoch: boolean, hyper: Hyper): tf.Tensor1D {
    const { trainVars } = this.stepper
    return tf.tidy(() => {
      const { x, y } = this.batches.batch(b, this.tensors)
      const before = lastOfEpoch ? trainVars.map((v) => v.clone()) : null
      const { scalars, applied } = this.stepper.run(x, y, hyper)
      if (before) this.pendingDiagnostics = tf.keep(this.layerDiagnostics(before, applied))
      return scalars
    })
  }

  /** Per layer [‖w‖, ‖g‖, ‖Δw‖/‖w‖] after the step, from the weights before it and the applied gradients. */
  private layerDiagnostics(before: tf.Tensor[], applied: tf.Tensor[]): tf.Tensor1D {
    const { groups, trainVars } = this.stepper
    return layerHealth(
      this.model.layers.map((l) => {
        if (!groups.layers.includes(l)) return { weights: l.vars, grads: null, before: null } // frozen: no gradient, no update
        const idx = l.vars.map((v) => trainVars.indexOf(v))
        return { weights: l.vars, grads: idx.map((i) => applied[i]!), before: idx.map((i) => before[i]!) }
      }),
      wasmTuningActive(),
    )
  }

  /**
   * One read for the epoch's scalars: validation loss and metric, the training metric (the model
   * as it stands after the epoch, evaluated like validation) and the layer health checks.
   */
  private async measureEpoch(): Promise<EpochMeasures> {
    const { xAll, yAll, xVal, yVal } = this.tensors
    const diagnostics = this.pendingDiagnostics
    this.pendingDiagnostics = null
    const epochScalars = tf.tidy(() => {
      const fused = wasmTuningActive()
      const val = xVal && yVal ? evaluation(this.config.loss, this.classification, yVal, this.model.forward(xVal), this.metric, true, fused) : tf.tensor1d([NaN, NaN])
      const trainMetric = evaluation(this.config.loss, this.classification, yAll, this.model.forward(xAll), this.metric, false, fused)
      return tf.concat([val, trainMetric, ...(diagnostics ? [diagnostics] : [])]) as tf.Tensor1D
    })
    const values = await epochScalars.data()
    epochScalars.dispose()
    const layers: Record<string, number> = {}
    if (diagnostics) {
      diagnostics.dispose()
      this.model.layers.forEach((l, i) => {
        layers[`w_norm/${l.name}`] = values[3 + i * 3]!
        layers[`g_norm/${l.name}`] = values[3 + i * 3 + 1]!
        layers[`update_ratio/${l.name}`] = values[3 + i * 3 + 2]!
      })
    }
    if (this.config.paramGroups) {
      const { groups } = this.stepper
      this.model.layers.forEach((l) => {
        const g = groups.layers.indexOf(l)
        layers[`lr/${l.name}`] = g < 0 ? 0 : this.epochHyper.lr * groups.factors[g]!
      })
    }
    return { valLoss: values[0]!, valMetric: values[1]!, trainMetric: values[2]!, layers }
  }

  /** The epoch's row and summary, then the per-epoch scheduler step (plateau needs the metric). */
  private endEpoch(epoch: number, m: EpochMeasures): void {
    const summary = this.log.summary
    const meanLoss = this.log.epochMeanLoss()
    this.epochs.push({
      epoch,
      step: this.step,
      elapsed: this.clock.elapsed(),
      lr: this.epochHyper.lr,
      loss: meanLoss ?? NaN,
      val_loss: m.valLoss,
      val_metric: m.valMetric,
      train_metric: m.trainMetric,
      ...m.layers,
    })
    if (Number.isFinite(m.valMetric)) summary.finalValMetric = m.valMetric
    summary.epochs = epoch + 1
    if (Number.isFinite(m.valLoss)) {
      summary.finalValLoss = m.valLoss
      if (summary.bestValLoss === null || m.valLoss < summary.bestValLoss) {
        summary.bestValLoss = m.valLoss
        summary.bestValEpoch = epoch
      }
    }
    if (this.config.schedule.stepUnit === 'epoch') {
      this.scheduler.step(Number.isFinite(m.valLoss) ? m.valLoss : meanLoss)
      if (this.scheduler.restarted()) this.sink.event('restart', this.step, `schedule restarted at epoch ${epoch + 1}`)
      this.epochHyper = this.scheduler.current()
    }
  }

  /** Stream the rows gathered since the last emit, and the progress. */
  private emit(): void {
    this.lastFlush = performance.now()
    if (this.log.steps.length === 0 && this.epochs.length === 0) return
    this.sink.metrics(this.log.steps.take(), this.epochs.take())
    const secs = this.clock.elapsed()
    const { totalSteps, batchesPerEpoch } = this.plan
    const step = this.step
    this.sink.progress({
      epoch: Math.floor(step / batchesPerEpoch),
      step,
      totalEpochs: this.config.epochs,
      totalSteps,
      stepsPerSec: secs > 0 ? step / secs : 0,
      etaSec: step > 0 ? (secs / step) * (totalSteps - step) : null,
    })
  }

  /** The last rows, the ending's event, the saved model and the summary. */
  private async finish(stopped: RunStatus): Promise<TrainResult> {
    let status = stopped
    await this.log.flush()
    const { summary, divergedAt } = this.log
    if (divergedAt) {
      status = 'diverged'
      summary.divergedAtStep = divergedAt.step
      summary.divergedAtEpoch = divergedAt.epoch
      this.sink.event('diverged', divergedAt.step, `loss became ${divergedAt.loss} at step ${divergedAt.step} (epoch ${divergedAt.epoch})`, { loss: String(divergedAt.loss) })
    }
    if (status === 'stopped') this.sink.event('stop', this.step, 'stopped by the user')
    this.emit()
    if (this.saveModelDir && (status === 'finished' || status === 'stopped')) await saveModel(this.model, this.config.model, this.saveModelDir)
    summary.bestLoss = Number.isFinite(this.log.bestLoss) ? this.log.bestLoss : null
    summary.durationSec = this.clock.elapsed()
    return { status, summary }
  }

  dispose(): void {
    this.batches.dispose()
    this.tensors.dispose()
    this.log.dispose()
    this.pendingDiagnostics?.dispose()
    this.stepper.optimizer.dispose()
    this.model.dispose()
  }
}

export type { Dataset, Model, Optimizer, LrScheduler }
