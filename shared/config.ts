/**
 * A run's configuration: everything needed to reproduce it. Validated with zod at every
 * boundary (IPC, WebSocket, CLI files); errors name the field and the problem.
 */
import { z } from 'zod'
import { ScheduleSchema } from './schedules'
import { OptimizerSchema } from './optimizer-config'
import { ClippingSchema } from './clipping-config'
import { MAX_LR, strictObject } from './strict'
import { RunIdSchema } from './run-id'

/** Rows of the bundled 8×8 digits dataset (UCI optdigits test set). */
export const DIGITS_ROWS = 1797

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const

const finiteNumber = z.number().finite()

export const DataSchema = z.discriminatedUnion('kind', [
  /** The article's regression: x ~ U[0, 10), y = 2x + 3 + N(0, noise²), seeded. */
  strictObject('data linreg', {
    kind: z.literal('linreg'),
    n: z.number().int().min(2).max(1_000_000).default(100),
    noise: z.number().min(0).max(1e6).default(1),
  }),
  /** Random Gaussian features with random class labels: a fixed-cost workload for benchmarks. */
  strictObject('data synthetic-classification', {
    kind: z.literal('synthetic-classification'),
    n: z.number().int().min(2).max(1_000_000).default(1024),
    features: z.number().int().min(1).max(10_000).default(784),
    classes: z.number().int().min(2).max(1000).default(10),
  }),
  /** Regression toys: y = sin(x) or a cubic, plus Gaussian noise; x uniform in [−3, 3). */
  strictObject('data sine', { kind: z.literal('sine'), n: z.number().int().min(2).max(1_000_000).default(200), noise: z.number().min(0).max(100).default(0.1) }),
  strictObject('data polynomial', { kind: z.literal('polynomial'), n: z.number().int().min(2).max(1_000_000).default(200), noise: z.number().min(0).max(100).default(0.5) }),
  /** Two-dimensional classification toys (sklearn's shapes), labels 0..classes−1. */
  strictObject('data moons', { kind: z.literal('moons'), n: z.number().int().min(4).max(1_000_000).default(400), noise: z.number().min(0).max(10).default(0.1) }),
  strictObject('data circles', {
    kind: z.literal('circles'),
    n: z.number().int().min(4).max(1_000_000).default(400),
    noise: z.number().min(0).max(10).default(0.05),
    factor: z.number().gt(0).lt(1).default(0.5),
  }),
  strictObject('data spirals', {
    kind: z.literal('spirals'),
    n: z.number().int().min(4).max(1_000_000).default(600),
    noise: z.number().min(0).max(10).default(0.2),
    classes: z.number().int().min(2).max(10).default(3),
  }),
  strictObject('data xor', { kind: z.literal('xor'), n: z.number().int().min(4).max(1_000_000).default(400), noise: z.number().min(0).max(10).default(0.1) }),
  strictObject('data blobs', {
    kind: z.literal('blobs'),
    n: z.number().int().min(4).max(1_000_000).default(400),
    noise: z.number().min(0).max(10).default(1),
    classes: z.number().int().min(2).max(20).default(3),
  }),
  /** A user's CSV file: a header row, numeric columns; `target` names the column to predict. */
  strictObject('data csv', {
    kind: z.literal('csv'),
    path: z.string().min(1, { error: 'path: the CSV file to read' }),
    target: z.string().min(1, { error: 'target: the column to predict' }),
    /** auto: an integer target with few distinct values is classification, anything else regression. */
    task: z.enum(['auto', 'regression', 'classification']).default('auto'),
    /** Rows with missing or non-numeric values are an error unless this is set; then they are dropped and listed. */
    dropInvalidRows: z.boolean().default(false),
  }),
  /** The 8×8 handwritten digits (1,797 images, 10 classes), pixels scaled to [0, 1]. */
  strictObject('data digits', { kind: z.literal('digits') }),
  /** Rows given in the config itself (x: one feature vector per row, y: one target per row). */
  strictObject('data inline', {
    kind: z.literal('inline'),
    x: z.array(z.array(finiteNumber).min(1)).min(1).max(100_000),
    y: z.array(finiteNumber).min(1).max(100_000),
  })
    .refine((d) => d.x.length === d.y.length, { message: 'x and y must have the same number of rows', path: ['y'] })
    .refine((d) => d.x.every((r) => r.length === d.x[0]!.length), { message: 'every row of x must have the same length', path: ['x'] }),
])
export type DataConfig = z.infer<typeof DataSchema>

