/** Optimizer config: PyTorch's defaults, its argument checks, and messages that name the field. */
import { describe, expect, it } from 'vitest'
import { fromTorchOptimizer, momentumOf, OPTIMIZER_DOCS, OPTIMIZER_TYPES, OptimizerSchema, type OptimizerConfig } from '../../shared/optimizer-config'
import { parseRunConfig } from '../../shared/config'

function problems(input: unknown): string[] {
  const r = OptimizerSchema.safeParse(input)
  if (r.success) return []
  return r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

describe('OptimizerSchema defaults (PyTorch 1.13)', () => {
  const cases: Array<[unknown, Partial<OptimizerConfig>]> = [
    [
      { type: 'sgd', lr: 0.1 },
      { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
    ],
    [
      { type: 'adagrad', lr: 0.1 },
      { lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 },
    ],
    [
      { type: 'rmsprop', lr: 0.1 },
      { alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
    ],
    [{ type: 'adadelta' }, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0 }],
    [
      { type: 'adam', lr: 0.1 },
      { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false },
    ],
    [
      { type: 'adamw', lr: 0.1 },
      { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, amsgrad: false },
    ],
    [
      { type: 'adamax', lr: 0.1 },
      { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    ],
    [
      { type: 'nadam', lr: 0.1 },
      { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 },
    ],
  ]
  for (const [input, expected] of cases) {
    it((input as { type: string }).type, () => {
      expect(OptimizerSchema.parse(input)).toMatchObject(expected)
    })
  }

  it('covers every type', () => {
    expect(cases.map(([i]) => (i as { type: string }).type).sort()).toEqual([...OPTIMIZER_TYPES].sort())
  })
})

describe('OptimizerSchema validation', () => {
  it('requires lr for every optimizer but Adadelta', () => {
    for (const type of OPTIMIZER_TYPES) {
      if (type === 'adadelta') expect(problems({ type })).toEqual([])
      else expect(problems({ type }), type).toEqual(['lr: lr is required'])
    }
  })

  it('names the field and the problem', () => {
    expect(problems({ type: 'sgd', lr: 0 })).toEqual(['lr: lr must be > 0'])
    expect(problems({ type: 'sgd', lr: -1 })).toEqual(['lr: lr must be > 0'])
    expect(problems({ type: 'sgd', lr: 'fast' })).toEqual(['lr: lr must be a finite number'])
    expect(problems({ type: 'sgd', lr: Infinity })).toEqual(['lr: lr must be a finite number'])
    expect(problems({ type: 'sgd', lr: NaN })).toEqual(['lr: lr must be a finite number'])
    expect(problems({ type: 'sgd', lr: 0.1, momentum: -0.1 })).toEqual(['momentum: momentum must be in [0, 1]'])
    expect(problems({ type: 'sgd', lr: 0.1, weightDecay: -1 })).toEqual(['weightDecay: weightDecay must be ≥ 0'])
    expect(problems({ type: 'adam', lr: 0.1, beta1: 1 })).toEqual(['beta1: beta1 must be in [0, 1)'])
    expect(problems({ type: 'adam', lr: 0.1, beta2: -0.5 })).toEqual(['beta2: beta2 must be in [0, 1)'])
    expect(problems({ type: 'adam', lr: 0.1, eps: -1e-8 })).toEqual(['eps: eps must be ≥ 0'])
    expect(problems({ type: 'adam', lr: 0.1, amsgrad: 'yes' })).toEqual(['amsgrad: amsgrad must be true or false'])
    expect(problems({ type: 'rmsprop', lr: 0.1, alpha: 1.5 })).toEqual(['alpha: alpha must be in [0, 1]'])
    expect(problems({ type: 'adadelta', rho: 2 })).toEqual(['rho: rho must be in [0, 1]'])
    expect(problems({ type: 'adagrad', lr: 0.1, lrDecay: -1 })).toEqual(['lrDecay: lrDecay must be ≥ 0'])
    expect(problems({ type: 'nadam', lr: 0.1, momentumDecay: -1 })).toEqual(['momentumDecay: momentumDecay must be ≥ 0'])
  })

  it('applies PyTorch’s Nesterov rule: momentum > 0 and no dampening', () => {
    const msg = 'nesterov: nesterov requires momentum > 0 and dampening = 0 (as in PyTorch)'
    expect(problems({ type: 'sgd', lr: 0.1, nesterov: true })).toEqual([msg])
    expect(problems({ type: 'sgd', lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 })).toEqual([msg])
    expect(problems({ type: 'sgd', lr: 0.1, nesterov: true, momentum: 0.9 })).toEqual([])
  })

  it('rejects unknown types and misspelt fields instead of ignoring them', () => {
    expect(problems({ type: 'lion', lr: 0.1 })).toEqual(['type: type must be one of sgd, adagrad, rmsprop, adadelta, adam, adamw, adamax, nadam'])
    expect(problems({ type: 'sgd', lr: 0.1, momentun: 0.9 })).toEqual([': unknown field(s) for sgd: momentun (did you mean "momentum"?)'])
  })

  it('reaches the run config with the field path', () => {
    const base = { data: { kind: 'linreg' }, epochs: 1 }
    expect(() => parseRunConfig({ ...base, optimizer: { type: 'adam', lr: -1 } })).toThrow('optimizer.lr: lr must be > 0')
    expect(parseRunConfig({ ...base, optimizer: { type: 'adamw', lr: 0.01 } }).optimizer).toMatchObject({ weightDecay: 0.01 })
  })
})

describe('OPTIMIZER_DOCS', () => {
  it('documents every optimizer', () => {
    for (const type of OPTIMIZER_TYPES) {
      const doc = OPTIMIZER_DOCS[type]
      expect(doc.title.length, type).toBeGreaterThan(0)
      expect(doc.summary.length, type).toBeGreaterThan(20)
      expect(doc.formula, type).toMatch(/p ←/)
    }
  })
})

describe('momentumOf', () => {
  it('is momentum for SGD/RMSprop, beta1 for the Adam family, undefined otherwise', () => {
    expect(momentumOf(OptimizerSchema.parse({ type: 'sgd', lr: 1, momentum: 0.5 }))).toBe(0.5)
    expect(momentumOf(OptimizerSchema.parse({ type: 'rmsprop', lr: 1 }))).toBe(0)
    expect(momentumOf(OptimizerSchema.parse({ type: 'adamax', lr: 1, beta1: 0.8 }))).toBe(0.8)
    expect(momentumOf(OptimizerSchema.parse({ type: 'adagrad', lr: 1 }))).toBeUndefined()
  })
})

describe('fromTorchOptimizer', () => {
  it('maps class names, snake_case arguments and betas', () => {
    expect(fromTorchOptimizer('Adam', { lr: 0.01, betas: [0.8, 0.99], weight_decay: 0.1, amsgrad: true })).toEqual({
      type: 'adam',
      lr: 0.01,
      beta1: 0.8,
      beta2: 0.99,
      eps: 1e-8,
      weightDecay: 0.1,
      amsgrad: true,
    })
    expect(fromTorchOptimizer('Adagrad', { lr: 0.1, lr_decay: 0.01, initial_accumulator_value: 0.1 })).toMatchObject({
      lrDecay: 0.01,
      initialAccumulatorValue: 0.1,
    })
    expect(fromTorchOptimizer('NAdam', { momentum_decay: 0.01 })).toMatchObject({ type: 'nadam', lr: 2e-3, momentumDecay: 0.01 })
  })

  it('fills PyTorch’s default lr where it has one', () => {
    expect(fromTorchOptimizer('Adam', {}).lr).toBe(1e-3)
    expect(fromTorchOptimizer('Adadelta', {}).lr).toBe(1)
    expect(() => fromTorchOptimizer('SGD', {})).toThrow('lr: lr is required')
  })

  it('ignores implementation switches and refuses what we do not implement', () => {
    expect(fromTorchOptimizer('SGD', { lr: 0.1, foreach: true, maximize: false }).type).toBe('sgd')
    expect(() => fromTorchOptimizer('SGD', { lr: 0.1, maximize: true })).toThrow(/maximize/)
    expect(() => fromTorchOptimizer('LBFGS', { lr: 1 })).toThrow(/unsupported PyTorch optimizer LBFGS/)
    expect(() => fromTorchOptimizer('SGD', { lr: 0.1, nesterov: true })).toThrow(/nesterov requires/)
  })
})
