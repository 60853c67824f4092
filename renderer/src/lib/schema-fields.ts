/**
 * Reads the engine's zod schemas to build forms, so every optimizer, schedule and clipping
 * mode the engine accepts gets an editor without the renderer listing their fields.
 */
import type { z } from 'zod'

export type FieldKind = 'number' | 'boolean' | 'enum' | 'json'

export interface FieldSpec {
  key: string
  kind: FieldKind
  integer: boolean
  optional: boolean
  defaultValue: unknown
  min: number | null
  max: number | null
  options: string[]
  /** Literal alternatives allowed besides a number (e.g. 'inf', 'full'). */
  literals: string[]
  /** The value is a list (milestones, hidden sizes): typed without brackets it is still one. */
  list: boolean
}

interface Def {
  type: string
  innerType?: z.ZodType
  defaultValue?: unknown
  options?: z.ZodType[]
  values?: unknown[]
  entries?: Record<string, string>
}

function defOf(s: z.ZodType): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def
}

/** One alternative of a discriminated union, keyed by its discriminator value. */
export interface Variant {
  value: string
  shape: Record<string, z.ZodType>
}

export function unionVariants(schema: z.ZodType, discriminator: string): Variant[] {
  const opts = (schema as unknown as { options?: z.ZodType[] }).options ?? []
  const out: Variant[] = []
  for (const o of opts) {
    const shape = (o as unknown as { shape?: Record<string, z.ZodType> }).shape
    const lit = shape?.[discriminator]
    const values = lit ? defOf(lit).values : undefined
    if (shape && values && typeof values[0] === 'string') out.push({ value: values[0], shape })
  }
  return out
}

export function describeField(key: string, schema: z.ZodType): FieldSpec {
  const spec: FieldSpec = { key, kind: 'json', integer: false, optional: false, defaultValue: undefined, min: null, max: null, options: [], literals: [], list: false }
  let s: z.ZodType | undefined = schema
  // Peel default/optional/nullable wrappers, remembering what they say.
  for (let guard = 0; s && guard < 8; guard++) {
    const d = defOf(s)
    if (d.type === 'default' || d.type === 'prefault') {
      if (spec.defaultValue === undefined) spec.defaultValue = typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue
      s = d.innerType
    } else if (d.type === 'optional' || d.type === 'nullable') {
      spec.optional = true
      s = d.innerType
    } else break
  }
  if (!s) return spec
  const d = defOf(s)
  if (d.type === 'union' && d.options) {
    // number | 'literal' unions (e.g. normType: number | 'inf').
    const num = d.options.find((o) => defOf(o).type === 'number')
    const lits = d.options.filter((o) => defOf(o).type === 'literal').flatMap((o) => (defOf(o).values ?? []).map(String))
    if (num && lits.length + 1 === d.options.length) {
      return { ...describeField(key, num), optional: spec.optional, defaultValue: spec.defaultValue, literals: lits }
    }
    return spec
  }
  if (d.type === 'number') {
    const n = s as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean }
    spec.kind = 'number'
    spec.integer = !!n.isInt
    spec.min = Number.isFinite(n.minValue) ? n.minValue : null
    spec.max = Number.isFinite(n.maxValue) ? n.maxValue : null
  } else if (d.type === 'boolean') {
    spec.kind = 'boolean'
  } else if (d.type === 'enum') {
    spec.kind = 'enum'
    spec.options = Object.values(d.entries ?? {})
  } else if (d.type === 'literal') {
    spec.kind = 'enum'
    spec.options = (d.values ?? []).map(String)
  } else if (d.type === 'array') {
    spec.list = true
  }
  return spec
}

/**
 * Text as typed to the value zod should see: numbers parse, blanks drop out, the rest stays
 * text so zod names the problem. A list field takes "30", "30, 60" or "[30, 60]" alike, so
 * one typed milestone is a one-milestone list.
 */
export function fieldValueFromText(f: FieldSpec, v: string | boolean): unknown {
  if (f.kind === 'boolean') return v === true
  const text = String(v).trim()
  if (text === '') return undefined
  if (f.kind === 'enum') return text
  if (f.kind === 'json') {
    const parsed = parseJson(text) ?? (f.list ? parseJson(`[${text}]`) : undefined)
    if (parsed === undefined) return text
    return f.list && !Array.isArray(parsed.value) ? [parsed.value] : parsed.value
  }
  if (f.literals.includes(text)) return text
  const n = Number(text)
  return Number.isNaN(n) ? text : n
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

/** Editable fields of a variant (everything but the discriminator). */
export function variantFields(v: Variant, discriminator: string): FieldSpec[] {
  return Object.entries(v.shape)
    .filter(([k]) => k !== discriminator)
    .map(([k, s]) => describeField(k, s))
}
