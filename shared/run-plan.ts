/**
 * How many steps a config runs, computed from the config alone (no data loaded), so the
 * service, the CLI and the builder can check that a schedule fits the run before it starts.
 */
import { ConfigError, DIGITS_ROWS, parseRunConfig, type RunConfig } from './config'
import { momentumOf } from './optimizer-config'
import { previewSchedule, validateScheduleForRun, type ScheduleContext, type SchedulePreview } from './schedules'

/** Rows in the dataset, where the config says (null where only loading the data tells, e.g. a CSV file). */
export function datasetRows(data: RunConfig['data']): number | null {
  if (data.kind === 'inline') return data.x.length
  if (data.kind === 'digits') return DIGITS_ROWS
  const n = (data as { n?: unknown }).n
  return typeof n === 'number' ? n : null
}

/** How many steps a run takes and how often its schedule steps, from its batches per epoch. */
export interface RunSteps {
  batchesPerEpoch: number
  totalSteps: number
  /** Times the schedule is stepped: per batch or per epoch, as its config says. */
  schedulerSteps: number
}

export interface RunPlan extends RunSteps {
  trainRows: number
  /** Rows per batch: 'full', or a size past the rows, is one batch of every training row. */
  batchSize: number
}

/** The steps of a run with `batchesPerEpoch` batches per epoch (a CSV's is known from the trainer's progress). */
export function runSteps(config: RunConfig, batchesPerEpoch: number): RunSteps {
  const totalSteps = config.epochs * batchesPerEpoch
  return { batchesPerEpoch, totalSteps, schedulerSteps: config.schedule.stepUnit === 'batch' ? totalSteps : config.epochs }
}

/** Rows per batch over `trainRows` training rows. */
export function batchRows(batchSize: RunConfig['batchSize'], trainRows: number): number {
  return batchSize === 'full' ? trainRows : Math.min(batchSize, trainRows)
}

/** The run's plan over `rows` rows in all (before the validation split); the trainer follows it step for step. */
export function planRun(config: RunConfig, rows: number | null = datasetRows(config.data)): RunPlan | null {
  if (rows === null) return null
  const trainRows = rows - Math.floor(rows * config.validationSplit)
  const batchSize = batchRows(config.batchSize, trainRows)
  return { trainRows, batchSize, ...runSteps(config, Math.ceil(trainRows / batchSize)) }
}

/** The schedule's view of the run: what the builder previews and the trainer's scheduler is built with. */
export function scheduleContext(config: RunConfig, steps: Pick<RunSteps, 'schedulerSteps'>): ScheduleContext {
  return { baseLr: config.optimizer.lr, baseMomentum: momentumOf(config.optimizer), totalSteps: steps.schedulerSteps }
}

/**
 * The builder's preview of a run's schedule: a fresh scheduler stepped through the run's plan,
 * lr (and momentum) per scheduler step as the trainer will step it; null when only loading the
 * data tells the run's length (a CSV). Throws ScheduleError when the schedule does not fit.
 */
export function previewRunSchedule(config: RunConfig, limit = Infinity): { preview: SchedulePreview; schedulerSteps: number } | null {
  const plan = planRun(config)
  if (!plan) return null
  return { preview: previewSchedule(config.schedule, scheduleContext(config, plan), undefined, limit), schedulerSteps: plan.schedulerSteps }
}

/** Problems that only show against the run's length (a one-cycle shorter than the run, say); empty when it fits. */
export function checkScheduleFitsRun(config: RunConfig): string[] {
  const plan = planRun(config)
  if (!plan) return []
  return validateScheduleForRun(config.schedule, scheduleContext(config, plan)).map((p) => (p.startsWith('schedule') ? p : `schedule.${p}`))
}

/** Features and classes of a built-in dataset, from its config (null for a CSV file: only loading it tells). */
export function datasetShape(data: RunConfig['data']): { features: number; classes: number | null } | null {
  switch (data.kind) {
    case 'csv':
      return null
    case 'inline':
      return { features: data.x[0]!.length, classes: null }
    case 'digits':
      return { features: 64, classes: 10 }
    case 'synthetic-classification':
      return { features: data.features, classes: data.classes }
    case 'linreg':
    case 'sine':
    case 'polynomial':
      return { features: 1, classes: null }
    case 'spirals':
    case 'blobs':
      return { features: 2, classes: data.classes }
    default:
      return { features: 2, classes: 2 } // moons, circles, xor
  }
}

/**
 * The most memory a run may need by the estimate below: 4 GiB. Above it a run is refused before
 * anything is allocated (hidden [65536, 65536] is 4.3e9 weights, 69 GB with Adam: tfjs would
 * hang the machine trying). Generous for what LR Lab is for; documented in the README.
 */
export const MEMORY_BUDGET_BYTES = 4 * 2 ** 30

export interface MemoryEstimate {
  parameters: number
  /** float32 bytes: weights, gradients and optimizer slots, the dataset (in JS and on the backend) and activations of a full pass. */
  bytes: number
}

/** Optimizer state per parameter (PyTorch's state tensors). */
function optimizerSlots(o: RunConfig['optimizer']): number {
  switch (o.type) {
    case 'sgd':
      return o.momentum > 0 ? 1 : 0
    case 'adagrad':
      return 1
    case 'rmsprop':
      return 1 + (o.momentum > 0 ? 1 : 0) + (o.centered ? 1 : 0)
    case 'adadelta':
    case 'adamax':
    case 'nadam':
      return 2
    case 'adam':
    case 'adamw':
      return o.amsgrad ? 3 : 2
  }
}

