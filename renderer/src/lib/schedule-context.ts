/** The schedule's view of a run: how many times it is stepped and from what lr / momentum. */
import type { RunConfig } from '../../../shared/config'
import { baseMomentumOf } from './engine-catalog'

export interface RunScheduleContext {
  baseLr: number
  baseMomentum?: number
  totalSteps: number
}

/** Optimizer steps per epoch as the trainer computes them (validation rows = ⌊rows·split⌋). */
export function stepsPerEpoch(c: RunConfig): number {
  const d = c.data as { n?: number; y?: unknown[] }
  const rows = d.n ?? d.y?.length ?? 1
  const train = rows - Math.floor(rows * c.validationSplit)
  return c.batchSize === 'full' ? 1 : Math.max(1, Math.ceil(train / c.batchSize))
}

export function scheduleContext(c: RunConfig): RunScheduleContext {
  const totalSteps = c.schedule.stepUnit === 'epoch' ? c.epochs : c.epochs * stepsPerEpoch(c)
  const baseMomentum = baseMomentumOf(c.optimizer as Record<string, unknown>)
  return { baseLr: c.optimizer.lr, totalSteps, ...(baseMomentum !== undefined ? { baseMomentum } : {}) }
}
