/**
 * zod building blocks for schedule configs: every message names the field and the problem,
 * and every variant is strict, so a misspelt field is an error instead of a silent default.
 */
import { z } from 'zod'
import { MAX_LR, strictObject } from '../strict'

export function num(field: string) {
  return z.number({
    error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a finite number`),
  })
}
export function int(field: string) {
  return z
    .number({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a whole number`) })
    .int({ error: `${field} must be a whole number` })
}
export const positive = (field: string) => num(field).gt(0, { error: `${field} must be > 0` })
export const nonNegative = (field: string) => num(field).min(0, { error: `${field} must be ≥ 0` })
export const atLeast = (field: string, min: number) => int(field).min(min, { error: `${field} must be ≥ ${min}` })
export const unitInterval = (field: string) =>
  num(field).min(0, { error: `${field} must be in [0, 1]` }).max(1, { error: `${field} must be in [0, 1]` })
export const flag = (field: string) => z.boolean({ error: `${field} must be true or false` })
export function oneOf<const T extends readonly [string, ...string[]]>(field: string, values: T) {
  return z.enum(values, { error: `${field} must be one of ${values.join(', ')}` })
}

/** When the trainer steps the schedule: after every optimizer step, or after every epoch. */
export const stepUnit = oneOf('stepUnit', ['batch', 'epoch']).default('epoch')

export const variant = <T extends z.core.$ZodLooseShape>(type: string, shape: T) => strictObject(`schedule ${type}`, shape)

const lrBound = (field: string) => ({ error: `${field} must be ≤ ${MAX_LR} (a larger learning rate overflows float32 training)` })
/** A learning rate a schedule sets (maxLr, baseLr): > 0 and at most MAX_LR. */
export const learningRate = (field: string) => positive(field).max(MAX_LR, lrBound(field))
/** A learning-rate floor (etaMin, minLr): ≥ 0 and at most MAX_LR. */
export const lrFloor = (field: string) => nonNegative(field).max(MAX_LR, lrBound(field))

/** Python's modulo (result has the divisor's sign), which PyTorch's formulas rely on. */
export function pyMod(a: number, n: number): number {
  return ((a % n) + n) % n
}
