/**
 * Issue 19: a typo in a config must be refused naming the key (not train on defaults), absurd
 * values refused, deep nesting refused with a message; saved runs' configs stay readable.
 */
import { describe, expect, it } from 'vitest'
import { ConfigError, parseRunConfig, parseStoredConfig } from '../../shared/config'
import { closestKey } from '../../shared/strict'

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

describe('unknown fields in a user config', () => {
  it.each([
    [{ ...valid, data: { kind: 'linreg', nosie: 3 } }, 'data.nosie: ', 'did you mean "noise"?'],
    [{ ...valid, model: { kind: 'mlp', hiden: [256, 256] } }, 'model.hiden: ', 'did you mean "hidden"?'],
    [{ ...valid, model: { kind: 'mlp', activaton: 'tanh' } }, 'model.activaton: ', 'did you mean "activation"?'],
    [{ ...valid, model: { kind: 'linear', init: { weight: [[1]], bias: [0], bais: [1] } } }, 'model.init.bais: ', 'did you mean "bias"?'],
    [{ ...valid, model: { kind: 'cnn', filter: 4 } }, 'model.filter: ', 'did you mean "filters"?'],
    [{ ...valid, data: { kind: 'digits', n: 10 } }, 'data.n: ', 'unknown field'],
    [{ ...valid, optimizer: { type: 'sgd', lr: 0.1, momentun: 0.9 } }, 'optimizer.momentun: ', 'did you mean "momentum"?'],
    [{ ...valid, schedule: { type: 'step', stepSize: 2, gama: 0.5 } }, 'schedule.gama: ', 'did you mean "gamma"?'],
    [{ ...valid, schedule: { type: 'cosine', stepunit: 'batch' } }, 'schedule.stepunit: ', 'did you mean "stepUnit"?'],
    [{ ...valid, clipping: { mode: 'norm', maxnorm: 1 } }, 'clipping.maxnorm: ', 'did you mean "maxNorm"?'],
    [{ ...valid, paramGroups: { mode: 'multipliers', layer: {} } }, 'paramGroups.layer: ', 'did you mean "layers"?'],
    [{ ...valid, epoch: 5 }, 'epoch: ', 'did you mean "epochs"?'],
    [{ ...valid, data: { kind: 'csv', path: 'a.csv', target: 'y', dropInvalidRow: true } }, 'data.dropInvalidRow: ', 'did you mean "dropInvalidRows"?'],
  ])('refuses %j naming the key', (input, path, hint) => {
    const p = problems(input)
    expect(p.filter((l) => l.startsWith(path) && l.includes(hint))).toHaveLength(1)
  })

  it('refuses data.__proto__ from JSON (own key, not the prototype)', () => {
    const p = problems(JSON.parse('{"data": {"kind": "linreg", "__proto__": {"noise": 5}}, "optimizer": {"type": "sgd", "lr": 0.1}, "epochs": 1}'))
    expect(p).toEqual([expect.stringMatching(/^data\.__proto__: unknown field/)])
  })

  it('suggests only close keys', () => {
    expect(closestKey('nosie', ['kind', 'n', 'noise'])).toBe('noise')
    expect(closestKey('Noise', ['noise'])).toBe('noise')
    expect(closestKey('banana', ['kind', 'n', 'noise'])).toBeUndefined()
  })

  it('keeps saved configs from other versions readable: unknown keys are dropped, not refused', () => {
    const stored = { ...valid, futureOption: 1, data: { kind: 'linreg', n: 50, noise: 1, jitter: 2 }, schedule: { type: 'constant', stepUnit: 'epoch', newKnob: true } }
    const r = parseStoredConfig(stored)
    expect(r.success).toBe(true)
    expect(r.data!.data).toEqual({ kind: 'linreg', n: 50, noise: 1 })
    // A real error is still one.
    expect(parseStoredConfig({ ...stored, epochs: -1 }).success).toBe(false)
  })
})

describe('absurd and non-finite values', () => {
  it.each([
    [{ ...valid, optimizer: { type: 'sgd', lr: 1e300 } }, 'optimizer.lr', '≤ 1000000'],
    [{ ...valid, optimizer: { type: 'adam', lr: 1e7 } }, 'optimizer.lr', '≤ 1000000'],
    [{ ...valid, optimizer: { type: 'adam', lr: 0.1, beta1: 1 } }, 'optimizer.beta1', '[0, 1)'],
    [{ ...valid, optimizer: { type: 'adam', lr: 0.1, eps: -1 } }, 'optimizer.eps', '≥ 0'],
    [{ ...valid, optimizer: { type: 'sgd', lr: 0.1, momentum: -0.5 } }, 'optimizer.momentum', '[0, 1]'],
    [{ ...valid, optimizer: { type: 'sgd', lr: 0.1, weightDecay: -1 } }, 'optimizer.weightDecay', '≥ 0'],
    [{ ...valid, optimizer: { type: 'sgd', lr: Infinity } }, 'optimizer.lr', 'finite'],
    [{ ...valid, optimizer: { type: 'sgd', lr: NaN } }, 'optimizer.lr', 'finite'],
    [{ ...valid, schedule: { type: 'one-cycle', maxLr: 1e300, stepUnit: 'epoch' } }, 'schedule.maxLr', '≤ 1000000'],
    [{ ...valid, schedule: { type: 'cosine', etaMin: 1e300 } }, 'schedule.etaMin', '≤ 1000000'],
    [{ ...valid, paramGroups: { mode: 'spread', firstLr: 1e300 } }, 'paramGroups.firstLr', '≤ 1000000'],
  ])('refuses %j', (input, path, text) => {
    const p = problems(input)
    expect(p.some((l) => l.startsWith(`${path}: `) && l.includes(text))).toBe(true)
  })

  it('accepts an lr at the bound', () => {
    expect(problems({ ...valid, optimizer: { type: 'sgd', lr: 1e6 } })).toEqual([])
  })
})

describe('schedule nesting depth', () => {
  const nest = (depth: number): unknown => {
    let s: unknown = { type: 'constant' }
    for (let i = 1; i < depth; i++) s = { type: 'warmup', warmupSteps: 1, schedule: s }
    return s
  }

  it('refuses a schedule nested 2,000 deep with a message, not a stack overflow', () => {
    const p = problems({ ...valid, schedule: nest(2000) })
    expect(p).toEqual([expect.stringMatching(/^schedule\.schedule: schedules nest at most 8 levels deep/)])
  })

  it('accepts 8 levels and refuses 9, in sequential too', () => {
    expect(problems({ ...valid, epochs: 100, schedule: nest(8) })).toEqual([])
    expect(problems({ ...valid, epochs: 100, schedule: nest(9) })[0]).toMatch(/nest at most 8 levels/)
    const seq = { type: 'sequential', schedules: [{ type: 'constant' }, nest(8)], milestones: [5] }
    expect(problems({ ...valid, epochs: 100, schedule: seq })[0]).toMatch(/^schedule\.schedules\.1: schedules nest at most 8 levels/)
  })
})
