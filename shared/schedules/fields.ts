/** zod building blocks for schedule configs: the shared field helpers plus what only schedules use. */
import { type z } from 'zod'
import { MAX_LR } from '../strict'
import { nonNegative, oneOf, positive, strictVariant } from '../fields'

export { atLeast, flag, int, nonNegative, num, oneOf, positive, unitInterval } from '../fields'

/** When the trainer steps the schedule: after every optimizer step, or after every epoch. */
export const stepUnit = oneOf('stepUnit', ['batch', 'epoch']).default('epoch')

export function variant<T extends z.core.$ZodLooseShape>(type: string, shape: T) {
  return strictVariant(`schedule ${type}`, shape)
}

const lrBound = (field: string) => ({ error: `${field} must be ≤ ${MAX_LR} (a larger learning rate overflows float32 training)` })
/** A learning rate a schedule sets (maxLr, baseLr): > 0 and at most MAX_LR. */
export const learningRate = (field: string) => positive(field).max(MAX_LR, lrBound(field))
/** A learning-rate floor (etaMin, minLr): ≥ 0 and at most MAX_LR. */
export const lrFloor = (field: string) => nonNegative(field).max(MAX_LR, lrBound(field))

/** Python's modulo (result has the divisor's sign), which PyTorch's formulas rely on. */
export function pyMod(a: number, n: number): number {
  return ((a % n) + n) % n
}
