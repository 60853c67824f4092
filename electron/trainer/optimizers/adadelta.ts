/** torch.optim.Adadelta (1.13): the step uses the freshly updated square average (tfjs uses the stale one). */
import * as tf from '@tensorflow/tfjs'
import type { OptimizerConfig } from '../../../shared/optimizer-config'
import { SlotOptimizer, type GroupStep } from './slots'
import type { ParamGroup } from './types'

type AdadeltaConfig = Extract<OptimizerConfig, { type: 'adadelta' }>

export class Adadelta extends SlotOptimizer {
  constructor(
    private readonly cfg: AdadeltaConfig,
    groups: ParamGroup[],
  ) {
    super('adadelta', groups)
  }

  baseMomentum(): undefined {
    return undefined
  }

  protected updateGroup(g: number, s: GroupStep, vars: tf.Variable[], grads: tf.Tensor[]): void {
    const { weightDecay, rho } = this.cfg
    const negLr = tf.scalar(-s.lr)
    const wd = tf.scalar(weightDecay)
    const rhoS = tf.scalar(rho)
    const oneMinusRho = tf.scalar(1 - rho)
    const eps = tf.scalar(this.cfg.eps)
    vars.forEach((p, i) => {
      let grad = grads[i]!
      if (weightDecay !== 0) grad = grad.add(p.mul(wd))
      const squareAvg = this.filledSlot(g, i, 'square_avg', p)
      const accDelta = this.filledSlot(g, i, 'acc_delta', p)
      squareAvg.assign(squareAvg.mul(rhoS).add(grad.square().mul(oneMinusRho)))
      const delta = accDelta.add(eps).sqrt().div(squareAvg.add(eps).sqrt()).mul(grad)
      accDelta.assign(accDelta.mul(rhoS).add(delta.square().mul(oneMinusRho)))
      p.assign(p.add(delta.mul(negLr)))
    })
  }
}
