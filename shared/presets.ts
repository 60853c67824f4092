/**
 * Named, versioned configs: the seed article's demos on its linear regression (all from the
 * same starting weights) and real-data recipes. The CLI (`--preset`) and the UI offer this list.
 */
import type { RunConfigInput } from './config'
import type { RangeTestInput } from './lr-finder'

export interface Preset {
  name: string
  /** Bumped whenever the config changes, so a run records which recipe it followed. */
  version: number
  title: string
  description: string
  config: RunConfigInput
  /** For range-test presets: the sweep `lrlab find-lr --preset` runs. */
  rangeTest?: RangeTestInput
}

/** The article's setup: 100 points, y = 2x + 3 + noise, Linear(1, 1) from weight 0.5 and bias −0.2, full batch. */
const article = (name: string, extra: Partial<RunConfigInput> & Pick<RunConfigInput, 'optimizer'>): RunConfigInput => ({
  name,
  data: { kind: 'linreg', n: 100, noise: 1 },
  model: { kind: 'linear', init: { weight: [[0.5]], bias: [-0.2] } },
  loss: 'mse',
  epochs: 100,
  batchSize: 'full',
  validationSplit: 0.2,
  seed: 0,
  ...extra,
})

export const PRESETS: Preset[] = [
  {
    name: 'article-sgd',
    version: 1,
    title: 'Constant learning rate (SGD 0.01)',
    description: 'Plain gradient descent at a fixed 0.01: the baseline every other demo is compared with.',
    config: article('article: constant SGD', { optimizer: { type: 'sgd', lr: 0.01 } }),
  },
  {
    name: 'article-time-decay',
    version: 1,
    title: 'Time decay (0.1, ×0.95 per epoch)',
    description: 'Starts ten times higher and shrinks 5% each epoch. On this data the start is too hot: the loss blows up before the decay brings it back.',
    config: article('article: time decay', { optimizer: { type: 'sgd', lr: 0.1 }, schedule: { type: 'exponential', gamma: 0.95, stepUnit: 'epoch' } }),
  },
  {
    name: 'article-adam',
    version: 1,
    title: 'Adam at 0.01',
    description: 'An adaptive optimizer: per-parameter step sizes from running gradient moments; steady, but slow on this well-scaled problem at 0.01.',
    config: article('article: Adam', { optimizer: { type: 'adam', lr: 0.01 } }),
  },
  {
    name: 'article-cyclic',
    version: 1,
    title: 'Cyclical learning rate (0.001 ↔ 0.1, 10-epoch period)',
    description:
      'Triangular cycles between 0.001 and 0.1, five epochs up and five down. On this data 0.1 is past the stable limit (about 0.03): each up-swing lifts the loss higher than the down-swing can repair, until it diverges mid-run. Lower maxLr to 0.03 to see the cycles settle.',
    config: article('article: cyclic', {
      optimizer: { type: 'sgd', lr: 0.001 },
      schedule: { type: 'cyclic', baseLr: 0.001, maxLr: 0.1, stepSizeUp: 5, mode: 'triangular', cycleMomentum: false, stepUnit: 'epoch' },
    }),
  },
  {
    name: 'article-warm-restarts',
    version: 1,
    title: 'Cosine warm restarts (every 20 epochs, peaks ×0.8)',
    description: 'Cosine annealing that restarts every 20 epochs, each restart peaking at 0.8× the previous one.',
    config: article('article: warm restarts', {
      optimizer: { type: 'sgd', lr: 0.02 },
      schedule: { type: 'cosine-restarts', t0: 20, tMult: 1, peakDecay: 0.8, stepUnit: 'epoch' },
    }),
  },
  {
    name: 'article-too-large',
    version: 1,
    title: 'Too large: divergence (SGD 0.05)',
    description: 'Past the stable limit every step overshoots by more than the last: the loss explodes to infinity and the run stops as diverged.',
    config: article('article: too large', { optimizer: { type: 'sgd', lr: 0.05 } }),
  },
  {
    name: 'article-too-small',
    version: 2,
    title: 'Too small: crawling (SGD 0.001)',
    description:
      "The article's too-small rate, ten times below the baseline: every step is safe and small; after ten epochs the loss is still many times the baseline's and after 100 it has not caught up.",
    config: article('article: too small', { optimizer: { type: 'sgd', lr: 0.001 } }),
  },
  {
    name: 'article-range-test',
    version: 1,
    title: 'LR range test (from 1e-4 upward)',
    description: 'Sweeps the learning rate exponentially from 1e-4 to 1 over 100 full-batch steps and proposes where to train: below the point where the loss turns up.',
    config: article('article: range test', { optimizer: { type: 'sgd', lr: 0.01 } }),
    rangeTest: { startLr: 1e-4, endLr: 1, numIter: 100, mode: 'exp', smoothing: 'debiased', beta: 0.98, divergeFactor: 4 },
  },
  {
    name: 'digits-mlp',
    version: 1,
    title: 'Digits: MLP, Adam with one-cycle and clipping',
    description: 'The 8×8 handwritten digits, a 64-64-10 MLP, Adam under a one-cycle schedule (max 0.01) with gradient-norm clipping at 1; reaches over 90% validation accuracy in 20 epochs.',
    config: {
      name: 'digits: MLP one-cycle',
      data: { kind: 'digits' },
      model: { kind: 'mlp', hidden: [64], activation: 'relu' },
      loss: 'crossEntropy',
      optimizer: { type: 'adam', lr: 0.01 },
      schedule: { type: 'one-cycle', maxLr: 0.01, stepUnit: 'batch' },
      clipping: { mode: 'norm', maxNorm: 1 },
      epochs: 20,
      batchSize: 32,
      validationSplit: 0.2,
      seed: 0,
    },
  },
]

PRESETS.push({
  name: 'digits-finetune',
  version: 1,
  title: 'Digits: fine-tune a saved backbone (1e-4) with a new head (1e-3)',
  description:
    'Loads the newest finished digits-mlp run (training one first if there is none), gives it a new head, and fine-tunes with a 10× lower learning rate for the pretrained layer than for the head.',
  config: {
    name: 'digits: fine-tune',
    data: { kind: 'digits' },
    model: { kind: 'mlp', hidden: [64], activation: 'relu', initFrom: { preset: 'digits-mlp' }, newHead: true },
    loss: 'crossEntropy',
    optimizer: { type: 'adam', lr: 1e-3 },
    paramGroups: { mode: 'values', layers: { dense1: 1e-4 } },
    epochs: 5,
    batchSize: 32,
    validationSplit: 0.2,
    seed: 1,
  },
})

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name)
}
