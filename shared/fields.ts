/**
 * zod building blocks for configs (schedules, optimizers, clipping): every message names the
 * field and the problem, and every variant is strict, so a misspelt field is an error instead
 * of a silent default.
 */
import { z } from 'zod'
import { strictObject } from './strict'

export function num(field: string) {
  return z.number({
    error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a finite number`),
  })
}
export function int(field: string) {
  return z.number({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a whole number`) }).int({ error: `${field} must be a whole number` })
}
export const positive = (field: string) => num(field).gt(0, { error: `${field} must be > 0` })
export const nonNegative = (field: string) => num(field).min(0, { error: `${field} must be ≥ 0` })
export const atLeast = (field: string, min: number) => int(field).min(min, { error: `${field} must be ≥ ${min}` })
export const unitInterval = (field: string) =>
  num(field)
    .min(0, { error: `${field} must be in [0, 1]` })
    .max(1, { error: `${field} must be in [0, 1]` })
export const flag = (field: string) => z.boolean({ error: `${field} must be true or false` })
export function oneOf<const T extends readonly [string, ...string[]]>(field: string, values: T) {
  return z.enum(values, { error: `${field} must be one of ${values.join(', ')}` })
}

/** One variant of a discriminated union, strict with a did-you-mean; `label` names it in the error ("schedule cosine", "clipping mode none"). */
export const strictVariant = strictObject
