/**
 * PyTorch 1.13's optimizers (single-tensor path) written on tfjs ops. tfjs's own optimizers
 * differ from PyTorch (eps placement, defaults, stale Adadelta state, inert setMomentum) and
 * cannot take a new lr or momentum/beta1 at every step per parameter group; these can.
 */
import type { OptimizerConfig } from '../../../shared/optimizer-config'
import type { Optimizer, ParamGroup } from './types'
import { Sgd } from './sgd'
import { Adagrad } from './adagrad'
import { RmsProp } from './rmsprop'
import { Adadelta } from './adadelta'
import { Adam } from './adam'
import { Adamax } from './adamax'
import { NAdam } from './nadam'

export type { GroupHyper, Optimizer, OptimizerState, GroupStateSnapshot, ParamGroup } from './types'
export { disposeOptimizerState } from './slots'

export function createOptimizer(cfg: OptimizerConfig, groups: ParamGroup[]): Optimizer {
  switch (cfg.type) {
    case 'sgd':
      return new Sgd(cfg, groups)
    case 'adagrad':
      return new Adagrad(cfg, groups)
    case 'rmsprop':
      return new RmsProp(cfg, groups)
    case 'adadelta':
      return new Adadelta(cfg, groups)
    case 'adam':
    case 'adamw':
      return new Adam(cfg, groups)
    case 'adamax':
      return new Adamax(cfg, groups)
    case 'nadam':
      return new NAdam(cfg, groups)
  }
}
