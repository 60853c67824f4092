/** What each schedule does, in one line and one formula, for the UI. */
import type { Doc } from '../docs'
import type { ScheduleConfig, ScheduleType } from './schema'

/** t = scheduler steps taken (batches or epochs, per stepUnit); lr0 = the optimizer's lr. */
export const SCHEDULE_DOCS: Record<ScheduleType, Doc> = {
  constant: { title: 'Constant', summary: 'The optimizer’s lr for the whole run.', formula: 'lr_t = lr0' },
  'constant-factor': {
    title: 'Constant factor (ConstantLR)',
    summary: 'A reduced lr for the first totalIters steps, then the full lr — a crude warm-up.',
    formula: 'lr_t = lr0·factor for t < totalIters, lr0 after',
  },
  linear: {
    title: 'Linear (LinearLR)',
    summary: 'Moves the lr in a straight line from startFactor·lr0 to endFactor·lr0 over totalIters steps, then holds it.',
    formula: 'lr_t = lr0·(startFactor + (endFactor − startFactor)·min(t, totalIters)/totalIters)',
  },
  'inverse-time': {
    title: 'Inverse time decay',
    summary: 'Shrinks the lr like 1/t: fast at first, then ever more slowly (Keras InverseTimeDecay; staircase decays in whole decaySteps).',
    formula: 'lr_t = lr0 / (1 + decayRate·t/decaySteps)   (staircase: ⌊t/decaySteps⌋)',
  },
  step: {
    title: 'Step decay (StepLR)',
    summary: 'Multiplies the lr by gamma every stepSize steps.',
    formula: 'lr_t = lr0·gamma^⌊t/stepSize⌋',
  },
  multistep: {
    title: 'Multi-step decay (MultiStepLR)',
    summary: 'Multiplies the lr by gamma at each listed milestone.',
    formula: 'lr_t = lr0·gamma^(number of milestones ≤ t)',
  },
  exponential: {
    title: 'Exponential decay (ExponentialLR)',
    summary: 'Multiplies the lr by gamma after every step.',
    formula: 'lr_t = lr0·gamma^t',
  },
  polynomial: {
    title: 'Polynomial decay (PolynomialLR)',
    summary: 'Decays the lr to exactly 0 at totalIters along (1 − t/T)^power, then stays at 0.',
    formula: 'lr_t = lr0·(1 − min(t, T)/T)^power',
  },
  cosine: {
    title: 'Cosine annealing (CosineAnnealingLR)',
    summary: 'Half a cosine from lr0 down to etaMin over tMax steps; like PyTorch, past tMax it climbs back up (period 2·tMax). tMax defaults to the run.',
    formula: 'lr_t = etaMin + (lr0 − etaMin)·(1 + cos(π·t/tMax))/2',
  },
  'cosine-restarts': {
    title: 'Cosine with warm restarts (SGDR)',
    summary: 'Cosine from the peak to etaMin, then a jump back up; each period is tMult times longer and each peak peakDecay times lower (PyTorch CosineAnnealingWarmRestarts + Keras m_mul).',
    formula: 'lr = etaMin + (lr0 − etaMin)·peakDecay^i·(1 + cos(π·T_cur/T_i))/2,  T_i = t0·tMult^i',
  },
  cyclic: {
    title: 'Cyclical lr (CyclicLR)',
    summary: 'Triangle waves between baseLr and maxLr (triangular2 halves the height each cycle, exp_range shrinks it by gamma per step); momentum moves the opposite way.',
    formula: 'x = position in cycle;  lr = baseLr + (maxLr − baseLr)·scale(x)·f,  f = 1 | 1/2^(cycle−1) | gamma^t',
  },
  'one-cycle': {
    title: 'One cycle (OneCycleLR)',
    summary: 'Warms up from maxLr/divFactor to maxLr over pctStart of the run, then anneals far below the start (÷finalDivFactor); momentum does the opposite. Must cover the whole run.',
    formula: 'lr: maxLr/divFactor ↗ maxLr (pctStart·T − 1 steps) ↘ maxLr/(divFactor·finalDivFactor) at T − 1, cos or linear',
  },
  plateau: {
    title: 'Reduce on plateau (ReduceLROnPlateau)',
    summary: 'Watches the validation loss and multiplies the lr by factor after more than patience epochs without improvement, then waits cooldown epochs.',
    formula: 'better: v < best·(1 − threshold) (rel) or v < best − threshold (abs);  bad > patience ⇒ lr ← max(lr·factor, minLr)',
  },
  warmup: {
    title: 'Linear warm-up, then a schedule',
    summary: 'Ramps the lr linearly from startFactor·lr0 up to lr0 over warmupSteps, then runs the chosen schedule from its own step 0.',
    formula: 'lr_t = lr0·(startFactor + (1 − startFactor)·t/warmupSteps) for t < warmupSteps, then schedule(t − warmupSteps)',
  },
  sequential: {
    title: 'Sequential (SequentialLR)',
    summary: 'Runs several schedules one after another, switching at the milestones; each starts from its own step 0.',
    formula: 'lr_t = schedule_k(t − milestone_{k−1}) for milestone_{k−1} ≤ t < milestone_k',
  },
}

