/**
 * The experiment builder's state: text as typed (so a half-typed number can be shown as an
 * error instead of being lost), turned into a config and validated live with the same zod
 * schema the service uses. Persisted in localStorage so a reload keeps the setup.
 */
import { RunConfigSchema, type RunConfig } from '../../../shared/config'
import { CLIPPING_CHOICES, OPTIMIZER_CHOICES, SCHEDULE_CHOICES, scheduleRunProblems, type Choice } from './engine-catalog'
import { scheduleContext } from './schedule-context'
import type { FieldSpec } from './schema-fields'

export type FieldValue = string | boolean

/** Starting values for fields the schemas give no default (the schema decides validity). */
const SUGGESTED: Record<string, string> = {
  lr: '0.01',
  gamma: '0.95',
  stepSize: '30',
  milestones: '[30, 60]',
  t0: '10',
  maxLr: '0.1',
  decaySteps: '10',
  decayRate: '0.5',
  warmupSteps: '5',
  'sequential.milestones': '[30]',
  'warmup.schedule': '{"type": "cosine"}',
  schedules: '[{"type": "linear", "startFactor": 0.1, "totalIters": 30}, {"type": "cosine"}]',
  maxNorm: '1',
  clipValue: '1',
}

function initialValue(variant: string, f: FieldSpec): FieldValue {
  if (f.kind === 'boolean') return f.defaultValue === true
  if (f.defaultValue !== undefined) return typeof f.defaultValue === 'string' ? f.defaultValue : JSON.stringify(f.defaultValue)
  const suggested = SUGGESTED[`${variant}.${f.key}`] ?? SUGGESTED[f.key]
  if (suggested !== undefined) return suggested
  if (f.kind === 'enum') return f.options[0] ?? ''
  return ''
}

function initialValues(c: Choice): Record<string, FieldValue> {
  return Object.fromEntries(c.fields.map((f) => [f.key, initialValue(c.value, f)]))
}

