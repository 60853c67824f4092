import { describe, expect, it } from 'vitest'
import { RunConfigSchema } from '../../shared/config'
import { friendlyMessage } from '../../renderer/src/lib/friendly-issues'
import { fieldValueFromText, unionVariants, variantFields } from '../../renderer/src/lib/schema-fields'
import { ModelSchema } from '../../shared/config'

/** The builder's messages for a config, path → message, as the page shows them. */
function messages(input: unknown): Record<string, string> {
  const r = RunConfigSchema.safeParse(input, { error: friendlyMessage })
  if (r.success) return {}
  return Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), i.message]))
}

const base = { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 3 }

describe('friendly validation messages (builder)', () => {
  it("says what a field must be, with what was typed, instead of zod's generic text", () => {
    const m = messages({ ...base, epochs: 'abc', seed: 1.5, batchSize: 'most', loss: 'l2', model: { kind: 'mlp', hidden: 'x' } })
    expect(m).toEqual({
      epochs: 'must be a number (got "abc")',
      seed: 'must be a whole number (got 1.5)',
      batchSize: 'must be "full" or a number (got "most")',
      loss: 'must be one of mse, mae, huber, binaryCrossEntropy, crossEntropy (got "l2")',
      'model.hidden': 'must be a list, e.g. 64, 64 (got "x")',
    })
    for (const msg of Object.values(m)) expect(msg).not.toMatch(/Invalid input|expected .* received|Too (small|big)/)
  })

  it("states bounds as the schemas' own messages do, and keeps those", () => {
    const m = messages({ ...base, epochs: 0, validationSplit: 0.95, optimizer: { type: 'sgd', lr: 0 } })
    expect(m['epochs']).toBe('must be ≥ 1')
    expect(m['validationSplit']).toBe('must be ≤ 0.9')
    expect(m['optimizer.lr']).toMatch(/lr must be > 0|must be > 0/)
    expect(messages({ ...base, epochs: undefined })['epochs']).toBe('required')
  })

  it('hidden sizes typed as "64, 64" or "64,64" are a two-layer list', () => {
    const mlp = unionVariants(ModelSchema, 'kind').find((v) => v.value === 'mlp')!
    const hidden = variantFields(mlp, 'kind').find((f) => f.key === 'hidden')!
    for (const text of ['64, 64', '64,64', '[64, 64]']) expect(fieldValueFromText(hidden, text)).toEqual([64, 64])
    expect(fieldValueFromText(hidden, '64')).toEqual([64])
  })
})
