/**
 * The LR range test: train on successive batches while the learning rate sweeps from
 * startLr to endLr, record the loss, stop at divergence, then put the model and the
 * optimizer back exactly as they were. Suggestions come from shared/lr-finder.
 */
import * as tf from '@tensorflow/tfjs'
import { ConfigError, type RunConfig } from '../../shared/config'
import { createSmoother, suggestLrs, sweepLr, type RangeTestOptions } from '../../shared/lr-finder'
import type { RangeTestResultData } from '../../shared/api'
import { clipGradients } from './clipping'
import { loadDataset, splitDataset } from './data'
import { buildModel, type Model } from './model'
import { createOptimizer, disposeOptimizerState, type Optimizer } from './optimizers'
import { createRng, permutation } from './random'
import { checkLossFits, lossOf, outputsFor, targetTensor } from './losses'
import { applyLayerWeights, loadLayerWeights } from './model-io'
import { planGroups } from './param-groups'
import { wasmTuningActive } from './wasm-tuning'

/** The result travels to the UI as is: one type for both sides. */
export type RangeTestResult = RangeTestResultData

/** Which variables train and each group's factor on the swept LR (default: everything, one group at factor 1). */
export interface RangeTestGroups {
  vars: tf.Variable[][]
  factors: number[]
}

/**
 * Sweep on an existing model and optimizer; both are restored before it returns (weights,
 * buffers such as batch-norm statistics, and optimizer state). The model trains as in a run:
 * dropout on, batch statistics updated. The recorded LR is the base group's; with parameter
 * groups each group steps at LR × its factor (fastai sweeps every group alike the same way).
 */
export async function rangeTestOn(
  model: Model, optimizer: Optimizer, batches: () => { x: tf.Tensor2D; y: tf.Tensor2D },
  lossFn: (out: tf.Tensor2D, y: tf.Tensor2D) => tf.Scalar, config: RunConfig, o: RangeTestOptions,
  onProgress?: (done: number, total: number) => void,
  groups: RangeTestGroups = { vars: [model.variables()], factors: [1] },
): Promise<RangeTestResult> {
  const trainVars = groups.vars.flat()
  const state = [...model.variables(), ...model.layers.flatMap((l) => l.buffers ?? [])]
  const savedState = state.map((v) => tf.keep(v.clone()))
  const savedOptimizer = optimizer.saveState()
  const headVars = new Set(model.layers.at(-1)!.vars)
  const isOutput = trainVars.map((v) => headVars.has(v))
  const smooth = createSmoother(o)
  const lrs: number[] = []
  const losses: number[] = []
  const smoothed: number[] = []
  let best = Infinity
  let stopReason: string | null = null
  try {
    for (let i = 0; i < o.numIter; i++) {
      const lr = sweepLr(o, i)
      const lossT = tf.tidy(() => {
        const { x, y } = batches()
        const { value, grads } = tf.variableGrads(() => lossFn(model.forward(x, true), y), trainVars)
        const clip = clipGradients(trainVars.map((v) => grads[v.name]!), config.clipping, { vars: trainVars, isOutput })
        let k = 0
        optimizer.step(
          groups.vars.map((g) => g.map(() => clip.grads[k++]!)),
          groups.factors.map((f) => ({ lr: lr * f })),
        )
        model.afterStep?.()
        return value
      })
      // One scalar a step: the stop rule needs it before the next step.
      const loss = (await lossT.data())[0]!
      lossT.dispose()
      const s = Number.isFinite(loss) ? smooth(loss) : NaN
      lrs.push(lr)
      losses.push(loss)
      smoothed.push(s)
      onProgress?.(i + 1, o.numIter)
      if (!Number.isFinite(s)) {
        stopReason = `the loss became ${loss} at lr ${lr.toPrecision(3)}`
        break
      }
      best = Math.min(best, s)
      if (o.stopOnDivergence && s > o.divergeFactor * best) {
        stopReason = `the smoothed loss passed ${o.divergeFactor}× its best at lr ${lr.toPrecision(3)}`
        break
      }
    }
  } finally {
    state.forEach((v, k) => v.assign(savedState[k]!))
    tf.dispose(savedState)
    optimizer.loadState(savedOptimizer)
    disposeOptimizerState(savedOptimizer)
  }
  const { suggestions, proposals, trimmed } = suggestLrs(lrs, smoothed, o.numIter)
  return {
    lrs: Float64Array.from(lrs), losses: Float64Array.from(losses), smoothed: Float64Array.from(smoothed),
    suggestions, proposals, trimmed, stoppedEarly: stopReason !== null, stopReason, options: o,
  }
}

export interface RangeTestRunOptions {
  /** Fine-tuning: start from this model.json (as train's initModelJson; config.model.newHead applies). */
  initModelJson?: string
}

/** The range test for a run config: its data, model (fresh, or from initModelJson), parameter groups, optimizer and clipping. */
export async function runRangeTest(config: RunConfig, o: RangeTestOptions, onProgress?: (done: number, total: number) => void, runOpts: RangeTestRunOptions = {}): Promise<RangeTestResult> {
  const { train } = splitDataset(loadDataset(config.data, config.seed), config.validationSplit, config.seed)
  const lossProblem = checkLossFits(config.loss, train)
  if (lossProblem) throw new ConfigError([lossProblem])
  const model = buildModel(config.model, train.features, outputsFor(config.loss, train), config.seed)
  if (runOpts.initModelJson) {
    const saved = loadLayerWeights(runOpts.initModelJson)
    try {
      applyLayerWeights(model, saved, config.model.kind === 'mlp' && config.model.newHead, runOpts.initModelJson)
    } catch (e) {
      model.dispose()
      throw e
    } finally {
      tf.dispose(saved.flatMap((l) => l.tensors))
    }
  }
  // The run's parameter groups: frozen layers stay put, the others sweep at LR × their factor.
  const plan = planGroups(config, model.layers)
  const groups: RangeTestGroups = { vars: plan.layers.map((l) => l.vars), factors: plan.factors }
  const optimizer = createOptimizer(config.optimizer, groups.vars.map((vars) => ({ vars })))
  const xAll = tf.tensor2d(train.x, [train.rows, train.features])
  const yAll = targetTensor(config.loss, train)
  const batch = config.batchSize === 'full' ? train.rows : Math.min(config.batchSize, train.rows)
  const rng = createRng(config.seed ^ 0x1f1d)
  let order = permutation(train.rows, rng)
  let pos = 0
  const batches = (): { x: tf.Tensor2D; y: tf.Tensor2D } => {
    if (batch >= train.rows) return { x: xAll, y: yAll }
    if (pos + batch > train.rows) {
      order = permutation(train.rows, rng)
      pos = 0
    }
    const idx = tf.tensor1d(order.subarray(pos, pos + batch), 'int32')
    pos += batch
    return { x: tf.gather(xAll, idx), y: tf.gather(yAll, idx) }
  }
  const fused = wasmTuningActive()
  const lossFn = (out: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar => lossOf(config.loss, y, out, fused)
  try {
    return await rangeTestOn(model, optimizer, batches, lossFn, config, o, onProgress, groups)
  } finally {
    tf.dispose([xAll, yAll])
    optimizer.dispose()
    model.dispose()
  }
}