/** Text to the value zod should see: numbers parse, blanks drop out, the rest stays text so zod names the problem. */
function toRaw(f: FieldSpec, v: FieldValue): unknown {
  if (f.kind === 'boolean') return v === true
  const text = String(v).trim()
  if (text === '') return undefined
  if (f.kind === 'enum') return text
  if (f.kind === 'json') {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  if (f.literals.includes(text)) return text
  const n = Number(text)
  return Number.isNaN(n) ? text : n
}

function numberOrText(text: string): unknown {
  const t = text.trim()
  if (t === '') return undefined
  const n = Number(t)
  return Number.isNaN(n) ? t : n
}

const STORAGE_KEY = 'lrlab.experiment.v1'

export class ExperimentForm {
  name = $state('')
  optimizerType = $state(OPTIMIZER_CHOICES[0]?.value ?? 'sgd')
  scheduleType = $state(SCHEDULE_CHOICES[0]?.value ?? 'constant')
  clippingMode = $state(CLIPPING_CHOICES[0]?.value ?? 'none')
  optimizerValues = $state<Record<string, Record<string, FieldValue>>>({})
  scheduleValues = $state<Record<string, Record<string, FieldValue>>>({})
  clippingValues = $state<Record<string, Record<string, FieldValue>>>({})
  epochs = $state('100')
  batchSize = $state('full')
  validationSplit = $state('0.2')
  seed = $state('0')
  backend = $state('auto')
  dataN = $state('100')
  dataNoise = $state('1')

  constructor() {
    for (const c of OPTIMIZER_CHOICES) this.optimizerValues[c.value] = initialValues(c)
    for (const c of SCHEDULE_CHOICES) this.scheduleValues[c.value] = initialValues(c)
    for (const c of CLIPPING_CHOICES) this.clippingValues[c.value] = initialValues(c)
    this.restore()
  }

  get optimizer(): Choice | undefined {
    return OPTIMIZER_CHOICES.find((c) => c.value === this.optimizerType)
  }
  get schedule(): Choice | undefined {
    return SCHEDULE_CHOICES.find((c) => c.value === this.scheduleType)
  }
  get clipping(): Choice | undefined {
    return CLIPPING_CHOICES.find((c) => c.value === this.clippingMode)
  }

  /** The config as the service would receive it (before defaults). */
  toInput(): Record<string, unknown> {
    const section = (discKey: string, disc: string, choice: Choice | undefined, values: Record<string, FieldValue> | undefined) => {
      const out: Record<string, unknown> = { [discKey]: disc }
      for (const f of choice?.fields ?? []) {
        const raw = toRaw(f, values?.[f.key] ?? '')
        if (raw !== undefined) out[f.key] = raw
      }
      return out
    }
    const input: Record<string, unknown> = {
      data: { kind: 'linreg', n: numberOrText(this.dataN), noise: numberOrText(this.dataNoise) },
      optimizer: section('type', this.optimizerType, this.optimizer, this.optimizerValues[this.optimizerType]),
      schedule: section('type', this.scheduleType, this.schedule, this.scheduleValues[this.scheduleType]),
      clipping: section('mode', this.clippingMode, this.clipping, this.clippingValues[this.clippingMode]),
      epochs: numberOrText(this.epochs),
      batchSize: this.batchSize.trim() === 'full' ? 'full' : numberOrText(this.batchSize),
      validationSplit: numberOrText(this.validationSplit),
      seed: numberOrText(this.seed),
      backend: this.backend,
    }
    if (this.name.trim()) input['name'] = this.name.trim()
    return input
  }

  /** Live validation: the parsed config (null when the schema rejects it) and problems keyed by field path ('optimizer.lr'); Start needs no problems. */
  validate(): { config: RunConfig | null; errors: Map<string, string[]> } {
    const r = RunConfigSchema.safeParse(this.toInput())
    const errors = new Map<string, string[]>()
    if (r.success) {
      const problems = scheduleRunProblems(r.data.schedule, scheduleContext(r.data))
      if (problems.length) errors.set('schedule', problems)
      return { config: r.data, errors }
    }
    for (const issue of r.error.issues) {
      const path = issue.path.map(String).join('.') || '(config)'
      errors.set(path, [...(errors.get(path) ?? []), issue.message])
    }
    return { config: null, errors }
  }

  /** Fill the form from a saved run's config ("run again" / "edit a copy"). */
  loadConfig(c: RunConfig): void {
    const fill = (values: Record<string, FieldValue> | undefined, obj: Record<string, unknown>, disc: string) => {
      if (!values) return
      for (const [k, v] of Object.entries(obj)) {
        if (k === disc) continue
        values[k] = typeof v === 'boolean' ? v : typeof v === 'string' ? v : JSON.stringify(v)
      }
    }
    this.name = ''
    this.optimizerType = c.optimizer.type
    fill(this.optimizerValues[c.optimizer.type], c.optimizer as Record<string, unknown>, 'type')
    this.scheduleType = c.schedule.type
    fill(this.scheduleValues[c.schedule.type], c.schedule as Record<string, unknown>, 'type')
    this.clippingMode = c.clipping.mode
    fill(this.clippingValues[c.clipping.mode], c.clipping as Record<string, unknown>, 'mode')
    this.epochs = String(c.epochs)
    this.batchSize = String(c.batchSize)
    this.validationSplit = String(c.validationSplit)
    this.seed = String(c.seed)
    this.backend = c.backend
    if (c.data.kind === 'linreg') {
      this.dataN = String(c.data.n)
      this.dataNoise = String(c.data.noise)
    }
  }

  save(): void {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.snapshot()))
    } catch {
      // Storage may be unavailable (private mode); the form still works.
    }
  }

  private snapshot() {
    return {
      optimizerType: this.optimizerType,
      scheduleType: this.scheduleType,
      clippingMode: this.clippingMode,
      optimizerValues: this.optimizerValues,
      scheduleValues: this.scheduleValues,
      clippingValues: this.clippingValues,
      epochs: this.epochs,
      batchSize: this.batchSize,
      validationSplit: this.validationSplit,
      seed: this.seed,
      backend: this.backend,
      dataN: this.dataN,
      dataNoise: this.dataNoise,
    }
  }

  private restore(): void {
    let saved: Partial<ReturnType<ExperimentForm['snapshot']>>
    try {
      saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') ?? {}
    } catch {
      return
    }
    const known = (list: Choice[], v: unknown) => typeof v === 'string' && list.some((c) => c.value === v)
    if (known(OPTIMIZER_CHOICES, saved.optimizerType)) this.optimizerType = saved.optimizerType!
    if (known(SCHEDULE_CHOICES, saved.scheduleType)) this.scheduleType = saved.scheduleType!
    if (known(CLIPPING_CHOICES, saved.clippingMode)) this.clippingMode = saved.clippingMode!
    const merge = (into: Record<string, Record<string, FieldValue>>, from: unknown) => {
      if (!from || typeof from !== 'object') return
      for (const [type, values] of Object.entries(from as Record<string, Record<string, FieldValue>>)) {
        const target = into[type]
        if (!target || !values) continue
        for (const k of Object.keys(target)) if (k in values) target[k] = values[k]!
      }
    }
    merge(this.optimizerValues, saved.optimizerValues)
    merge(this.scheduleValues, saved.scheduleValues)
    merge(this.clippingValues, saved.clippingValues)
    for (const k of ['epochs', 'batchSize', 'validationSplit', 'seed', 'backend', 'dataN', 'dataNoise'] as const) {
      const v = saved[k]
      if (typeof v === 'string') this[k] = v
    }
  }
}
