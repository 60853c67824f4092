/** zod building blocks for schedule configs: the shared field helpers plus what only schedules use. */
import { z } from 'zod'
import { oneOf, strictVariant } from '../fields'

export { atLeast, flag, int, nonNegative, num, oneOf, positive, unitInterval } from '../fields'

/** When the trainer steps the schedule: after every optimizer step, or after every epoch. */
export const stepUnit = oneOf('stepUnit', ['batch', 'epoch']).default('epoch')

export function variant<T extends z.core.$ZodLooseShape>(type: string, shape: T) {
  return strictVariant(`schedule ${type}`, shape)
}

/** Python's modulo (result has the divisor's sign), which PyTorch's formulas rely on. */
export function pyMod(a: number, n: number): number {
  return ((a % n) + n) % n
}
