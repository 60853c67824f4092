/**
 * torch.optim.NAdam (1.13): Adam with Nesterov momentum under the warm-up schedule
 * μ_k = β1·(1 − ½·0.96^(k·ψ)); the running product of μ (mu_product) is kept per group in JS.
 *
 * PyTorch 1.13 quirk, reproduced on purpose: the momentum term's denominator uses
 * Π_k·μ_k·μ_{k+1} (μ_k counted twice, `mu_product * mu * mu_next` after the in-place
 * `mu_product *= mu`), not the Π_k·μ_{k+1} of the docs and of later releases. The
 * 1.13 reference traces agree with this to 1e-11 and differ from the documented form by ~0.5%.
 * 1.13's multi-tensor path (`foreach=True`, `_multi_tensor_nadam`) uses Π_k·μ_{k+1}; a config
 * with `foreach: true` gets that one.
 */
import * as tf from '@tensorflow/tfjs'
import type { OptimizerConfig } from '../../../shared/optimizer-config'
import { SlotOptimizer, type GroupStep } from './slots'
import type { ParamGroup } from './types'

type NAdamConfig = Extract<OptimizerConfig, { type: 'nadam' }>

export class NAdam extends SlotOptimizer {
  constructor(
    private readonly cfg: NAdamConfig,
    groups: ParamGroup[],
  ) {
    super('nadam', groups, { mu_product: 1 })
  }

  baseMomentum(): number {
    return this.cfg.beta1
  }

  protected updateGroup(g: number, s: GroupStep, vars: tf.Variable[], grads: tf.Tensor[]): void {
    const { weightDecay, beta2, momentumDecay } = this.cfg
    const beta1 = s.momentum ?? this.cfg.beta1
    const mu = beta1 * (1 - 0.5 * 0.96 ** (s.k * momentumDecay))
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((s.k + 1) * momentumDecay))
    const muProduct = (s.scalars.mu_product ?? 1) * mu
    s.scalars.mu_product = muProduct
    const muProductNext = this.cfg.foreach ? muProduct * muNext : muProduct * mu * muNext
    const b1 = tf.scalar(beta1)
    const oneMinusB1 = tf.scalar(1 - beta1)
    const b2 = tf.scalar(beta2)
    const oneMinusB2 = tf.scalar(1 - beta2)
    const bc2 = tf.scalar(1 - beta2 ** s.k)
    const eps = tf.scalar(this.cfg.eps)
    const wd = tf.scalar(weightDecay)
    const gradCoef = tf.scalar((-s.lr * (1 - mu)) / (1 - muProduct))
    const momentumCoef = tf.scalar((-s.lr * muNext) / (1 - muProductNext))
    vars.forEach((p, i) => {
      let grad = grads[i]!
      if (weightDecay !== 0) grad = grad.add(p.mul(wd))
      const m = this.filledSlot(g, i, 'exp_avg', p)
      const v = this.filledSlot(g, i, 'exp_avg_sq', p)
      m.assign(m.mul(b1).add(grad.mul(oneMinusB1)))
      v.assign(v.mul(b2).add(grad.square().mul(oneMinusB2)))
      const denom = v.div(bc2).sqrt().add(eps)
      p.assign(p.add(grad.div(denom).mul(gradCoef)).add(m.div(denom).mul(momentumCoef)))
    })
  }
}
