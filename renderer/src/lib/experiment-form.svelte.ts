/**
 * The experiment builder's state: text as typed (so a half-typed number can be shown as an
 * error instead of being lost), turned into a config and validated live with the same zod
 * schema and run-length checks the service uses. Persisted in localStorage so a reload
 * keeps the setup; loadable from a saved run, a preset or a JSON file.
 */
import { layerNames, ModelSchema, PARAM_GROUP_MODES, RunConfigSchema, type RunConfig } from '../../../shared/config'
import { checkRunFitsMemory, checkScheduleFitsRun, cyclicHalfCycle, describeSteps, LONG_RUN_STEPS, planRun } from '../../../shared/run-plan'
import type { RangeTestInput } from '../../../shared/lr-finder'
import { dataTask } from '../../../shared/metrics'
import { CLIPPING_CHOICES, DATA_CHOICES, MODEL_CHOICES, OPTIMIZER_CHOICES, SCHEDULE_CHOICES, type Choice } from './engine-catalog'
import { fieldValueFromText, type FieldSpec } from './schema-fields'

export type FieldValue = string | boolean
type Values = Record<string, Record<string, FieldValue>>

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
  'csv.path': '',
  'inline.x': '[[0], [1], [2], [3]]',
  'inline.y': '[3, 5, 7, 9]',
}

/** The sections chosen among variants: config key, discriminator and the engine's choices. */
export const SECTIONS = {
  optimizer: { disc: 'type', choices: OPTIMIZER_CHOICES },
  schedule: { disc: 'type', choices: SCHEDULE_CHOICES },
  clipping: { disc: 'mode', choices: CLIPPING_CHOICES },
  data: { disc: 'kind', choices: DATA_CHOICES },
  model: { disc: 'kind', choices: MODEL_CHOICES },
} as const
export type SectionKey = keyof typeof SECTIONS
const SECTION_KEYS = Object.keys(SECTIONS) as SectionKey[]

/** Top-level keys with their own editors; anything else a loaded config carries goes to "more settings" (JSON). */
const PLAIN_KEYS = ['name', 'seed', 'backend', 'loss', 'metric', 'epochs', 'batchSize', 'validationSplit'] as const

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

function numberOrText(text: string): unknown {
  const t = text.trim()
  if (t === '') return undefined
  const n = Number(t)
  return Number.isNaN(n) ? t : n
}

const STORAGE_KEY = 'lrlab.experiment.v2'

/** 'none': one learning rate for every layer (no paramGroups in the config). */
export const GROUP_MODES = ['none', ...PARAM_GROUP_MODES] as const
export type GroupMode = (typeof GROUP_MODES)[number]

/**
 * The per-layer learning-rate form as typed: factors and rates per layer name, kept apart (a
 * factor of 10 is not a rate of 10 when the mode changes), and which layers are frozen.
 */
export interface GroupsText {
  mode: GroupMode
  layers: { multipliers: Record<string, string>; values: Record<string, string> }
  firstLr: string
  freeze: Record<string, boolean>
}

const noGroups = (): GroupsText => ({ mode: 'none', layers: { multipliers: {}, values: {} }, firstLr: '', freeze: {} })

export class ExperimentForm {
  name = $state('')
  selected = $state<Record<SectionKey, string>>({ optimizer: 'sgd', schedule: 'constant', clipping: 'none', data: 'linreg', model: 'linear' })
  values = $state<Record<SectionKey, Values>>({ optimizer: {}, schedule: {}, clipping: {}, data: {}, model: {} })
  loss = $state('mse')
  metric = $state('auto')
  epochs = $state('100')
  batchSize = $state('full')
  validationSplit = $state('0.2')
  seed = $state('0')
  backend = $state('auto')
  /** Per-layer learning rates (paramGroups); "more settings" JSON may still set paramGroups, and then wins. */
  groups = $state<GroupsText>(noGroups())
  /** Other top-level settings (divergeFactor, preset, …) as JSON text. */
  moreJson = $state('{}')
  /** The range-test sweep of the preset last loaded, for the LR-finder view. */
  rangeTest = $state.raw<RangeTestInput | null>(null)

  constructor() {
    for (const k of SECTION_KEYS) {
      const s = SECTIONS[k]
      if (!s.choices.some((c) => c.value === this.selected[k])) this.selected[k] = s.choices[0]?.value ?? ''
      for (const c of s.choices) this.values[k][c.value] = initialValues(c)
    }
    this.restore()
  }

