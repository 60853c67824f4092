/**
 * Optimizer configuration: PyTorch 1.13's torch.optim constructor arguments, in camelCase
 * (`betas` is split into `beta1`/`beta2`), with PyTorch's defaults and its argument checks.
 *
 * `lr` is required for every optimizer except Adadelta: the learning rate is what this lab
 * is about, so the user always states it. Adadelta is the exception because its lr is only
 * a multiplier on a step that is already scaled by the optimizer itself (PyTorch's default
 * 1.0 means "no extra scaling"), so a default there is the honest choice.
 */
import { z } from 'zod'
import { flag, nonNegative, num, strictVariant, unitInterval } from './fields'
import type { Doc } from './docs'
import { MAX_LR } from './strict'

/** PyTorch refuses lr < 0; 0 trains nothing, and above MAX_LR float32 training only overflows. */
const lr = (field = 'lr') =>
  num(field)
    .gt(0, { error: `${field} must be > 0` })
    .max(MAX_LR, { error: `${field} must be ≤ ${MAX_LR} (a larger learning rate overflows float32 training at the first step)` })
/** Adam-family betas: 0 ≤ β < 1 (β = 1 makes the bias correction divide by zero). */
const beta = (field: string) =>
  num(field)
    .min(0, { error: `${field} must be in [0, 1)` })
    .lt(1, { error: `${field} must be in [0, 1)` })
const options = strictVariant

const sgd = options('sgd', {
  type: z.literal('sgd'),
  lr: lr(),
  momentum: unitInterval('momentum').default(0),
  dampening: unitInterval('dampening').default(0),
  nesterov: flag('nesterov').default(false),
  weightDecay: nonNegative('weightDecay').default(0),
}).refine((c) => !c.nesterov || (c.momentum > 0 && c.dampening === 0), {
  error: 'nesterov requires momentum > 0 and dampening = 0 (as in PyTorch)',
  path: ['nesterov'],
})

const adagrad = options('adagrad', {
  type: z.literal('adagrad'),
  lr: lr(),
  lrDecay: nonNegative('lrDecay').default(0),
  weightDecay: nonNegative('weightDecay').default(0),
  initialAccumulatorValue: nonNegative('initialAccumulatorValue').default(0),
  eps: nonNegative('eps').default(1e-10),
})

const rmsprop = options('rmsprop', {
  type: z.literal('rmsprop'),
  lr: lr(),
  alpha: unitInterval('alpha').default(0.99),
  eps: nonNegative('eps').default(1e-8),
  weightDecay: nonNegative('weightDecay').default(0),
  momentum: unitInterval('momentum').default(0),
  centered: flag('centered').default(false),
})

const adadelta = options('adadelta', {
  type: z.literal('adadelta'),
  lr: lr().default(1.0),
  rho: unitInterval('rho').default(0.9),
  eps: nonNegative('eps').default(1e-6),
  weightDecay: nonNegative('weightDecay').default(0),
})

const adamFields = {
  lr: lr(),
  beta1: beta('beta1').default(0.9),
  beta2: beta('beta2').default(0.999),
  eps: nonNegative('eps').default(1e-8),
}

const adam = options('adam', {
  type: z.literal('adam'),
  ...adamFields,
  /** L2 penalty added to the gradient (coupled), as in torch.optim.Adam. */
  weightDecay: nonNegative('weightDecay').default(0),
  amsgrad: flag('amsgrad').default(false),
})

const adamw = options('adamw', {
  type: z.literal('adamw'),
  ...adamFields,
  /** Decoupled decay: p ← p·(1 − lr·weightDecay) before the Adam step. */
  weightDecay: nonNegative('weightDecay').default(1e-2),
  amsgrad: flag('amsgrad').default(false),
})

const adamax = options('adamax', {
  type: z.literal('adamax'),
  ...adamFields,
  weightDecay: nonNegative('weightDecay').default(0),
})

