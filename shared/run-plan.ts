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
