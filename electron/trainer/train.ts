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
import { checkRunFitsMemory } from '../../shared/run-plan'
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

function batchesPerEpoch(rows: number, batchSize: RunConfig['batchSize']): number {
  const b = batchSize === 'full' ? rows : Math.min(batchSize, rows)
  return Math.ceil(rows / b)
}

/** Rows per batch of a run over `rows` training rows (a batch size past the rows is one full batch). */
export function effectiveBatchSize(config: RunConfig, rows: number): number {
  const perEpoch = batchesPerEpoch(rows, config.batchSize)
  return Math.ceil(rows / perEpoch) === rows ? rows : (config.batchSize as number)
}

/** The epoch columns a run of this config records (fixed when its run folder is created). */
export function epochColumns(config: RunConfig): string[] {
  return epochColumnsFor(config, EPOCH_COLUMNS)
}

export function totalSchedulerSteps(config: RunConfig, trainRows: number): number {
  return config.schedule.stepUnit === 'batch' ? config.epochs * batchesPerEpoch(trainRows, config.batchSize) : config.epochs
}

/** A run's optimisation step, shared by the training loop and the backend calibration (backend-choice.ts). */
export interface TrainingStep {
  groups: ReturnType<typeof planGroups>
  trainVars: tf.Variable[]
  optimizer: Optimizer
  /**
   * One step on a batch, inside the caller's tidy: forward, gradients, clipping, the optimizer's
   * update. Returns [loss, normBefore, normAfter, acted] and the gradients that were applied.
   */
  run(xb: tf.Tensor2D, yb: tf.Tensor2D, hyper: Hyper): { scalars: tf.Tensor1D; applied: tf.Tensor[] }
}

