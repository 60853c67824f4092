/** torch.optim.Adamax (1.13): u = max(β2·u, |g| + eps), eps inside the max (tfjs adds it outside). */
import * as tf from '@tensorflow/tfjs'
import type { OptimizerConfig } from '../../../shared/optimizer-config'
import { SlotOptimizer, type GroupStep } from './slots'
import type { ParamGroup } from './types'

type AdamaxConfig = Extract<OptimizerConfig, { type: 'adamax' }>

export class Adamax extends SlotOptimizer {
  constructor(
    private readonly cfg: AdamaxConfig,
    groups: ParamGroup[],
  ) {
    super('adamax', groups)
  }

  baseMomentum(): number {
    return this.cfg.beta1
  }

  protected updateGroup(g: number, s: GroupStep, vars: tf.Variable[], grads: tf.Tensor[]): void {
    const { weightDecay, beta2 } = this.cfg
    const beta1 = s.momentum ?? this.cfg.beta1
    const b1 = tf.scalar(beta1)
    const oneMinusB1 = tf.scalar(1 - beta1)
    const b2 = tf.scalar(beta2)
    const eps = tf.scalar(this.cfg.eps)
    const wd = tf.scalar(weightDecay)
    const negClr = tf.scalar(-s.lr / (1 - beta1 ** s.k))
    vars.forEach((p, i) => {
      let grad = grads[i]!
      if (weightDecay !== 0) grad = grad.add(p.mul(wd))
      const m = this.filledSlot(g, i, 'exp_avg', p)
      const u = this.filledSlot(g, i, 'exp_inf', p)
      m.assign(m.mul(b1).add(grad.mul(oneMinusB1)))
      u.assign(tf.maximum(u.mul(b2), grad.abs().add(eps)))
      p.assign(p.add(m.div(u).mul(negClr)))
    })
  }
}
