/**
 * Parameter groups as the engine applies them: each trainable layer's factor on the scheduled
 * LR (multipliers, explicit values, or fastai's geometric spread) and the frozen layers. The
 * trainer builds its optimizer groups from this, the builder previews one LR line per group.
 */
import { layerNames, type RunConfig } from './config'

export interface GroupFactors {
  /** Trainable layer names, input to output; one optimizer group each. */
  trainable: string[]
  /** LR factor of each trainable layer on the scheduled LR. */
  factors: number[]
  frozen: string[]
}

/** Factors for the given layer names (the model's, in order); without paramGroups every factor is 1. */
export function groupFactors(config: RunConfig, names: readonly string[] = layerNames(config.model)): GroupFactors {
  const g = config.paramGroups
  const frozenNames = new Set(g?.freeze ?? [])
  const trainable = names.filter((n) => !frozenNames.has(n))
  const frozen = names.filter((n) => frozenNames.has(n))
  const base = config.optimizer.lr
  let factors = trainable.map(() => 1)
  if (g?.mode === 'multipliers') factors = trainable.map((n) => g.layers[n] ?? 1)
  else if (g?.mode === 'values') factors = trainable.map((n) => (g.layers[n] ?? base) / base)
  else if (g?.mode === 'spread') {
    // Geometric from firstLr (first trainable layer) to the optimizer's LR (the head).
    const count = trainable.length
    const r = g.firstLr! / base
    factors = trainable.map((_, i) => (count === 1 ? 1 : Math.pow(r, 1 - i / (count - 1))))
  }
  return { trainable, factors, frozen }
}