export const ModelSchema = z.discriminatedUnion('kind', [
  strictObject('model linear', {
    kind: z.literal('linear'),
    /** Optional starting weights: weight[in][out] and bias[out]. Seeded init otherwise. */
    init: strictObject('model.init', { weight: z.array(z.array(finiteNumber)), bias: z.array(finiteNumber) }).optional(),
  }),
  strictObject('model mlp', {
    kind: z.literal('mlp'),
    hidden: z.array(z.number().int().min(1).max(65_536)).min(1).max(32).default([64]),
    activation: z.enum(['relu', 'tanh', 'sigmoid']).default('relu'),
    /** Batch normalisation after each hidden layer's affine map (PyTorch's BatchNorm1d: momentum 0.1, eps 1e-5). */
    batchNorm: z.boolean().default(false),
    /** Dropout after each hidden layer while training (PyTorch's nn.Dropout: inverted scaling). */
    dropout: z.number().min(0).max(0.9, { error: 'dropout must be at most 0.9' }).default(0),
    /**
     * Start from saved weights (fine-tuning): a run's saved model, the newest finished run of a
     * preset (trained first if there is none), or a tfjs model.json with matching dense layers.
     */
    initFrom: z
      .union([z.object({ run: RunIdSchema }).strict(), z.object({ preset: z.string().min(1) }).strict(), z.object({ modelJson: z.string().min(1) }).strict()], {
        error: (issue) => (issue.code === 'invalid_union' ? 'initFrom must be exactly one of {"run": id}, {"preset": name}, {"modelJson": path}' : undefined),
      })
      .optional(),
    /** With initFrom: a freshly initialised output layer (a new head) instead of the saved one. */
    newHead: z.boolean().default(true),
  }),
  /** A small CNN for image data (the 8×8 digits): conv → ReLU → 2×2 max-pool → dense → head. */
  strictObject('model cnn', {
    kind: z.literal('cnn'),
    filters: z.number().int().min(1).max(256).default(8),
    kernel: z.number().int().min(1).max(7).default(3),
    dense: z.number().int().min(1).max(4096).default(64),
  }),
])
export type ModelConfig = z.infer<typeof ModelSchema>

/**
 * Per-layer learning rates: factors on the scheduled LR, explicit values, or fastai's spread
 * (geometric from the first layer's LR up to the head's). Frozen layers are not trained.
 */
export const PARAM_GROUP_MODES = ['multipliers', 'values', 'spread'] as const
export const ParamGroupsSchema = strictObject('paramGroups', {
  mode: z.enum(PARAM_GROUP_MODES).default('multipliers'),
  /** Layer name → factor (multipliers) or learning rate (values). Layers not named keep factor 1. */
  layers: z
    .record(
      z.string().min(1),
      z
        .number()
        .positive({ error: 'must be > 0' })
        .max(MAX_LR, { error: `must be ≤ ${MAX_LR}` }),
    )
    .default({}),
  /** spread: the first layer's learning rate; the head keeps the optimizer's. */
  firstLr: z
    .number()
    .positive({ error: 'firstLr must be > 0' })
    .max(MAX_LR, { error: `firstLr must be ≤ ${MAX_LR}` })
    .optional(),
  freeze: z.array(z.string().min(1)).default([]),
}).refine((g) => g.mode !== 'spread' || g.firstLr !== undefined, { message: "spread needs firstLr (the first layer's learning rate)", path: ['firstLr'] })
export type ParamGroupsConfig = z.infer<typeof ParamGroupsSchema>

/** Layer names of a model config, input to output: what paramGroups refers to. */
export function layerNames(model: ModelConfig): string[] {
  if (model.kind === 'linear') return ['linear']
  if (model.kind === 'cnn') return ['conv1', 'dense1', 'head']
  return [...model.hidden.map((_, i) => `dense${i + 1}`), 'head']
}