  choice(k: SectionKey): Choice | undefined {
    return SECTIONS[k].choices.find((c) => c.value === this.selected[k])
  }

  private section(k: SectionKey): Record<string, unknown> {
    const { disc } = SECTIONS[k]
    const type = this.selected[k]
    const out: Record<string, unknown> = { [disc]: type }
    const values = this.values[k][type]
    for (const f of this.choice(k)?.fields ?? []) {
      const raw = fieldValueFromText(f, values?.[f.key] ?? '')
      if (raw !== undefined) out[f.key] = raw
    }
    return out
  }

  private more(): Record<string, unknown> | string {
    const t = this.moreJson.trim()
    if (!t) return {}
    try {
      const v = JSON.parse(t)
      return v && typeof v === 'object' && !Array.isArray(v) ? v : 'must be a JSON object, e.g. {"divergeFactor": 4}'
    } catch (e) {
      return `not valid JSON (${e instanceof Error ? e.message : String(e)})`
    }
  }

  /** The chosen model's layer names, input to output (null while the model's fields are invalid). */
  layerNames(): string[] | null {
    const r = ModelSchema.safeParse(this.section('model'))
    return r.success ? layerNames(r.data) : null
  }

  /** paramGroups from the form, for the current model's layers (texts of other layers are kept, not sent). */
  private groupsInput(): Record<string, unknown> | undefined {
    const g = this.groups
    if (g.mode === 'none') return undefined
    const names = this.layerNames() ?? []
    const out: Record<string, unknown> = { mode: g.mode, freeze: names.filter((n) => g.freeze[n]) }
    if (g.mode === 'spread') {
      const first = numberOrText(g.firstLr)
      if (first !== undefined) out['firstLr'] = first
    } else {
      const layers: Record<string, unknown> = {}
      for (const n of names) {
        const v = numberOrText(g.layers[g.mode][n] ?? '')
        if (v !== undefined) layers[n] = v
      }
      out['layers'] = layers
    }
    return out
  }

  /** "more settings" sets paramGroups itself (the form's groups are then not used). */
  groupsInMore(): boolean {
    const more = this.more()
    return typeof more === 'object' && 'paramGroups' in more
  }

  /** The config as the service would receive it (before defaults). */
  toInput(): Record<string, unknown> {
    const more = this.more()
    const groups = this.groupsInput()
    const input: Record<string, unknown> = {
      ...(groups ? { paramGroups: groups } : {}),
      ...(typeof more === 'object' ? more : {}),
      data: this.section('data'),
      model: this.section('model'),
      loss: this.loss,
      metric: this.metric,
      optimizer: this.section('optimizer'),
      schedule: this.section('schedule'),
      clipping: this.section('clipping'),
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
    const errors = new Map<string, string[]>()
    const more = this.more()
    if (typeof more === 'string') errors.set('more', [more])
    const r = RunConfigSchema.safeParse(this.toInput())
    if (r.success) {
      const problems = checkScheduleFitsRun(r.data)
      if (problems.length) errors.set('schedule', problems)
      const memory = checkRunFitsMemory(r.data)
      if (memory.length) errors.set('model', memory)
      return { config: r.data, errors }
    }
    for (const issue of r.error.issues) {
      const path = issue.path.map(String).join('.') || '(config)'
      errors.set(path, [...(errors.get(path) ?? []), issue.message])
    }
    return { config: null, errors }
  }

  /** A run long enough to ask about (over a million steps): the warning shown by Start, else null. */
  lengthWarning(config: RunConfig | null): string | null {
    const plan = config && planRun(config)
    return plan && plan.totalSteps > LONG_RUN_STEPS ? `Long run: ${describeSteps(config, plan)}` : null
  }

  /**
   * Fill the form from a config ("re-run", a preset, a JSON file): sections and plain fields
   * take what the config says, schema defaults fill the rest, unknown keys go to "more settings".
   */
  loadConfig(input: unknown, rangeTest: RangeTestInput | null = null): void {
    if (!input || typeof input !== 'object') throw new Error('a config is a JSON object')
    const c = input as Record<string, unknown>
    const defaults = { seed: 0, backend: 'auto', loss: 'mse', metric: 'auto', batchSize: 'full', validationSplit: 0.2 } as Record<string, unknown>
    for (const k of SECTION_KEYS) {
      const { disc, choices } = SECTIONS[k]
      const fallback: Record<string, unknown> = k === 'schedule' ? { type: 'constant' } : k === 'clipping' ? { mode: 'none' } : k === 'model' ? { kind: 'linear' } : {}
      const obj = (c[k] && typeof c[k] === 'object' ? c[k] : fallback) as Record<string, unknown>
      const type = String(obj[disc] ?? '')
      const choice = choices.find((ch) => ch.value === type)
      if (!choice) continue
      this.selected[k] = type
      const values = initialValues(choice)
      for (const [key, v] of Object.entries(obj)) {
        if (key === disc) continue
        values[key] = typeof v === 'boolean' ? v : typeof v === 'string' ? v : JSON.stringify(v)
      }
      this.values[k][type] = values
    }
    this.name = typeof c['name'] === 'string' ? c['name'] : ''
    const text = (k: string) => {
      const v = c[k] ?? defaults[k]
      return v === undefined ? '' : String(v)
    }
    this.seed = text('seed')
    this.backend = text('backend')
    this.loss = text('loss')
    this.metric = text('metric')
    this.epochs = text('epochs') || '100'
    this.batchSize = text('batchSize')
    this.validationSplit = text('validationSplit')
    this.groups = groupsText(c['paramGroups'])
    const more: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(c)) {
      if ((SECTION_KEYS as string[]).includes(k) || (PLAIN_KEYS as readonly string[]).includes(k)) continue
      // paramGroups the form can show go to the form; anything else stays JSON for the schema to judge.
      if (k === 'paramGroups' && this.groups.mode !== 'none') continue
      more[k] = v
    }
    this.moreJson = JSON.stringify(more, null, 1)
    this.rangeTest = rangeTest
  }

