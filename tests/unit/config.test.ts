import { describe, expect, it } from 'vitest'
import { ConfigError, parseRunConfig } from '../../shared/config'

const valid = { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 10 }

function problems(input: unknown): string[] {
  try {
    parseRunConfig(input)
  } catch (e) {
    if (e instanceof ConfigError) return e.problems
    throw e
  }
  return []
}

describe('run config validation', () => {
  it('accepts a minimal config and fills defaults', () => {
    const c = parseRunConfig(valid)
    expect(c.seed).toBe(0)
    expect(c.backend).toBe('auto')
    expect(c.batchSize).toBe('full')
    expect(c.schedule).toEqual({ type: 'constant', stepUnit: 'epoch' })
    expect(c.data).toEqual({ kind: 'linreg', n: 100, noise: 1 })
  })

  it.each([
    [{ ...valid, optimizer: { type: 'sgd', lr: -1 } }, 'optimizer.lr'],
    [{ ...valid, optimizer: { type: 'sgd', lr: 0 } }, 'optimizer.lr'],
    [{ ...valid, optimizer: { type: 'sgd' } }, 'optimizer.lr'],
    [{ ...valid, optimizer: { type: 'nope', lr: 0.1 } }, 'optimizer.type'],
    [{ ...valid, epochs: 0 }, 'epochs'],
    [{ ...valid, epochs: 2.5 }, 'epochs'],
    [{ ...valid, epochs: undefined }, 'epochs'],
    [{ ...valid, batchSize: 0 }, 'batchSize'],
    [{ ...valid, seed: -3 }, 'seed'],
    [{ ...valid, backend: 'gpu' }, 'backend'],
    [{ ...valid, validationSplit: 0.95 }, 'validationSplit'],
    [{ ...valid, data: { kind: 'linreg', n: 1 } }, 'data.n'],
    [{ ...valid, data: { kind: 'inline', x: [[1], [2]], y: [1] } }, 'data.y'],
    [{ ...valid, data: { kind: 'inline', x: [[1], [2, 3]], y: [1, 2] } }, 'data.x'],
    [{ ...valid, schedule: { type: 'exponential', gamma: -0.5 } }, 'schedule.gamma'],
    [{ ...valid, divergeFactor: 1 }, 'divergeFactor'],
    [{ ...valid, unknownField: 1 }, 'unknownField'],
  ])('names the bad field (%#)', (input, field) => {
    const p = problems(input)
    expect(p.length).toBeGreaterThan(0)
    expect(p.join('\n')).toMatch(new RegExp(`(^|\\n)${field.replace('.', '\\.')}: |${field}`))
  })

  it('reports every bad field at once', () => {
    const p = problems({ ...valid, epochs: -1, optimizer: { type: 'sgd', lr: -1 } })
    expect(p.some((l) => l.startsWith('epochs:'))).toBe(true)
    expect(p.some((l) => l.startsWith('optimizer.lr:'))).toBe(true)
  })
})

describe('checks against the run length', () => {
  it('refuses a one-cycle shorter than the run and a warmup longer than it, naming the field', async () => {
    const { parseRunnableConfig } = await import('../../shared/run-plan')
    const base = { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 20 }
    expect(() => parseRunnableConfig({ ...base, schedule: { type: 'one-cycle', maxLr: 0.5, totalSteps: 10 } })).toThrow(/schedule\.totalSteps/)
    expect(() => parseRunnableConfig({ ...base, schedule: { type: 'warmup', warmupSteps: 30 } })).toThrow(/schedule\.warmupSteps/)
    expect(parseRunnableConfig({ ...base, schedule: { type: 'warmup', warmupSteps: 5 } }).epochs).toBe(20)
  })
})