const nadam = options('nadam', {
  type: z.literal('nadam'),
  ...adamFields,
  weightDecay: nonNegative('weightDecay').default(0),
  momentumDecay: nonNegative('momentumDecay').default(4e-3),
  /**
   * PyTorch 1.13's multi-tensor path (`foreach=True`), whose momentum term divides by
   * 1 − Π_k·μ_{k+1} where the default single-tensor path divides by 1 − Π_k·μ_k·μ_{k+1}.
   */
  foreach: flag('foreach').default(false),
})

export const OPTIMIZER_TYPES = ['sgd', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw', 'adamax', 'nadam'] as const
export type OptimizerType = (typeof OPTIMIZER_TYPES)[number]

export const OptimizerSchema = z.discriminatedUnion('type', [sgd, adagrad, rmsprop, adadelta, adam, adamw, adamax, nadam], {
  error: (issue) => (issue.code === 'invalid_union' && (issue as { note?: string }).note === 'No matching discriminator' ? `type must be one of ${OPTIMIZER_TYPES.join(', ')}` : undefined),
})
export type OptimizerConfig = z.infer<typeof OptimizerSchema>
export type OptimizerInput = z.input<typeof OptimizerSchema>

/** Which hyperparameter a momentum-cycling schedule drives: SGD/RMSprop momentum, the Adam family's beta1. */
export function momentumOf(cfg: OptimizerConfig): number | undefined {
  switch (cfg.type) {
    case 'sgd':
    case 'rmsprop':
      return cfg.momentum
    case 'adam':
    case 'adamw':
    case 'adamax':
    case 'nadam':
      return cfg.beta1
    case 'adagrad':
    case 'adadelta':
      return undefined
  }
}

/** One line of explanation and the update rule (PyTorch 1.13, single-tensor path), for the UI. */
export const OPTIMIZER_DOCS: Record<OptimizerType, Doc> = {
  sgd: {
    title: 'SGD',
    summary: 'Steps against the gradient; momentum keeps a running velocity, and lr multiplies it when applied (so a schedule changes the whole step at once).',
    formula: 'g ← g + wd·p;  b ← μ·b + (1 − τ)·g  (b = g on the first step);  d = nesterov ? g + μ·b : b;  p ← p − lr·d',
  },
  adagrad: {
    title: 'Adagrad',
    summary: 'Divides each coordinate’s step by the root of its summed squared gradients, so steps only ever shrink.',
    formula: 'g ← g + wd·p;  S ← S + g²;  p ← p − lr/(1 + (k − 1)·lrDecay) · g/(√S + ε)',
  },
  rmsprop: {
    title: 'RMSprop',
    summary: 'Like Adagrad but with a decaying average of squared gradients; no bias correction, so the first step is about lr/√(1 − α).',
    formula: 'g ← g + wd·p;  v ← α·v + (1 − α)·g²;  a = √(v − ḡ²) + ε if centered (ḡ ← α·ḡ + (1 − α)·g) else √v + ε;  b ← μ·b + g/a;  p ← p − lr·b  (p ← p − lr·g/a when μ = 0)',
  },
  adadelta: {
    title: 'Adadelta',
    summary: 'Scales each step by the ratio of running RMS of past updates to running RMS of gradients; lr is only an extra multiplier.',
    formula: 'g ← g + wd·p;  v ← ρ·v + (1 − ρ)·g²;  Δ = √(u + ε)/√(v + ε)·g;  u ← ρ·u + (1 − ρ)·Δ²;  p ← p − lr·Δ',
  },
  adam: {
    title: 'Adam',
    summary: 'Momentum on the gradient and on its square, both bias-corrected; the step size is roughly lr per coordinate.',
    formula: 'g ← g + wd·p;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²  (amsgrad: v̄ = max(v̄, v));  p ← p − lr/(1 − β1^k) · m/(√v/√(1 − β2^k) + ε)',
  },
  adamw: {
    title: 'AdamW',
    summary: 'Adam with decoupled weight decay: weights shrink by lr·wd directly instead of through the gradient.',
    formula: 'p ← p·(1 − lr·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  p ← p − lr/(1 − β1^k) · m/(√v/√(1 − β2^k) + ε)',
  },
  adamax: {
    title: 'Adamax',
    summary: 'Adam with the infinity norm: the denominator is a decaying maximum of |g| instead of an RMS.',
    formula: 'g ← g + wd·p;  m ← β1·m + (1 − β1)·g;  u ← max(β2·u, |g| + ε);  p ← p − lr/(1 − β1^k) · m/u',
  },
  nadam: {
    title: 'NAdam',
    summary: 'Adam with Nesterov momentum and a momentum warm-up schedule μ_k (momentumDecay ψ).',
    formula:
      'μ_k = β1·(1 − ½·0.96^(kψ));  Π_k = Π μ_j;  m, v as Adam;  d = √(v/(1 − β2^k)) + ε;  p ← p − lr·(1 − μ_k)/(1 − Π_k)·g/d − lr·μ_{k+1}/(1 − Π_k·μ_k·μ_{k+1})·m/d  (PyTorch 1.13 counts μ_k twice here; its foreach path and later releases use Π_k·μ_{k+1})',
  },
}

const TORCH_NAMES: Record<string, OptimizerType> = {
  SGD: 'sgd',
  Adagrad: 'adagrad',
  RMSprop: 'rmsprop',
  Adadelta: 'adadelta',
  Adam: 'adam',
  AdamW: 'adamw',
  Adamax: 'adamax',
  NAdam: 'nadam',
}

/** PyTorch's default lr, used only when translating a PyTorch constructor call that omits it. */
const TORCH_DEFAULT_LR: Record<OptimizerType, number | undefined> = {
  sgd: undefined, // required in torch.optim.SGD
  adagrad: 1e-2,
  rmsprop: 1e-2,
  adadelta: 1.0,
  adam: 1e-3,
  adamw: 1e-3,
  adamax: 2e-3,
  nadam: 2e-3,
}

/** Constructor arguments that change nothing numerically (implementation switches). */
const TORCH_IGNORED = new Set(['capturable', 'differentiable', 'fused'])
/** Optimizers whose foreach path computes something else in 1.13, so `foreach` is a config field. */
const FOREACH_DIFFERS = new Set<OptimizerType>(['nadam'])

/**
 * Translate a PyTorch optimizer (class name + constructor kwargs, snake_case) into our config,
 * e.g. `fromTorchOptimizer('Adam', { lr: 0.01, betas: [0.9, 0.99] })`. Throws on anything we
 * do not implement (maximize, unknown classes); zod validates the rest.
 */
export function fromTorchOptimizer(className: string, params: Record<string, unknown>): OptimizerConfig {
  const type = TORCH_NAMES[className]
  if (!type) throw new Error(`unsupported PyTorch optimizer ${className} (supported: ${Object.keys(TORCH_NAMES).join(', ')})`)
  const out: Record<string, unknown> = { type }
  for (const [key, value] of Object.entries(params)) {
    if (TORCH_IGNORED.has(key)) continue
    if (key === 'foreach') {
      // None (the default) is the single-tensor path on the CPU, as False is.
      if (FOREACH_DIFFERS.has(type)) out.foreach = value === true
      continue
    }
    if (key === 'maximize') {
      if (value) throw new Error('maximize=True is not supported')
      continue
    }
    if (key === 'betas') {
      if (!Array.isArray(value) || value.length !== 2) throw new Error('betas must be a pair')
      out.beta1 = value[0]
      out.beta2 = value[1]
      continue
    }
    out[key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())] = value
  }
  if (out.lr === undefined && TORCH_DEFAULT_LR[type] !== undefined) out.lr = TORCH_DEFAULT_LR[type]
  const parsed = OptimizerSchema.safeParse(out)
  if (!parsed.success) {
    throw new Error(`${className}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ')}`)
  }
  return parsed.data
}
