/**
 * The builder's fields read from the engine's zod schemas: what a user types becomes the
 * value the schema checks. A list field typed without brackets is still a list, so one
 * typed milestone gives a one-milestone schedule (not "milestones must be a list").
 */
import { describe, expect, it } from 'vitest'
import { fieldValueFromText } from '../../renderer/src/lib/schema-fields'
import { MODEL_CHOICES, SCHEDULE_CHOICES } from '../../renderer/src/lib/engine-catalog'
import { createScheduler, ScheduleSchema } from '../../shared/schedules'

function field(choices: typeof SCHEDULE_CHOICES, variant: string, key: string) {
  const f = choices.find((c) => c.value === variant)?.fields.find((x) => x.key === key)
  if (!f) throw new Error(`no field ${variant}.${key}`)
  return f
}

describe('builder field text → config value', () => {
  const milestones = field(SCHEDULE_CHOICES, 'multistep', 'milestones')

  it('marks list-valued fields (milestones, hidden sizes) as lists', () => {
    expect(milestones.list).toBe(true)
    expect(field(SCHEDULE_CHOICES, 'sequential', 'milestones').list).toBe(true)
    expect(field(MODEL_CHOICES, 'mlp', 'hidden').list).toBe(true)
    expect(field(SCHEDULE_CHOICES, 'multistep', 'gamma').list).toBe(false)
  })

  it('one typed milestone is a one-milestone schedule, as PyTorch MultiStepLR(milestones=[3]) gives', () => {
    for (const typed of ['3', ' 3 ', '[3]']) expect(fieldValueFromText(milestones, typed)).toEqual([3])
    const cfg = ScheduleSchema.parse({ type: 'multistep', stepUnit: 'batch', gamma: 0.1, milestones: fieldValueFromText(milestones, '3') })
    const s = createScheduler(cfg, { baseLr: 0.1, totalSteps: 6 })
    const lr: number[] = []
    for (let t = 0; t < 6; t++, s.step()) lr.push(s.current().lr)
    // PyTorch 1.13: lr before each of 6 steps.
    expect(lr).toEqual([0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002])
  })

  it('takes several milestones with or without brackets, and leaves nonsense for zod to name', () => {
    expect(fieldValueFromText(milestones, '30, 60')).toEqual([30, 60])
    expect(fieldValueFromText(milestones, '[30, 60]')).toEqual([30, 60])
    expect(fieldValueFromText(milestones, '')).toBeUndefined()
    expect(fieldValueFromText(milestones, 'thirty')).toBe('thirty')
    const r = ScheduleSchema.safeParse({ type: 'multistep', milestones: fieldValueFromText(milestones, 'thirty') })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0]?.message).toMatch(/milestones must be a list of step numbers/)
  })

  it('numbers and literals parse as before', () => {
    const gamma = field(SCHEDULE_CHOICES, 'multistep', 'gamma')
    expect(fieldValueFromText(gamma, '0.5')).toBe(0.5)
    expect(fieldValueFromText(gamma, 'x')).toBe('x')
  })
})
