/** Named sweeps: the CLI (`lrlab sweep --preset`) and the race view offer these. */
import { PRESETS, findPreset } from './presets'
import type { SweepSpecInput } from './sweep'

export interface SweepPreset {
  name: string
  title: string
  description: string
  spec: SweepSpecInput
}

/** The article's seven demos (every article preset that is a run, not the range test). */
const ARTICLE_DEMOS = PRESETS.filter((p) => p.name.startsWith('article-') && !p.rangeTest)

// The digits recipe without its own name, schedule and clipping: the sweep varies the schedule.
const { name: _name, schedule: _schedule, ...digits } = findPreset('digits-mlp')!.config

export const SWEEP_PRESETS: SweepPreset[] = [
  {
    name: 'article-race',
    title: 'The article race: seven demos side by side',
    description: "Constant SGD, time decay, Adam, a cyclical rate, warm restarts, too large and too small, on the same data from the same starting weights: the article's comparison as one race.",
    spec: {
      name: 'article race',
      base: {},
      variants: ARTICLE_DEMOS.map((p) => ({ ...p.config, preset: `${p.name}@${p.version}` })),
    },
  },
  {
    name: 'digits-lr-sweep',
    title: 'Digits: learning rate × schedule (Adam, 9 LRs from 1e-4 to 1)',
    description: 'The digits MLP under Adam at nine learning rates on a log grid, each constant, cosine-annealed and one-cycle (peak = the LR): where each schedule is too slow, best, and diverges.',
    spec: {
      name: 'digits lr sweep',
      base: { ...digits, clipping: { mode: 'none' }, epochs: 10 },
      grid: {
        'optimizer.lr': { logspace: [1e-4, 1, 9] },
        schedule: [{ type: 'constant' }, { type: 'cosine', stepUnit: 'batch' }, { type: 'one-cycle', stepUnit: 'batch' }],
      },
    },
  },
]

export function findSweepPreset(name: string): SweepPreset | undefined {
  return SWEEP_PRESETS.find((p) => p.name === name)
}
