/**
 * torch.optim.Adam and AdamW (1.13). Bias corrections use the current beta1 (β1^k), so a
 * schedule may cycle it; eps is added after dividing sqrt(v) by sqrt(1 − β2^k); amsgrad keeps
 * the maximum of the raw v. AdamW decays the weights by lr·wd before the step.
 */
import * as tf from '@tensorflow/tfjs'
import type { OptimizerConfig } from '../../../shared/optimizer-config'
import { SlotOptimizer, type GroupStep } from './slots'
import { fastPath, fusedAdamUpdate } from '../wasm-tuning'
import type { ParamGroup } from './types'

type AdamConfig = Extract<OptimizerConfig, { type: 'adam' | 'adamw' }>

export class Adam extends SlotOptimizer {
  /** Decided once (the one dispatch, ../wasm-tuning's fastPath): reading process.env every step costs more than a small update. */
  private readonly fused = fastPath() !== null

  constructor(
    private readonly cfg: AdamConfig,
    groups: ParamGroup[],
  ) {
    super(cfg.type, groups)
  }

  baseMomentum(): number {
    return this.cfg.beta1
  }

  protected updateGroup(g: number, s: GroupStep, vars: tf.Variable[], grads: tf.Tensor[]): void {
    const { weightDecay, beta2, amsgrad, type } = this.cfg
    const decoupled = type === 'adamw'
    const beta1 = s.momentum ?? this.cfg.beta1
    // Elsewhere (tfjs-node) the fused call would fall back to plain ops with per-parameter scalars.
    if (this.fused) {
      // The same update, bit for bit, in one kernel per parameter instead of ~13 (on wasm a
      // SIMD loop, see ../wasm-tuning/simd-adam).
      const h = { lr: s.lr, beta1, beta2, eps: this.cfg.eps, weightDecay, decoupled, step: s.k }
      vars.forEach((p, i) => {
        const slots = {
          expAvg: this.filledSlot(g, i, 'exp_avg', p),
          expAvgSq: this.filledSlot(g, i, 'exp_avg_sq', p),
          ...(amsgrad && { maxExpAvgSq: this.filledSlot(g, i, 'max_exp_avg_sq', p) }),
        }
        fusedAdamUpdate(p, grads[i]!, slots, h)
      })
      return
    }
    const bc1 = 1 - beta1 ** s.k
    const bc2 = 1 - beta2 ** s.k
    const b1 = tf.scalar(beta1)
    const oneMinusB1 = tf.scalar(1 - beta1)
    const b2 = tf.scalar(beta2)
    const oneMinusB2 = tf.scalar(1 - beta2)
    const eps = tf.scalar(this.cfg.eps)
    const bc2Sqrt = tf.scalar(Math.sqrt(bc2))
    const negStepSize = tf.scalar(-s.lr / bc1)
    const wd = tf.scalar(weightDecay)
    const decay = tf.scalar(1 - s.lr * weightDecay)
    vars.forEach((p, i) => {
      let grad = grads[i]!
      if (weightDecay !== 0) {
        if (decoupled) p.assign(p.mul(decay))
        else grad = grad.add(p.mul(wd))
      }
      const m = this.filledSlot(g, i, 'exp_avg', p)
      const v = this.filledSlot(g, i, 'exp_avg_sq', p)
      m.assign(m.mul(b1).add(grad.mul(oneMinusB1)))
      v.assign(v.mul(b2).add(grad.square().mul(oneMinusB2)))
      let vUsed: tf.Tensor = v
      if (amsgrad) {
        const vMax = this.filledSlot(g, i, 'max_exp_avg_sq', p)
        vMax.assign(tf.maximum(vMax, v))
        vUsed = vMax
      }
      const denom = vUsed.sqrt().div(bc2Sqrt).add(eps)
      p.assign(p.add(m.div(denom).mul(negStepSize)))
    })
  }
}