/** One line saying what this particular config does, e.g. "lr ×0.5 every 7 epochs". */
export function describeSchedule(c: ScheduleConfig): string {
  return describeIn(c, c.stepUnit)
}

/** Nested schedules are stepped in their parent's unit, so the parent's unit is passed down. */
function describeIn(c: ScheduleConfig, stepUnit: 'batch' | 'epoch'): string {
  const u = stepUnit === 'batch' ? 'batches' : 'epochs'
  switch (c.type) {
    case 'constant':
      return 'constant lr'
    case 'constant-factor':
      return `lr ×${c.factor} for the first ${c.totalIters} ${u}, then the full lr`
    case 'linear':
      return `lr from ×${c.startFactor} to ×${c.endFactor} over ${c.totalIters} ${u}`
    case 'inverse-time':
      return `lr0/(1 + ${c.decayRate}·t/${c.decaySteps})${c.staircase ? ', staircase' : ''} (t in ${u})`
    case 'step':
      return `lr ×${c.gamma} every ${c.stepSize} ${u}`
    case 'multistep':
      return `lr ×${c.gamma} at ${u} ${c.milestones.join(', ')}`
    case 'exponential':
      return `lr ×${c.gamma} every ${stepUnit}`
    case 'polynomial':
      return `lr to 0 over ${c.totalIters} ${u} along (1 − t/T)^${c.power}`
    case 'cosine':
      return `cosine down to ${c.etaMin} over ${c.tMax ?? 'the whole run of'} ${u}`
    case 'cosine-restarts':
      return `cosine restarts every ${c.t0} ${u}${c.tMult !== 1 ? ` (periods ×${c.tMult})` : ''}${c.peakDecay !== 1 ? `, peaks ×${c.peakDecay}` : ''}, floor ${c.etaMin}`
    case 'cyclic':
      return `${c.mode} cycles ${c.baseLr ?? 'lr0'} → ${c.maxLr}, ${c.stepSizeUp} up / ${c.stepSizeDown ?? c.stepSizeUp} down ${u}`
    case 'one-cycle':
      return `one ${c.threePhase ? 'three-phase ' : ''}cycle to ${c.maxLr ?? 'lr0'} over ${c.totalSteps ?? 'the whole run of'} ${u}, peak at ${c.pctStart * 100}%`
    case 'plateau':
      return `lr ×${c.factor} after ${c.patience + 1} epochs without a ${c.thresholdMode === 'rel' ? `${c.threshold * 100}%` : `${c.threshold}`} improvement (${c.mode})`
    case 'warmup':
      return `${c.warmupSteps} ${u} of linear warm-up, then ${c.schedule ? describeIn(c.schedule, stepUnit) : 'constant lr'}`
    case 'sequential':
      return c.schedules.map((s, i) => (i === 0 ? describeIn(s, stepUnit) : `from ${c.milestones[i - 1]}: ${describeIn(s, stepUnit)}`)).join('; ')
  }
}
