/**
 * Parameter groups: which layers train and each one's learning-rate factor on the
 * scheduled LR (multipliers, explicit values, or fastai's geometric spread).
 */
import { layerNames, type RunConfig } from '../../shared/config'
import type { Layer } from './model'

export interface GroupPlan {
  /** Trainable layers, input to output; one optimizer group each. */
  layers: Layer[]
  /** LR factor of each trainable layer on the scheduled LR. */
  factors: number[]
  frozen: Layer[]
}

export function planGroups(config: RunConfig, layers: Layer[]): GroupPlan {
  const g = config.paramGroups
  const frozenNames = new Set(g?.freeze ?? [])
  const trainable = layers.filter((l) => !frozenNames.has(l.name))
  const frozen = layers.filter((l) => frozenNames.has(l.name))
  const base = config.optimizer.lr
  let factors = trainable.map(() => 1)
  if (g?.mode === 'multipliers') factors = trainable.map((l) => g.layers[l.name] ?? 1)
  else if (g?.mode === 'values') factors = trainable.map((l) => (g.layers[l.name] ?? base) / base)
  else if (g?.mode === 'spread') {
    // Geometric from firstLr (first trainable layer) to the optimizer's LR (the head).
    const n = trainable.length
    const r = g.firstLr! / base
    factors = trainable.map((_, i) => (n === 1 ? 1 : Math.pow(r, 1 - i / (n - 1))))
  }
  return { layers: trainable, factors, frozen }
}

/** Epoch columns a run records: the basics, each layer's LR when groups differ, and per-layer health checks. */
export function epochColumnsFor(config: RunConfig, base: readonly string[]): string[] {
  const names = layerNames(config.model)
  const perLayer = names.flatMap((n) => [`w_norm/${n}`, `g_norm/${n}`, `update_ratio/${n}`])
  const lrs = config.paramGroups ? names.map((n) => `lr/${n}`) : []
  return [...base, ...lrs, ...perLayer]
}