export const RunConfigSchema = strictObject('the config', {
  name: z.string().trim().min(1).max(200).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  data: DataSchema,
  model: ModelSchema.default({ kind: 'linear' }),
  loss: z.enum(['mse', 'mae', 'huber', 'binaryCrossEntropy', 'crossEntropy']).default('mse'),
  /** The validation metric: accuracy for classification; R² or MAE for regression ('auto': accuracy or R²). */
  metric: z.enum(['auto', 'accuracy', 'r2', 'mae']).default('auto'),
  optimizer: OptimizerSchema,
  schedule: ScheduleSchema.default({ type: 'constant', stepUnit: 'epoch' }),
  clipping: ClippingSchema.default({ mode: 'none' }),
  paramGroups: ParamGroupsSchema.optional(),
  /** The preset this config came from (name@version), recorded for the library and fine-tuning. */
  preset: z.string().max(100).optional(),
  epochs: z.number().int().min(1).max(1_000_000),
  /** Rows per batch; 'full' (or any value ≥ the training rows) is batch gradient descent. */
  batchSize: z.union([z.literal('full'), z.number().int().min(1)]).default('full'),
  /** Fraction of rows held out for validation (seeded split). 0 trains on everything. */
  validationSplit: z.number().min(0).max(0.9).default(0.2),
  /** Stop as diverged when the loss exceeds this multiple of its best (besides non-finite). */
  divergeFactor: z.number().gt(1).optional(),
}).superRefine((c, ctx) => {
  if (!c.paramGroups) return
  const names = layerNames(c.model)
  for (const n of [...Object.keys(c.paramGroups.layers), ...c.paramGroups.freeze])
    if (!names.includes(n)) ctx.addIssue({ code: 'custom', path: ['paramGroups'], message: `no layer named "${n}" (this model's layers: ${names.join(', ')})` })
  if (names.every((n) => c.paramGroups!.freeze.includes(n))) ctx.addIssue({ code: 'custom', path: ['paramGroups', 'freeze'], message: 'every layer is frozen: nothing would train' })
})

export type RunConfig = z.infer<typeof RunConfigSchema>
export type RunConfigInput = z.input<typeof RunConfigSchema>

/**
 * Turn zod issues into one line per problem: `optimizer.lr: Too small: expected number to be >0`.
 * An unknown field is named by its full path (`data.nosie: unknown field(s) … (did you mean "noise"?)`).
 */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const path = i.code === 'unrecognized_keys' && i.keys.length === 1 ? [...i.path, i.keys[0]!] : i.path
    return `${path.length ? path.join('.') : '(config)'}: ${i.message}`
  })
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid config:\n  ${problems.join('\n  ')}`)
    this.name = 'ConfigError'
  }
}

export function parseRunConfig(input: unknown): RunConfig {
  const r = RunConfigSchema.safeParse(input)
  if (!r.success) throw new ConfigError(formatIssues(r.error))
  return r.data
}

/**
 * A config LR Lab reads back (a saved run's manifest, maybe from another version): the same
 * schema, but fields it does not know are dropped instead of refused, so a run written by a newer
 * LR Lab with an extra option still loads. Anything else wrong is still an error.
 */
export function parseStoredConfig(input: unknown): z.ZodSafeParseResult<RunConfig> {
  const first = RunConfigSchema.safeParse(input)
  if (first.success || !first.error.issues.every((i) => i.code === 'unrecognized_keys')) return first
  const copy = structuredClone(input) as Record<string, unknown>
  for (const issue of first.error.issues) {
    let at: unknown = copy
    for (const k of issue.path) at = (at as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey]
    if (typeof at === 'object' && at !== null) for (const k of (issue as z.core.$ZodIssueUnrecognizedKeys).keys) delete (at as Record<string, unknown>)[k]
  }
  return RunConfigSchema.safeParse(copy)
}

export function describeConfig(c: RunConfig): { dataset: string; model: string; optimizer: string; schedule: string } {
  return {
    dataset: c.data.kind,
    model: c.model.kind,
    optimizer: `${c.optimizer.type} lr=${c.optimizer.lr}`,
    schedule: c.schedule.type,
  }
}
