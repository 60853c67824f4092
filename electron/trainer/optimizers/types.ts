import type * as tf from '@tensorflow/tfjs'

/** Per-step, per-group hyperparameters (a schedule's output). */
export interface GroupHyper {
  lr: number
  /** Overrides SGD/RMSprop momentum, or beta1 for the Adam family, when a schedule cycles it. */
  momentum?: number
}

export interface ParamGroup {
  vars: tf.Variable[]
}

export interface Optimizer {
  /** One update. grads[g][i] is the gradient of groups[g].vars[i]; caller disposes grads. hyper[g] for group g. */
  step(grads: tf.Tensor[][], hyper: GroupHyper[]): void
  /** Deep copy of all optimizer state (step counts and slot tensors), for the LR range test. Free it with disposeOptimizerState. */
  saveState(): OptimizerState
  /** Restore a saved state. Consumes nothing (the state stays usable); disposes what it replaces. */
  loadState(state: OptimizerState): void
  dispose(): void
  /** The config's momentum (SGD/RMSprop) or beta1 (Adam family), for schedules that cycle it; undefined if none. */
  baseMomentum(): number | undefined
}

/** A snapshot of one parameter group's optimizer state. */
export interface GroupStateSnapshot {
  /** Steps taken (PyTorch's state['step']). */
  step: number
  /** Scalar state kept in JS, e.g. NAdam's mu_product. */
  scalars: Record<string, number>
  /** slots[i][name]: the named state tensor of vars[i] (e.g. exp_avg); absent until first created. */
  slots: Array<Record<string, tf.Tensor>>
}

export interface OptimizerState {
  type: string
  groups: GroupStateSnapshot[]
}