/** The step of `config` on `model`, its optimizer created on the active backend (the caller disposes it). */
export function trainingStep(config: RunConfig, model: Model): TrainingStep {
  const groups = planGroups(config, model.layers)
  const trainVars = groups.layers.flatMap((l) => l.vars)
  const optimizer = createOptimizer(config.optimizer, groups.layers.map((l) => ({ vars: l.vars })))
  const outputVars = new Set(model.layers.at(-1)!.vars)
  const clipParams = { vars: trainVars, isOutput: trainVars.map((v) => outputVars.has(v)) }
  const fusedLoss = wasmTuningActive()
  const lossFn = (x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar => lossOf(config.loss, y, model.forward(x, true), fusedLoss)
  return {
    groups, trainVars, optimizer,
    run(xb, yb, hyper) {
      const { value, grads } = tf.variableGrads(() => lossFn(xb, yb), trainVars)
      const clip = clipGradients(trainVars.map((v) => grads[v.name]!), config.clipping, clipParams)
      let k = 0
      optimizer.step(
        groups.layers.map((l) => l.vars.map(() => clip.grads[k++]!)),
        groups.factors.map((f) => ({ lr: hyper.lr * f, momentum: hyper.momentum })),
      )
      model.afterStep?.()
      return { scalars: tf.stack([value, clip.normBefore, clip.normAfter, clip.acted]) as tf.Tensor1D, applied: clip.grads }
    },
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
  const { loaded, data, model, initNote } = opts.prepared ?? prepareTraining(config, opts)
  if (loaded.description) sink.event('data', 0, loaded.description)
  for (const w of loaded.warnings ?? []) sink.event('warning', 0, w)
  if (initNote) sink.event('data', 0, initNote)
  const train = data.train
  const stepper = trainingStep(config, model)
  const { groups, trainVars, optimizer } = stepper
  const epochColumns = epochColumnsFor(config, EPOCH_COLUMNS)
  const classes = train.classes
  const perEpoch = batchesPerEpoch(train.rows, config.batchSize)
  const batchSize = effectiveBatchSize(config, train.rows)
  const scheduler = createScheduler(config.schedule, {
    baseLr: config.optimizer.lr,
    baseMomentum: optimizer.baseMomentum(),
    totalSteps: totalSchedulerSteps(config, train.rows),
  })
  // The dataset lives on the backend; batches are gathered there, not copied from JS each step.
  const xAll = tf.tensor2d(train.x, [train.rows, train.features])
  const yAll = targetTensor(config.loss, train)
  const xVal = data.validation ? tf.tensor2d(data.validation.x, [data.validation.rows, data.validation.features]) : null
  const yVal = data.validation ? targetTensor(config.loss, data.validation) : null
  const shuffleRng = createRng(config.seed ^ 0x5f1e)
  let pendingDiagnostics: tf.Tensor1D | null = null

  /** Per layer [‖w‖, ‖g‖, ‖Δw‖/‖w‖] after the step, from the weights before it and the applied gradients. */
  const layerDiagnostics = (before: tf.Tensor[], applied: tf.Tensor[]): tf.Tensor1D =>
    layerHealth(model.layers.map((l) => {
      if (!groups.layers.includes(l)) return { weights: l.vars, grads: null, before: null } // frozen: no gradient, no update
      const idx = l.vars.map((v) => trainVars.indexOf(v))
      return { weights: l.vars, grads: idx.map((i) => applied[i]!), before: idx.map((i) => before[i]!) }
    }), wasmTuningActive())
  try {
    return await runLoop()
  } finally {
    tf.dispose([xAll, yAll, xVal, yVal].filter((t): t is tf.Tensor2D => t !== null))
    ;(pendingDiagnostics as tf.Tensor1D | null)?.dispose()
    optimizer.dispose()
    model.dispose()
  }

  async function runLoop(): Promise<TrainResult> {
    const totalSteps = config.epochs * perEpoch
    const stepCols = new ColumnBuffer(STEP_COLUMNS)
    const epochCols = new ColumnBuffer(epochColumns)
    const summary = emptySummary()
    if (xVal) summary.valMetricName = metricName(config, classes !== undefined)
    let pending: PendingStep[] = []
    let step = 0
    let lastFlush = performance.now()
    let activeMs = 0
    let segmentStart = performance.now()
    let divergedAt: { step: number; epoch: number; loss: number } | null = null
    let bestLoss = Infinity
    const elapsed = (): number => (activeMs + performance.now() - segmentStart) / 1000
    let epochLossSum = 0
    let epochLossCount = 0

    /** Read every pending step's scalars in one transfer; detect divergence. */
    const flushSteps = async (): Promise<void> => {
      if (pending.length === 0) return
      // One step pending (full-batch runs flush every epoch): read it as it is, no Stack kernel.
      const stacked = pending.length === 1 ? pending[0]!.scalars : tf.stack(pending.map((p) => p.scalars))
      const values = await stacked.data()
      if (pending.length > 1) stacked.dispose()
      for (let i = 0; i < pending.length; i++) {
        const p = pending[i]!
        p.scalars.dispose()
        if (divergedAt) continue // steps taken after the divergence step are discarded
        const loss = values[i * 4]!
        stepCols.push({
          step: p.step, epoch: p.epoch, elapsed: p.elapsed, lr: p.hyper.lr, loss,
          momentum: p.hyper.momentum ?? NaN,
          grad_norm: values[i * 4 + 1]!, grad_norm_clipped: values[i * 4 + 2]!, clipped: values[i * 4 + 3]!,
        })
        summary.steps = p.step + 1
        summary.finalLoss = loss
        if (Number.isFinite(loss)) {
          bestLoss = Math.min(bestLoss, loss)
          epochLossSum += loss
          epochLossCount++
        }
        const exploded = config.divergeFactor !== undefined && loss > config.divergeFactor * bestLoss
        if (!Number.isFinite(loss) || exploded) divergedAt = { step: p.step, epoch: p.epoch, loss }
      }
      pending = []
    }

    const emit = (): void => {
      lastFlush = performance.now()
      if (stepCols.length === 0 && epochCols.length === 0) return
      sink.metrics(stepCols.take(), epochCols.take())
      const secs = elapsed()
      sink.progress({
        epoch: Math.floor(step / perEpoch), step, totalEpochs: config.epochs, totalSteps,
        stepsPerSec: secs > 0 ? step / secs : 0,
        etaSec: step > 0 ? (secs / step) * (totalSteps - step) : null,
      })
    }

    let status: RunStatus = 'finished'
    outer: for (let epoch = 0; epoch < config.epochs; epoch++) {
      epochLossSum = 0
      epochLossCount = 0
      const order = perEpoch > 1 ? permutation(train.rows, shuffleRng) : null
      const orderTensor = order ? tf.tensor1d(order, 'int32') : null
      let epochHyper: Hyper = scheduler.current()
      for (let b = 0; b < perEpoch; b++) {
        if (control.stopRequested()) {
          status = 'stopped'
          orderTensor?.dispose()
          break outer
        }
        if (performance.now() - lastFlush > FLUSH_INTERVAL_MS || pending.length >= FLUSH_MAX_STEPS) {
          await flushSteps()
          emit()
          if (divergedAt) break
          await pauseIfAsked()
        }
        const hyper = config.schedule.stepUnit === 'batch' ? scheduler.current() : epochHyper
        const lastOfEpoch = b === perEpoch - 1
        const scalars = tf.tidy(() => {
          const idx = orderTensor ? orderTensor.slice(b * batchSize, Math.min(batchSize, train.rows - b * batchSize)) : null
          const xb = idx ? tf.gather(xAll, idx) : xAll
          const yb = idx ? tf.gather(yAll, idx) : yAll
          // The epoch's last step also measures each layer's health: norms and update/weight ratio.
          const before = lastOfEpoch ? trainVars.map((v) => v.clone()) : null
          const { scalars: stepScalars, applied } = stepper.run(xb, yb, hyper)
          if (before) pendingDiagnostics = tf.keep(layerDiagnostics(before, applied))
          return stepScalars
        })
        pending.push({ step, epoch, elapsed: elapsed(), hyper, scalars })
        step++
        if (config.schedule.stepUnit === 'batch') {
          scheduler.step()
          if (scheduler.restarted()) sink.event('restart', step, `schedule restarted at step ${step}`)
        }
      }
      orderTensor?.dispose()
      await flushSteps()
      if (divergedAt) break
      // Epoch end: validation loss, then the per-epoch scheduler step (plateau needs the metric).
      // One read for the epoch's scalars: validation loss and metric, the training metric (the
      // model as it stands after the epoch, evaluated like validation) and the layer health checks.
      const metric = metricName(config, classes !== undefined)
      const epochScalars = tf.tidy(() => {
        const [classification, fused] = [classes !== undefined, wasmTuningActive()]
        const val = xVal && yVal ? evaluation(config.loss, classification, yVal, model.forward(xVal), metric, true, fused) : tf.tensor1d([NaN, NaN])
        const trainMetric = evaluation(config.loss, classification, yAll, model.forward(xAll), metric, false, fused)
        return tf.concat([val, trainMetric, ...(pendingDiagnostics ? [pendingDiagnostics] : [])]) as tf.Tensor1D
      })
      const values = await epochScalars.data()
      epochScalars.dispose()
      const valLoss = values[0]!
      const valMetric = values[1]!
      const trainMetric = values[2]!
      const diag: Record<string, number> = {}
      if (pendingDiagnostics) {
        pendingDiagnostics.dispose()
        pendingDiagnostics = null
        model.layers.forEach((l, i) => {
          diag[`w_norm/${l.name}`] = values[3 + i * 3]!
          diag[`g_norm/${l.name}`] = values[3 + i * 3 + 1]!
          diag[`update_ratio/${l.name}`] = values[3 + i * 3 + 2]!
        })
      }
      if (config.paramGroups)
        model.layers.forEach((l) => {
          const g = groups.layers.indexOf(l)
          diag[`lr/${l.name}`] = g < 0 ? 0 : epochHyper.lr * groups.factors[g]!
        })
      epochCols.push({
        epoch, step, elapsed: elapsed(), lr: epochHyper.lr,
        loss: epochLossCount ? epochLossSum / epochLossCount : NaN, val_loss: valLoss, val_metric: valMetric, train_metric: trainMetric, ...diag,
      })
      if (Number.isFinite(valMetric)) summary.finalValMetric = valMetric
      summary.epochs = epoch + 1
      if (Number.isFinite(valLoss)) {
        summary.finalValLoss = valLoss
        if (summary.bestValLoss === null || valLoss < summary.bestValLoss) {
          summary.bestValLoss = valLoss
          summary.bestValEpoch = epoch
        }
      }
      if (config.schedule.stepUnit === 'epoch') {
        scheduler.step(Number.isFinite(valLoss) ? valLoss : (epochLossCount ? epochLossSum / epochLossCount : undefined))
        if (scheduler.restarted()) sink.event('restart', step, `schedule restarted at epoch ${epoch + 1}`)
        epochHyper = scheduler.current()
      }
    }
    await flushSteps()
    if (divergedAt) {
      status = 'diverged'
      const d = divergedAt as { step: number; epoch: number; loss: number }
      summary.divergedAtStep = d.step
      summary.divergedAtEpoch = d.epoch
      sink.event('diverged', d.step, `loss became ${d.loss} at step ${d.step} (epoch ${d.epoch})`, { loss: String(d.loss) })
    }
    if (status === 'stopped') sink.event('stop', step, 'stopped by the user')
    emit()
    if (opts.saveModelDir && (status === 'finished' || status === 'stopped')) await saveModel(model, config.model, opts.saveModelDir)
    summary.bestLoss = Number.isFinite(bestLoss) ? bestLoss : null
    summary.durationSec = elapsed()
    return { status, summary }

    async function pauseIfAsked(): Promise<void> {
      const before = performance.now()
      activeMs += before - segmentStart
      await control.waitIfPaused()
      segmentStart = performance.now()
    }
  }
}

export type { Dataset, Model, Optimizer, LrScheduler }
