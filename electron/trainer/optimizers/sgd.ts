/** torch.optim.SGD (1.13): L2 weight decay, momentum with dampening, Nesterov; lr applied to the velocity. */
import * as tf from '@tensorflow/tfjs'
import type { OptimizerConfig } from '../../../shared/optimizer-config'
import { SlotOptimizer, type GroupStep } from './slots'
import type { ParamGroup } from './types'

type SgdConfig = Extract<OptimizerConfig, { type: 'sgd' }>

export class Sgd extends SlotOptimizer {
  constructor(
    private readonly cfg: SgdConfig,
    groups: ParamGroup[],
  ) {
    super('sgd', groups)
  }

  baseMomentum(): number {
    return this.cfg.momentum
  }

  protected updateGroup(g: number, s: GroupStep, vars: tf.Variable[], grads: tf.Tensor[]): void {
    const { weightDecay, dampening, nesterov } = this.cfg
    const mu = s.momentum ?? this.cfg.momentum
    const negLr = tf.scalar(-s.lr)
    const wd = tf.scalar(weightDecay)
    const muS = tf.scalar(mu)
    const keep = tf.scalar(1 - dampening)
    vars.forEach((p, i) => {
      let d = grads[i]!
      if (weightDecay !== 0) d = d.add(p.mul(wd))
      if (mu !== 0) {
        const buf = this.slot(g, i, 'momentum_buffer')
        // The first step copies the gradient into the buffer: no dampening applied to it.
        const next = buf ? buf.mul(muS).add(d.mul(keep)) : d
        const b = this.setSlot(g, i, 'momentum_buffer', next)
        d = nesterov ? d.add(b.mul(muS)) : b
      }
      p.assign(p.add(d.mul(negLr)))
    })
  }
}