  /** A fresh experiment (File → New experiment): the builder's starting values. */
  reset(): void {
    this.loadConfig({ data: { kind: 'linreg' }, optimizer: { type: 'sgd' } })
    this.save()
  }

  /** Point the builder at a CSV file (File → Import CSV dataset…, or a dropped .csv). */
  useCsv(path: string): void {
    this.selected.data = 'csv'
    this.values.data['csv'] = { ...this.values.data['csv'], path }
    this.save()
  }

  save(): void {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.snapshot()))
    } catch {
      // Storage may be unavailable (private mode); the form still works.
    }
  }

  private snapshot() {
    const { name, selected, values, loss, metric, epochs, batchSize, validationSplit, seed, backend, groups, moreJson } = this
    return { name, selected, values, loss, metric, epochs, batchSize, validationSplit, seed, backend, groups, moreJson }
  }

  private restore(): void {
    let saved: Partial<ReturnType<ExperimentForm['snapshot']>>
    try {
      saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') ?? {}
    } catch {
      return
    }
    for (const k of SECTION_KEYS) {
      const sel = saved.selected?.[k]
      if (typeof sel === 'string' && SECTIONS[k].choices.some((c) => c.value === sel)) this.selected[k] = sel
      for (const [type, vals] of Object.entries(saved.values?.[k] ?? {})) {
        const target = this.values[k][type]
        if (!target || !vals) continue
        for (const key of Object.keys(target)) if (key in vals) target[key] = vals[key]!
      }
    }
    for (const k of ['name', 'loss', 'metric', 'epochs', 'batchSize', 'validationSplit', 'seed', 'backend', 'moreJson'] as const) {
      const v = saved[k]
      if (typeof v === 'string') this[k] = v
    }
    const g = saved.groups
    if (g && GROUP_MODES.includes(g.mode) && g.layers?.multipliers && g.layers.values) this.groups = { ...noGroups(), ...g }
  }
}

const REGRESSION_LOSSES = ['mse', 'mae', 'huber']

/**
 * When the loss does not fit the data's task (the digits with mse, a regression with
 * cross-entropy): what to say and the usual setup to offer; null when they fit or the task is
 * known only once the data is loaded.
 */
export function taskAdvice(config: RunConfig): { message: string; action: string; apply: (form: ExperimentForm) => void } | null {
  const task = dataTask(config.data)
  const data = config.data.kind === 'csv' ? 'this CSV' : config.data.kind
  if (task === 'classification' && REGRESSION_LOSSES.includes(config.loss)) {
    const mlp = config.model.kind === 'linear'
    return {
      message: `${data} is a classification task, but ${config.loss} fits the class numbers as if they were values.`,
      action: mlp ? 'Use crossEntropy and an MLP' : 'Use crossEntropy',
      apply: (form) => {
        form.loss = 'crossEntropy'
        if (mlp) form.selected.model = 'mlp'
      },
    }
  }
  if (task === 'regression' && !REGRESSION_LOSSES.includes(config.loss))
    return { message: `${data} is a regression task: ${config.loss} needs class labels.`, action: 'Use mse', apply: (form) => (form.loss = 'mse') }
  return null
}

