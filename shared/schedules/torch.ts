/**
 * Translating a PyTorch (or Keras) scheduler constructor call — class name and keyword
 * arguments — into a schedule config. Used by the golden tests, and by the UI to accept a
 * schedule written the PyTorch way. Unknown or unsupported arguments are refused, never dropped.
 */
import type { ScheduleInput } from './schema'

type Params = Record<string, unknown>

/** torch keyword → our field, per class; every keyword not listed is an error. */
const RENAMES: Record<string, { type: string; fields: Record<string, string>; defaults?: Params }> = {
  ConstantLR: { type: 'constant-factor', fields: { factor: 'factor', total_iters: 'totalIters' } },
  LinearLR: { type: 'linear', fields: { start_factor: 'startFactor', end_factor: 'endFactor', total_iters: 'totalIters' } },
  StepLR: { type: 'step', fields: { step_size: 'stepSize', gamma: 'gamma' } },
  MultiStepLR: { type: 'multistep', fields: { milestones: 'milestones', gamma: 'gamma' } },
  ExponentialLR: { type: 'exponential', fields: { gamma: 'gamma' } },
  PolynomialLR: { type: 'polynomial', fields: { total_iters: 'totalIters', power: 'power' } },
  CosineAnnealingLR: { type: 'cosine', fields: { T_max: 'tMax', eta_min: 'etaMin' } },
  CosineAnnealingWarmRestarts: { type: 'cosine-restarts', fields: { T_0: 't0', T_mult: 'tMult', eta_min: 'etaMin' } },
  CyclicLR: {
    type: 'cyclic',
    fields: {
      base_lr: 'baseLr',
      max_lr: 'maxLr',
      step_size_up: 'stepSizeUp',
      step_size_down: 'stepSizeDown',
      mode: 'mode',
      gamma: 'gamma',
      cycle_momentum: 'cycleMomentum',
      base_momentum: 'baseMomentum',
      max_momentum: 'maxMomentum',
    },
  },
  OneCycleLR: {
    type: 'one-cycle',
    fields: {
      max_lr: 'maxLr',
      total_steps: 'totalSteps',
      pct_start: 'pctStart',
      anneal_strategy: 'annealStrategy',
      cycle_momentum: 'cycleMomentum',
      base_momentum: 'baseMomentum',
      max_momentum: 'maxMomentum',
      div_factor: 'divFactor',
      final_div_factor: 'finalDivFactor',
      three_phase: 'threePhase',
    },
  },
  ReduceLROnPlateau: {
    type: 'plateau',
    fields: {
      mode: 'mode',
      factor: 'factor',
      patience: 'patience',
      threshold: 'threshold',
      threshold_mode: 'thresholdMode',
      cooldown: 'cooldown',
      min_lr: 'minLr',
      eps: 'eps',
    },
  },
  InverseTimeDecay: { type: 'inverse-time', fields: { decay_steps: 'decaySteps', decay_rate: 'decayRate', staircase: 'staircase' } },
  // Keras's t_mul defaults to 2 (PyTorch's T_mult to 1).
  CosineDecayRestarts: { type: 'cosine-restarts', fields: { first_decay_steps: 't0', t_mul: 'tMult', m_mul: 'peakDecay' }, defaults: { tMult: 2 } },
}

/** Arguments that change nothing about the schedule when at these values. */
const INERT: Params = { last_epoch: -1, verbose: false, scale_mode: undefined, initial_learning_rate: undefined, name: undefined }

/** Fields whose value is itself a list (a one-element list is one milestone, not a per-group value). */
const LIST_FIELDS = new Set(['milestones'])

/** A single-group value: PyTorch accepts per-group lists for lrs and momenta. */
function scalar(field: string, v: unknown): unknown {
  return !LIST_FIELDS.has(field) && Array.isArray(v) && v.length === 1 ? v[0] : v
}

export function fromTorchScheduler(name: string, params: Params, baseLr: number): ScheduleInput {
  if (name === 'SequentialLR') {
    const kids = params['schedulers']
    if (!Array.isArray(kids)) throw new Error('SequentialLR: schedulers must be a list of { scheduler, params }')
    for (const k of Object.keys(params)) if (!['schedulers', 'milestones', 'last_epoch', 'verbose'].includes(k)) throw new Error(`SequentialLR: unsupported argument ${k}`)
    return {
      type: 'sequential',
      schedules: kids.map((k: { scheduler: string; params?: Params }) => fromTorchScheduler(k.scheduler, k.params ?? {}, baseLr)),
      milestones: params['milestones'] as number[],
    }
  }
  const spec = RENAMES[name]
  if (!spec) throw new Error(`no LR Lab schedule for ${name} (supported: ${['SequentialLR', ...Object.keys(RENAMES)].join(', ')})`)
  const out: Params = { type: spec.type, ...spec.defaults }
  for (const [key, raw] of Object.entries(params)) {
    const field = spec.fields[key]
    if (field) {
      if (raw !== null && raw !== undefined) out[field] = scalar(field, raw)
    } else if (name === 'CyclicLR' && key === 'scale_fn') {
      if (raw !== null) throw new Error('CyclicLR: a custom scale_fn cannot be expressed; use mode')
    } else if (name === 'OneCycleLR' && (key === 'epochs' || key === 'steps_per_epoch')) {
      // total_steps wins when given, as in PyTorch.
      if (params['total_steps'] == null && params['epochs'] != null && params['steps_per_epoch'] != null) out['totalSteps'] = (params['epochs'] as number) * (params['steps_per_epoch'] as number)
    } else if (name === 'CosineDecayRestarts' && key === 'alpha') {
      out['etaMin'] = (raw as number) * baseLr // Keras's floor is a fraction of lr0
    } else if (!(key in INERT) || (INERT[key] !== undefined && raw !== INERT[key])) {
      throw new Error(`${name}: unsupported argument ${key}=${JSON.stringify(raw)}`)
    }
  }
  return out as unknown as ScheduleInput
}
