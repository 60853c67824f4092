/**
 * The LR range test: train on successive batches while the learning rate sweeps from
 * startLr to endLr, record the loss, stop at divergence, then put the model and the
 * optimizer back exactly as they were. Suggestions come from shared/lr-finder.
 */
import * as tf from '@tensorflow/tfjs'
import type { RunConfig } from '../../shared/config'
import { createSmoother, suggestLrs, sweepLr, type RangeTestOptions } from '../../shared/lr-finder'
import type { RangeTestResultData } from '../../shared/api'
import type { Model } from './model'
import { disposeOptimizerState, type Optimizer } from './optimizers'
import { createRng, permutation } from './random'
import { dataOnBackend, planLoadedRun, prepareTraining, stepFunction, trainingStep, type StepFunction, type StepGroups } from './train'

/** The result travels to the UI as is: one type for both sides. */
export type RangeTestResult = RangeTestResultData

/** Which variables train and each group's factor on the swept LR (default: everything, one group at factor 1). */
export type RangeTestGroups = StepGroups

/**
 * Sweep on an existing model and optimizer; both are restored before it returns (weights,
 * buffers such as batch-norm statistics, and optimizer state). The model trains as in a run:
 * dropout on, batch statistics updated. The recorded LR is the base group's; with parameter
 * groups each group steps at LR × its factor (fastai sweeps every group alike the same way).
 */
export async function rangeTestOn(
  model: Model,
  optimizer: Optimizer,
  batches: (i: number) => { x: tf.Tensor2D; y: tf.Tensor2D },
  lossFn: (out: tf.Tensor2D, y: tf.Tensor2D) => tf.Scalar,
  config: RunConfig,
  o: RangeTestOptions,
  onProgress?: (done: number, total: number) => void,
  groups: RangeTestGroups = { vars: [model.variables()], factors: [1] },
): Promise<RangeTestResult> {
  return sweep(model, optimizer, stepFunction(model, optimizer, groups, lossFn, config.clipping), batches, o, onProgress)
}

/**
 * The range test as a mode of training: the run's own step (trainingStep) on the run's own
 * batches in the run's order (BatchOrder), only the LR swept per step and the loss read every
 * step for the stop rule, and the model and optimizer put back afterwards.
 */
async function sweep(
  model: Model,
  optimizer: Optimizer,
  step: StepFunction,
  batches: (i: number) => { x: tf.Tensor2D; y: tf.Tensor2D },
  o: RangeTestOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<RangeTestResult> {
  const state = [...model.variables(), ...model.layers.flatMap((l) => l.buffers ?? [])]
  const savedState = state.map((v) => tf.keep(v.clone()))
  const savedOptimizer = optimizer.saveState()
  const smooth = createSmoother(o)
  const lrs: number[] = []
  const losses: number[] = []
  const smoothed: number[] = []
  let best = Infinity
  let stopReason: string | null = null
  try {
    for (let i = 0; i < o.numIter; i++) {
      const lr = sweepLr(o, i)
      const scalars = tf.tidy(() => {
        const { x, y } = batches(i)
        return step(x, y, { lr }).scalars
      })
      // One read a step: the stop rule needs the loss before the next step.
      const loss = (await scalars.data())[0]!
      scalars.dispose()
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
    lrs: Float64Array.from(lrs),
    losses: Float64Array.from(losses),
    smoothed: Float64Array.from(smoothed),
    suggestions,
    proposals,
    trimmed,
    stoppedEarly: stopReason !== null,
    stopReason,
    options: o,
  }
}

export interface RangeTestRunOptions {
  /** Fine-tuning: start from this model.json (as train's initModelJson; config.model.newHead applies). */
  initModelJson?: string
}

/**
 * The range test for a run config, set up exactly as its run (prepareTraining, trainingStep):
 * its data, model (fresh, or from initModelJson), parameter groups, optimizer, clipping and
 * the backend's fast paths; step i trains on the batch the run's step i would.
 */
export async function runRangeTest(config: RunConfig, o: RangeTestOptions, onProgress?: (done: number, total: number) => void, runOpts: RangeTestRunOptions = {}): Promise<RangeTestResult> {
  const { loaded, data, model } = prepareTraining(config, runOpts)
  const plan = planLoadedRun(config, loaded, data)
  const tensors = dataOnBackend(config, data, false)
  const stepper = trainingStep(config, model)
  // Its own shuffled batches (the sweep may outlast an epoch; each batch is full-sized).
  const rng = createRng(config.seed ^ 0x1f1d)
  let order = permutation(plan.trainRows, rng)
  let pos = 0
  try {
    const batches = (): { x: tf.Tensor2D; y: tf.Tensor2D } => {
      if (plan.batchSize >= plan.trainRows) return { x: tensors.xAll, y: tensors.yAll }
      if (pos + plan.batchSize > plan.trainRows) {
        order = permutation(plan.trainRows, rng)
        pos = 0
      }
      const idx = tf.tensor1d(order.subarray(pos, pos + plan.batchSize), 'int32')
      pos += plan.batchSize
      return { x: tf.gather(tensors.xAll, idx), y: tf.gather(tensors.yAll, idx) }
    }
    return await sweep(model, stepper.optimizer, stepper.run, batches, o, onProgress)
  } finally {
    tensors.dispose()
    stepper.optimizer.dispose()
    model.dispose()
  }
}
