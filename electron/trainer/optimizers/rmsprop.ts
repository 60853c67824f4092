/** torch.optim.RMSprop (1.13): no bias correction, eps outside the sqrt, lr applied outside the momentum buffer. */
import * as tf from '@tensorflow/tfjs'
import type { OptimizerConfig } from '../../../shared/optimizer-config'
import { SlotOptimizer, type GroupStep } from './slots'
import type { ParamGroup } from './types'

type RmsPropConfig = Extract<OptimizerConfig, { type: 'rmsprop' }>

export class RmsProp extends SlotOptimizer {
  constructor(
    private readonly cfg: RmsPropConfig,
    groups: ParamGroup[],
  ) {
    super('rmsprop', groups)
  }

  baseMomentum(): number {
    return this.cfg.momentum
  }

  protected updateGroup(g: number, s: GroupStep, vars: tf.Variable[], grads: tf.Tensor[]): void {
    const { weightDecay, alpha, centered } = this.cfg
    const mu = s.momentum ?? this.cfg.momentum
    const negLr = tf.scalar(-s.lr)
    const wd = tf.scalar(weightDecay)
    const alphaS = tf.scalar(alpha)
    const oneMinusAlpha = tf.scalar(1 - alpha)
    const eps = tf.scalar(this.cfg.eps)
    const muS = tf.scalar(mu)
    vars.forEach((p, i) => {
      let grad = grads[i]!
      if (weightDecay !== 0) grad = grad.add(p.mul(wd))
      const squareAvg = this.filledSlot(g, i, 'square_avg', p)
      squareAvg.assign(squareAvg.mul(alphaS).add(grad.square().mul(oneMinusAlpha)))
      let avg: tf.Tensor
      if (centered) {
        const gradAvg = this.filledSlot(g, i, 'grad_avg', p)
        gradAvg.assign(gradAvg.mul(alphaS).add(grad.mul(oneMinusAlpha)))
        avg = squareAvg.sub(gradAvg.square()).sqrt().add(eps)
      } else {
        avg = squareAvg.sqrt().add(eps)
      }
      if (mu > 0) {
        const buf = this.filledSlot(g, i, 'momentum_buffer', p)
        buf.assign(buf.mul(muS).add(grad.div(avg)))
        p.assign(p.add(buf.mul(negLr)))
      } else {
        p.assign(p.add(grad.div(avg).mul(negLr)))
      }
    })
  }
}