/** A run's memory from its config and its data's shape; an estimate to refuse the impossible, not a measurement. */
export function estimateMemory(config: RunConfig, shape: { rows: number; features: number; outputs: number }): MemoryEstimate {
  const { rows, features, outputs } = shape
  const m = config.model
  let parameters: number
  let widths: number // activations per row across the layers
  if (m.kind === 'linear') {
    parameters = (features + 1) * outputs
    widths = outputs
  } else if (m.kind === 'mlp') {
    const sizes = [features, ...m.hidden, outputs]
    parameters = sizes.slice(1).reduce((sum, out, i) => sum + (sizes[i]! + 1) * out, 0) + (m.batchNorm ? 4 * m.hidden.reduce((a, b) => a + b, 0) : 0)
    widths = sizes.slice(1).reduce((a, b) => a + b, 0)
  } else {
    const side = Math.ceil(Math.sqrt(features) / 2)
    const pooled = side * side * m.filters
    parameters = m.filters * (m.kernel * m.kernel + 1) + (pooled + 1) * m.dense + (m.dense + 1) * outputs
    widths = features * m.filters * m.kernel * m.kernel + pooled + m.dense + outputs
  }
  // weights + gradients + optimizer slots + one update temporary; dataset twice (JS and backend);
  // activations and their gradients for a pass over every row (the epoch's evaluation does one).
  const bytes = 4 * (parameters * (3 + optimizerSlots(config.optimizer)) + 2 * rows * (features + outputs) + 2 * rows * widths)
  return { parameters, bytes }
}

const gb = (b: number): string => `${(b / 1e9).toPrecision(3)} GB`

/** Refusals for a run too big for memory; empty when it fits (or when only its data can tell, a CSV). */
export function checkRunFitsMemory(config: RunConfig, shape = datasetShape(config.data), rows = datasetRows(config.data)): string[] {
  if (!shape || rows === null) return []
  const outputs = shape.classes !== null && config.loss !== 'binaryCrossEntropy' ? shape.classes : 1
  const e = estimateMemory(config, { rows, features: shape.features, outputs })
  if (e.bytes <= MEMORY_BUDGET_BYTES) return []
  return [
    `model: this run needs about ${gb(e.bytes)} of memory (${e.parameters.toPrecision(3)} parameters, ${rows} rows × ${shape.features} features), more than LR Lab's budget of ${gb(MEMORY_BUDGET_BYTES)}; use a smaller model or dataset`,
  ]
}

/** parseRunConfig plus the checks against the run's length and memory: what every boundary that starts a run uses. */
export function parseRunnableConfig(input: unknown): RunConfig {
  const config = parseRunConfig(input)
  const problems = [...checkScheduleFitsRun(config), ...checkRunFitsMemory(config)]
  if (problems.length) throw new ConfigError(problems)
  return config
}

/** Steps above which a run is worth a warning (UI) and needs --max-steps (CLI): a million. */
export const LONG_RUN_STEPS = 1_000_000

/** "1,000,000 epochs × 800 batches = 800,000,000 steps", for warnings and the CLI's first lines. */
export function describeSteps(config: RunConfig, plan: RunSteps | null = planRun(config)): string {
  if (!plan) return `${config.epochs.toLocaleString('en-US')} epochs × (batches per epoch known once the data is loaded)`
  return `${config.epochs.toLocaleString('en-US')} epochs × ${plan.batchesPerEpoch.toLocaleString('en-US')} batches = ${plan.totalSteps.toLocaleString('en-US')} steps`
}

/**
 * Settings that run but likely not as meant, shown as warnings in the builder (they do not
 * block Start): a cyclic schedule whose first cycle does not complete within the run only
 * climbs (stepSizeUp 2000 epochs on a 20-epoch run creeps from base toward max and stops).
 */
export function scheduleWarnings(config: RunConfig): string[] {
  const plan = planRun(config)
  if (!plan) return []
  const s = config.schedule
  const unit = s.stepUnit === 'batch' ? 'steps' : 'epochs'
  if (s.type === 'cyclic') {
    const cycle = s.stepSizeUp + (s.stepSizeDown ?? s.stepSizeUp)
    if (cycle > plan.schedulerSteps) {
      return [
        `schedule: the first cycle (stepSizeUp + stepSizeDown = ${cycle} ${unit}) does not complete within the run (${plan.schedulerSteps} ${unit}): ` +
          `the lr never comes back down. Smith's rule: a half-cycle of 2–10 epochs, e.g. stepSizeUp ${cyclicHalfCycle(config) ?? 1}`,
      ]
    }
  }
  return []
}

/**
 * A cyclic schedule's half-cycle (stepSizeUp, in scheduler steps) that fits the run, after
 * Smith (2017): 2–10 epochs' worth of iterations, the run ending on whole cycles when it can
 * (closest to 4 epochs among those), at least one full cycle; null when the run length is unknown.
 */
export function cyclicHalfCycle(config: RunConfig): number | null {
  const plan = planRun(config)
  if (!plan) return null
  const perEpoch = config.schedule.stepUnit === 'batch' ? plan.batchesPerEpoch : 1
  const fits = (k: number) => 2 * k <= config.epochs
  const candidates = [2, 3, 4, 5, 6, 7, 8, 9, 10].filter(fits)
  if (candidates.length === 0) return Math.max(1, Math.floor(plan.schedulerSteps / 2))
  const whole = candidates.filter((k) => config.epochs % (2 * k) === 0)
  const pool = whole.length ? whole : candidates
  const k = pool.reduce((best, k) => (Math.abs(k - 4) < Math.abs(best - 4) ? k : best))
  return k * perEpoch
}
