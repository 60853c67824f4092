/**
 * How many steps a config runs, computed from the config alone (no data loaded), so the
 * service, the CLI and the builder can check that a schedule fits the run before it starts.
 */
import { ConfigError, DIGITS_ROWS, parseRunConfig, type RunConfig } from './config'
import { momentumOf } from './optimizer-config'
import { validateScheduleForRun, type ScheduleContext } from './schedules'

/** Rows in the dataset, where the config says (null where only loading the data tells, e.g. a CSV file). */
export function datasetRows(data: RunConfig['data']): number | null {
  if (data.kind === 'inline') return data.x.length
  if (data.kind === 'digits') return DIGITS_ROWS
  const n = (data as { n?: unknown }).n
  return typeof n === 'number' ? n : null
}

export interface RunPlan {
  trainRows: number
  batchesPerEpoch: number
  totalSteps: number
  /** Times the schedule is stepped: per batch or per epoch, as its config says. */
  schedulerSteps: number
}

export function planRun(config: RunConfig, rows: number | null = datasetRows(config.data)): RunPlan | null {
  if (rows === null) return null
  const trainRows = rows - Math.floor(rows * config.validationSplit)
  const batch = config.batchSize === 'full' ? trainRows : Math.min(config.batchSize, trainRows)
  const batchesPerEpoch = Math.ceil(trainRows / batch)
  const totalSteps = config.epochs * batchesPerEpoch
  return { trainRows, batchesPerEpoch, totalSteps, schedulerSteps: config.schedule.stepUnit === 'batch' ? totalSteps : config.epochs }
}

export function scheduleContext(config: RunConfig, plan: RunPlan): ScheduleContext {
  return { baseLr: config.optimizer.lr, baseMomentum: momentumOf(config.optimizer), totalSteps: plan.schedulerSteps }
}

/** Problems that only show against the run's length (a one-cycle shorter than the run, say); empty when it fits. */
export function checkScheduleFitsRun(config: RunConfig): string[] {
  const plan = planRun(config)
  if (!plan) return []
  return validateScheduleForRun(config.schedule, scheduleContext(config, plan)).map((p) => (p.startsWith('schedule') ? p : `schedule.${p}`))
}

/** parseRunConfig plus the checks against the run's length: what every boundary that starts a run uses. */
export function parseRunnableConfig(input: unknown): RunConfig {
  const config = parseRunConfig(input)
  const problems = checkScheduleFitsRun(config)
  if (problems.length) throw new ConfigError(problems)
  return config
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