/** torch.optim.Adagrad (1.13): accumulator starts at initialAccumulatorValue, eps outside the sqrt, lr decays with the step. */
import * as tf from '@tensorflow/tfjs'
import type { OptimizerConfig } from '../../../shared/optimizer-config'
import { SlotOptimizer, type GroupStep } from './slots'
import type { ParamGroup } from './types'

type AdagradConfig = Extract<OptimizerConfig, { type: 'adagrad' }>

export class Adagrad extends SlotOptimizer {
  constructor(
    private readonly cfg: AdagradConfig,
    groups: ParamGroup[],
  ) {
    super('adagrad', groups)
  }

  baseMomentum(): undefined {
    return undefined
  }

  protected updateGroup(g: number, s: GroupStep, vars: tf.Variable[], grads: tf.Tensor[]): void {
    const { weightDecay, lrDecay, initialAccumulatorValue } = this.cfg
    const negClr = tf.scalar(-s.lr / (1 + (s.k - 1) * lrDecay))
    const wd = tf.scalar(weightDecay)
    const eps = tf.scalar(this.cfg.eps)
    vars.forEach((p, i) => {
      let grad = grads[i]!
      if (weightDecay !== 0) grad = grad.add(p.mul(wd))
      const sum = this.filledSlot(g, i, 'sum', p, initialAccumulatorValue)
      sum.assign(sum.add(grad.square()))
      p.assign(p.add(grad.div(sum.sqrt().add(eps)).mul(negClr)))
    })
  }
}