/**
 * A config's paramGroups as the form's text, or no groups when it has none or the form cannot
 * show it faithfully (not an object, unknown mode, non-numeric values: the JSON keeps it).
 */
function groupsText(v: unknown): GroupsText {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return noGroups()
  const g = v as Record<string, unknown>
  const mode = g['mode'] ?? 'multipliers'
  const layers = g['layers'] ?? {}
  const freeze = g['freeze'] ?? []
  const known = new Set(['mode', 'layers', 'firstLr', 'freeze'])
  if (!PARAM_GROUP_MODES.includes(mode as never) || Object.keys(g).some((k) => !known.has(k))) return noGroups()
  if (!layers || typeof layers !== 'object' || Array.isArray(layers) || !Object.values(layers).every((x) => typeof x === 'number')) return noGroups()
  if (!Array.isArray(freeze) || !freeze.every((x) => typeof x === 'string')) return noGroups()
  if (g['firstLr'] !== undefined && typeof g['firstLr'] !== 'number') return noGroups()
  const texts = Object.fromEntries(Object.entries(layers).map(([k, x]) => [k, String(x)]))
  return {
    mode: mode as GroupMode,
    layers: { multipliers: mode === 'multipliers' ? texts : {}, values: mode === 'values' ? texts : {} },
    firstLr: g['firstLr'] === undefined ? '' : String(g['firstLr']),
    freeze: Object.fromEntries(freeze.map((n) => [n, true])),
  }
}

/**
 * Apply an LR-finder suggestion as "the lr": to the field that sets the run's peak rate. A
 * one-cycle or cyclic schedule with its own maxLr ignores the optimizer's lr there, so the
 * suggestion goes to that maxLr (as fastai's fit_one_cycle takes lr_find's valley as lr_max).
 * Returns what changed, for the confirmation line.
 */
export function applyLr(form: ExperimentForm, lr: number): string {
  const v = String(Number(lr.toPrecision(3)))
  const type = form.selected.schedule
  const s = form.values.schedule[type]
  if (s && (type === 'one-cycle' || type === 'cyclic') && String(s['maxLr'] ?? '').trim() !== '') {
    s['maxLr'] = v
    let also = ''
    // The cycle's base: its own baseLr, else the optimizer's lr.
    const baseText = String(s['baseLr'] ?? '').trim()
    const base = Number(baseText !== '' ? baseText : form.values.optimizer[form.selected.optimizer]?.['lr'])
    if (type === 'cyclic' && !(base <= Number(v))) {
      // Keep the cycle valid: Smith's base is a quarter of the max.
      s['baseLr'] = String(Number((lr / 4).toPrecision(3)))
      also = `, baseLr = ${s['baseLr']}`
    }
    return `${type} maxLr = ${v}${also} (the schedule sets the peak, not the optimizer's lr)`
  }
  const opt = form.values.optimizer[form.selected.optimizer]
  if (opt) opt['lr'] = v
  return `lr = ${v}`
}

/** A cyclic schedule between the finder's bounds, with a half-cycle that fits the run (cyclicHalfCycle). */
export function applyCyclicBounds(form: ExperimentForm, baseLr: number, maxLr: number): string {
  form.selected.schedule = 'cyclic'
  const s = form.values.schedule['cyclic']
  if (!s) return 'cyclic'
  s['baseLr'] = String(Number(baseLr.toPrecision(3)))
  s['maxLr'] = String(Number(maxLr.toPrecision(3)))
  s['stepSizeDown'] = ''
  const config = form.validate().config
  const half = config ? cyclicHalfCycle(config) : null
  if (half !== null) s['stepSizeUp'] = String(half)
  const unit = s['stepUnit'] === 'batch' ? 'steps' : 'epochs'
  return `cyclic ${s['baseLr']} ↔ ${s['maxLr']}${half !== null ? `, half-cycle ${half} ${unit}` : ''}`
}

export function applyOneCycleMax(form: ExperimentForm, maxLr: number): string {
  form.selected.schedule = 'one-cycle'
  const s = form.values.schedule['one-cycle']
  if (s) s['maxLr'] = String(Number(maxLr.toPrecision(3)))
  return `one-cycle maxLr = ${s?.['maxLr'] ?? maxLr}`
}
