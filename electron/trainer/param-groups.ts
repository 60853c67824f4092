/**
 * Parameter groups on the model's layers: the factors come from shared/param-groups (the
 * builder's preview uses the same ones).
 */
import { layerNames, type RunConfig } from '../../shared/config'
import { groupFactors } from '../../shared/param-groups'
import type { Layer } from './model'

export interface GroupPlan {
  /** Trainable layers, input to output; one optimizer group each. */
  layers: Layer[]
  /** LR factor of each trainable layer on the scheduled LR. */
  factors: number[]
  frozen: Layer[]
}

export function planGroups(config: RunConfig, layers: Layer[]): GroupPlan {
  const { trainable, factors } = groupFactors(
    config,
    layers.map((l) => l.name),
  )
  const byName = new Map(layers.map((l) => [l.name, l]))
  return { layers: trainable.map((n) => byName.get(n)!), factors, frozen: layers.filter((l) => !trainable.includes(l.name)) }
}

/** Epoch columns a run records: the basics, each layer's LR when groups differ, and per-layer health checks. */
export function epochColumnsFor(config: RunConfig, base: readonly string[]): string[] {
  const names = layerNames(config.model)
  const perLayer = names.flatMap((n) => [`w_norm/${n}`, `g_norm/${n}`, `update_ratio/${n}`])
  const lrs = config.paramGroups ? names.map((n) => `lr/${n}`) : []
  return [...base, ...lrs, ...perLayer]
}
