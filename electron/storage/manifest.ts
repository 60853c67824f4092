/**
 * manifest.json: reading it tolerantly (salvaging what is valid field by field, naming what is
 * not), refusing newer formats with a clear message, and replacing it atomically.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { parseStoredConfig, RunConfigSchema, type RunConfig } from '../../shared/config'
import { emptySummary, RunManifestSchema, type RunManifest, type RunSummary } from '../../shared/run'
import { writeFileAtomic } from './fs-util'

/** Format of the run folder this code writes; it reads this and every older one. */
export const FORMAT_VERSION = 1

export class NewerFormatError extends Error {
  constructor(
    readonly runId: string,
    readonly formatVersion: number,
  ) {
    super(`run ${runId} was written by a newer LR Lab (format ${formatVersion}); this version reads up to ${FORMAT_VERSION}`)
    this.name = 'NewerFormatError'
  }
}

/**
 * Every manifest field but formatVersion, id and config, checked one by one so one bad field
 * doesn't cost the rest; object fields keep keys this version does not know (a newer LR Lab's
 * additions survive being read and written back by this one).
 */
const { formatVersion: _formatVersion, id: _id, config: _config, ...FIELD_SCHEMAS } = RunManifestSchema.shape
const KNOWN_KEYS = new Set(Object.keys(RunManifestSchema.shape))

function keepingUnknownKeys(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodObject ? schema.loose() : schema
}
const FIELD_READERS = Object.entries(FIELD_SCHEMAS).map(([key, schema]) => ({
  key,
  schema: keepingUnknownKeys(schema),
  optional: schema.safeParse(undefined).success,
}))

export interface ManifestRead {
  manifest: RunManifest
  damage: string[]
  /** False when config could not be read and `manifest.config` is a placeholder. */
  configValid: boolean
  /** Set when the run uses a newer format than this code reads. */
  newer?: NewerFormatError
  /** True when there was no usable manifest at all. */
  missing: boolean
}

/** A config that says nothing, used where a damaged manifest lost the real one. */
export function placeholderConfig(): RunConfig {
  placeholder ??= RunConfigSchema.parse({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 1 }, epochs: 1 })
  return placeholder
}
let placeholder: RunConfig | undefined

/** The created time encoded in an id such as 20261125-063512-ab12, else null. */
export function timeFromId(id: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(id)
  if (!m) return null
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!))
  return Number.isNaN(d.getTime()) ? null : d.toISOString()
}

/**
 * Read `<dir>/manifest.json` of run `id`. `fullConfigCheck` validates config with the full
 * RunConfig schema (load); listing skips it for speed and only checks the parts it shows.
 */
export function readManifest(file: string, id: string, fullConfigCheck: boolean): ManifestRead {
  const damage: string[] = []
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    damage.push(code === 'ENOENT' ? 'manifest.json is missing' : code ? `manifest.json cannot be read (${code})` : 'manifest.json is not valid JSON')
    return { manifest: fallbackManifest(id), damage, configValid: false, missing: true }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { manifest: fallbackManifest(id), damage: ['manifest.json is not a JSON object'], configValid: false, missing: true }
  }
  const obj = raw as Record<string, unknown>
  const fv = obj.formatVersion
  let newer: NewerFormatError | undefined
  if (typeof fv !== 'number' || !Number.isInteger(fv) || fv < 1) {
    damage.push('manifest.json: formatVersion is missing or invalid; read as format 1')
  } else if (fv > FORMAT_VERSION) {
    newer = new NewerFormatError(id, fv)
    damage.push(newer.message)
  }
  const m = fallbackManifest(id) as RunManifest & Record<string, unknown>
  if (typeof fv === 'number' && Number.isInteger(fv) && fv >= 1) m.formatVersion = fv
  if (obj.id !== undefined && obj.id !== id) damage.push(`manifest.json: id "${String(obj.id)}" differs from its folder name; the folder name is used`)
  for (const { key, schema, optional } of FIELD_READERS) {
    if (optional && obj[key] === undefined) continue
    const r = schema.safeParse(obj[key])
    if (r.success) m[key] = r.data
    else damage.push(`manifest.json: ${key} is ${obj[key] === undefined ? 'missing' : 'invalid'}`)
  }
  // Fields a newer LR Lab added are kept as they are, not judged.
  for (const [key, value] of Object.entries(obj)) if (!KNOWN_KEYS.has(key)) m[key] = value
  let configValid = false
  if (fullConfigCheck) {
    const r = parseStoredConfig(obj.config)
    if (r.success) {
      m.config = r.data
      configValid = true
    }
  } else if (looksLikeConfig(obj.config)) {
    m.config = obj.config as RunConfig
    configValid = true
  }
  if (!configValid) damage.push(`manifest.json: config is ${obj.config === undefined ? 'missing' : 'invalid'}; a placeholder is shown`)
  return { manifest: m, damage, configValid, newer, missing: false }
}

/** The parts of a config that listing shows (describeConfig), checked cheaply. */
function looksLikeConfig(c: unknown): boolean {
  if (typeof c !== 'object' || c === null) return false
  const o = c as Record<string, unknown>
  const kindOf = (v: unknown, key: string) => typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[key] === 'string'
  return kindOf(o.data, 'kind') && kindOf(o.model, 'kind') && kindOf(o.optimizer, 'type') && typeof (o.optimizer as Record<string, unknown>).lr === 'number' && kindOf(o.schedule, 'type')
}

function fallbackManifest(id: string): RunManifest {
  const created = timeFromId(id) ?? new Date(0).toISOString()
  return {
    formatVersion: FORMAT_VERSION,
    id,
    name: id,
    createdAt: created,
    updatedAt: created,
    // We cannot know how a run without a readable manifest ended.
    status: 'interrupted',
    config: placeholderConfig(),
    backend: { name: 'cpu', requested: 'auto', fallbackReasons: [] },
    versions: { lrlab: 'unknown', tfjs: 'unknown', node: 'unknown' },
    summary: emptySummary(),
    tags: [],
    notes: '',
  }
}

export function writeManifest(file: string, m: RunManifest): void {
  writeFileAtomic(file, JSON.stringify(m, null, 1) + '\n')
}

export function mergeSummary(s: RunSummary, patch: Partial<RunSummary> | undefined): RunSummary {
  return patch ? { ...s, ...patch } : s
}
