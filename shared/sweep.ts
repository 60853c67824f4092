/**
 * A sweep: one base run config and axes that vary it. `grid` maps paths into the run config
 * ("optimizer.lr", "schedule") to lists of values; the members are the Cartesian product (or
 * `sample` of them, drawn with `seed`), each repeated per entry of `seeds`. Every member is an
 * ordinary run config, validated with the run-config schema; errors name the member and field.
 */
import { z } from 'zod'
import { ConfigError, formatIssues, type RunConfig } from './config'
import { parseRunnableConfig } from './run-plan'
import { createRng } from './random'
import type { BackendName, RunStatus } from './run'

/** More members than anyone should start by accident from one file. */
export const MAX_SWEEP_MEMBERS = 10_000

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/
const seedNumber = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1)

/** `{"logspace": [from, to, count]}`: count values spaced evenly in log10 from `from` to `to`, both included (numpy's geomspace). */
const LogspaceSchema = z
  .object({
    logspace: z.tuple(
      [
        z.number().positive({ error: 'from must be > 0' }).finite(),
        z.number().positive({ error: 'to must be > 0' }).finite(),
        z.number().int().min(2, { error: 'count must be at least 2' }).max(1000),
      ],
      { error: 'logspace is [from, to, count], e.g. [1e-4, 1, 9]' },
    ),
  })
  .strict()

const ListSchema = z.array(z.unknown()).min(1, { error: 'an axis needs at least one value' }).max(MAX_SWEEP_MEMBERS)

/** Values `count` points from `from` to `to`, equal ratios; rounded to 12 digits so 1e-3 prints as 0.001. */
export function logspace(from: number, to: number, count: number): number[] {
  const a = Math.log10(from)
  const step = (Math.log10(to) - a) / (count - 1)
  return Array.from({ length: count }, (_, i) => Number((10 ** (a + i * step)).toPrecision(12)))
}

/** An axis: a list of values, or a log grid. Parsed by hand so each form's own error reaches the user. */
const AxisSchema = z.unknown().transform((v, ctx): unknown[] => {
  const forward = (e: z.ZodError): never[] => {
    for (const i of e.issues) ctx.addIssue({ code: 'custom', message: i.message, path: i.path })
    return []
  }
  if (Array.isArray(v)) {
    const r = ListSchema.safeParse(v)
    return r.success ? r.data : forward(r.error)
  }
  if (typeof v === 'object' && v !== null) {
    const r = LogspaceSchema.safeParse(v)
    return r.success ? logspace(...r.data.logspace) : forward(r.error)
  }
  ctx.addIssue({ code: 'custom', message: 'an axis is a list of values or {"logspace": [from, to, count]}' })
  return []
})

export const SweepSpecSchema = z
  .object({
    /** Shown in the library and the race view; also the readable part of the sweep's id. */
    name: z.string().trim().min(1).max(200).optional(),
    /** The run config every member starts from (checked per member, once the axes are applied). */
    base: z.record(z.string(), z.unknown(), { error: 'base must be a run config (a JSON object)' }),
    /**
     * Whole alternatives to race side by side (the article's demos): each one's top-level fields
     * replace the base's. A first axis, "variant", labelled by each one's name.
     */
    variants: z
      .array(z.record(z.string(), z.unknown(), { error: 'a variant is a partial run config (a JSON object)' }))
      .min(1)
      .max(1000)
      .optional(),
    /** Paths into the run config → values; members are the Cartesian product, last axis varying fastest. */
    grid: z
      .record(z.string().regex(PATH), AxisSchema, {
        error: (i) => (i.code === 'invalid_key' ? 'a grid key is a path into the run config, e.g. "optimizer.lr"' : 'grid maps paths into the run config to lists of values'),
      })
      .default({}),
    /** Draw this many grid points at random (without repeats) instead of taking them all. */
    sample: z.number().int().min(1).max(MAX_SWEEP_MEMBERS).optional(),
    /** Seed of the `sample` draw. */
    seed: seedNumber.default(0),
    /** Repeat every grid point once per seed (the run config's `seed`: data split, batch order, initial weights). */
    seeds: z.array(seedNumber).min(1).max(100).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const points = gridSize(s.grid) * (s.variants?.length ?? 1)
    if (s.sample !== undefined && s.sample > points) ctx.addIssue({ code: 'custom', path: ['sample'], message: `${s.sample} is more than the grid's ${points} points` })
    if (s.seeds && 'seed' in s.grid) ctx.addIssue({ code: 'custom', path: ['seeds'], message: 'give seeds or a "seed" grid axis, not both' })
    if (s.seeds && new Set(s.seeds).size !== s.seeds.length) ctx.addIssue({ code: 'custom', path: ['seeds'], message: 'seeds must not repeat' })
    const members = (s.sample ?? points) * (s.seeds?.length ?? 1)
    if (members > MAX_SWEEP_MEMBERS) ctx.addIssue({ code: 'custom', path: ['grid'], message: `the sweep has ${members} members; at most ${MAX_SWEEP_MEMBERS}` })
  })

export type SweepSpec = z.output<typeof SweepSpecSchema>
export type SweepSpecInput = z.input<typeof SweepSpecSchema>

export interface SweepMember {
  /** 0-based; what `lrlab sweep --member K` takes. */
  index: number
  /** Axis path → this member's value (plus "seed" when the spec has `seeds`). */
  axes: Record<string, unknown>
  /** The axes in a few words: `lr=0.001 schedule=cosine seed=1`. */
  label: string
  config: RunConfig
}

function gridSize(grid: Record<string, unknown[]>): number {
  return Object.values(grid).reduce((n, values) => n * values.length, 1)
}

export function parseSweepSpec(input: unknown): SweepSpec {
  const r = SweepSpecSchema.safeParse(input)
  if (!r.success) throw new ConfigError(formatIssues(r.error))
  return r.data
}

/** The axes' paths, in the order the spec gives them ("seed" last when the spec has `seeds`). */
export function sweepAxes(spec: SweepSpec): string[] {
  return [...(spec.variants ? [VARIANT_AXIS] : []), ...Object.keys(spec.grid), ...(spec.seeds ? ['seed'] : [])]
}

/** The axis of `variants`: its value is the variant's name (or its position). */
export const VARIANT_AXIS = 'variant'

function variantName(v: Record<string, unknown>, i: number): string {
  return typeof v.name === 'string' && v.name.trim() ? v.name.trim() : `#${i}`
}

/** `path=value` for the label and tags; a variant shows by its name alone. */
function axisLabel(spec: SweepSpec, path: string, value: unknown, all: string[]): string {
  if (path === VARIANT_AXIS) return String(value)
  return `${axisName(path, all)}=${formatAxisValue(value, path === 'seed' ? [] : spec.grid[path])}`
}

/** A short name for an axis: its last path segment, unless another axis ends the same way. */
export function axisName(path: string, allPaths: string[]): string {
  const last = (p: string): string => p.slice(p.lastIndexOf('.') + 1)
  return allPaths.filter((p) => last(p) === last(path)).length > 1 ? path : last(path)
}

/** A value as the UI and tags show it: numbers short, schedules and optimizers by type (with their fields when two share it). */
export function formatAxisValue(value: unknown, siblings: readonly unknown[] = [value]): string {
  if (typeof value === 'number') return String(Number(value.toPrecision(4)))
  if (typeof value !== 'object' || value === null) return String(value)
  const type = (value as { type?: unknown; kind?: unknown }).type ?? (value as { kind?: unknown }).kind
  if (typeof type !== 'string') return JSON.stringify(value)
  const sameType = new Set(siblings.filter((s) => typeof s === 'object' && s !== null && ((s as { type?: unknown }).type ?? (s as { kind?: unknown }).kind) === type).map((s) => canonicalJson(s)))
  if (sameType.size <= 1) return type
  const fields = Object.entries(value).filter(([k]) => k !== 'type' && k !== 'kind')
  // The bare one among its kind ({type: 'constant'} beside {type: 'constant', stepUnit: 'batch'}): its name, not "constant()".
  if (!fields.length) return type
  return `${type}(${fields.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(',')})`
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): string | null {
  const keys = path.split('.')
  let at: Record<string, unknown> = target
  for (const [i, key] of keys.slice(0, -1).entries()) {
    const next = at[key] ?? (at[key] = {})
    if (typeof next !== 'object' || next === null || Array.isArray(next)) return `base.${keys.slice(0, i + 1).join('.')} is not an object, so ${path} cannot be set`
    at = next as Record<string, unknown>
  }
  at[keys[keys.length - 1]!] = structuredClone(value)
  return null
}

/** Grid points to run: all of them, or `sample` drawn without repeats (in grid order). */
function chosenPoints(spec: SweepSpec): number[] {
  const total = gridSize(spec.grid) * (spec.variants?.length ?? 1)
  const all = Array.from({ length: total }, (_, i) => i)
  if (spec.sample === undefined) return all
  const rng = createRng(spec.seed)
  for (let i = 0; i < spec.sample; i++) {
    const j = i + Math.floor(rng() * (total - i))
    ;[all[i], all[j]] = [all[j]!, all[i]!]
  }
  return all.slice(0, spec.sample).sort((a, b) => a - b)
}

/** How many members a sweep has, without building their configs. */
export function memberCount(spec: SweepSpec): number {
  return (spec.sample ?? gridSize(spec.grid) * (spec.variants?.length ?? 1)) * (spec.seeds?.length ?? 1)
}

/**
 * Every member's run config. Throws a ConfigError naming each member and field that is wrong
 * (the first 20 problems; the count of the rest).
 */
export function expandSweep(spec: SweepSpec): SweepMember[] {
  const paths = Object.keys(spec.grid)
  const allAxes = sweepAxes(spec)
  const members: SweepMember[] = []
  const problems: string[] = []
  let index = 0
  for (const point of chosenPoints(spec)) {
    // Mixed-radix digits of the point: the last axis varies fastest, as itertools.product.
    const axes: Record<string, unknown> = {}
    let rest = point
    for (const path of [...paths].reverse()) {
      const values = spec.grid[path]!
      axes[path] = values[rest % values.length]
      rest = Math.floor(rest / values.length)
    }
    const variant = spec.variants?.[rest]
    for (const seed of spec.seeds ?? [undefined]) {
      const memberAxes: Record<string, unknown> = Object.fromEntries(paths.map((p) => [p, axes[p]]))
      if (variant) Object.assign(memberAxes, { [VARIANT_AXIS]: variantName(variant, rest) })
      if (seed !== undefined) memberAxes.seed = seed
      const label = allAxes.map((p) => axisLabel(spec, p, memberAxes[p], allAxes)).join(' ')
      const raw = { ...structuredClone(spec.base), ...structuredClone(variant ?? {}) }
      const pathProblems = Object.entries(memberAxes)
        .filter(([p]) => p !== VARIANT_AXIS)
        .map(([p, v]) => setPath(raw, p, v))
        .filter((p): p is string => p !== null)
      raw.name = spec.name ? `${spec.name} · ${label}` : typeof raw.name === 'string' && !variant ? `${raw.name} · ${label}` : label
      try {
        if (pathProblems.length) throw new ConfigError(pathProblems)
        members.push({ index, axes: memberAxes, label, config: parseRunnableConfig(raw) })
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e
        problems.push(...e.problems.map((p) => `member ${index} (${label}): ${p}`))
      }
      index++
    }
  }
  if (problems.length) {
    const shown = problems.slice(0, 20)
    if (problems.length > 20) shown.push(`… and ${problems.length - 20} more problems`)
    throw new ConfigError(shown)
  }
  return members
}

/** Stringify with sorted keys: the same spec always gives the same text (and id). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (typeof v === 'object' && v !== null)
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(v)
}

/** cyrb53: a fast 53-bit string hash (not cryptographic; ids only need to not collide by accident). */
function hash53(s: string): number {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/**
 * The sweep's id, from its content: every process that runs a member of the same spec (a Slurm
 * array task, a GNU parallel job) agrees on it without talking to the others.
 */
export function sweepId(spec: SweepSpec): string {
  const slug =
    (spec.name ?? 'sweep')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 32) || 'sweep'
  return `${slug}-${hash53(canonicalJson(spec)).toString(16).padStart(14, '0')}`
}

export const SWEEP_TAG = 'sweep:'
export const MEMBER_TAG = 'member:'

/** The library tags of a member: its sweep, its index, and its axis values (what the library's filter finds). */
export function memberTags(id: string, spec: SweepSpec, member: SweepMember): string[] {
  const all = sweepAxes(spec)
  const axisTags = all.map((p) => axisLabel(spec, p, member.axes[p], all).slice(0, 64))
  return [`${SWEEP_TAG}${id}`, `${MEMBER_TAG}${member.index}`, ...axisTags]
}

/** The sweep and member index a run's tags name, or null for runs outside sweeps. */
export function sweepMemberOf(tags: readonly string[]): { sweepId: string; member: number } | null {
  const s = tags.find((t) => t.startsWith(SWEEP_TAG))
  const m = tags.find((t) => t.startsWith(MEMBER_TAG))
  if (!s || !m) return null
  const member = Number(m.slice(MEMBER_TAG.length))
  return Number.isInteger(member) && member >= 0 ? { sweepId: s.slice(SWEEP_TAG.length), member } : null
}

/** A value by path ("optimizer.lr") in a config: the report reads axis values back from each member's own config. */
export function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((at, k) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[k] : undefined), obj)
}

/** Where a member stands: its run's status, or 'queued' (waiting for a trainer slot) / 'pending' (not submitted). */
export type SweepMemberStatus = RunStatus | 'queued' | 'pending'

/** A member's run counts as its result when it finished or diverged; anything else reruns on resume. */
export function memberIsDone(status: SweepMemberStatus): boolean {
  return status === 'finished' || status === 'diverged'
}

export interface SweepMemberInfo {
  index: number
  label: string
  axes: Record<string, unknown>
  status: SweepMemberStatus
  /** The member's run in the library (its newest result, or the newest attempt), null before it starts. */
  runId: string | null
  /** Why the member could not start (no run folder was made). */
  error?: string
}

export interface SweepInfo {
  id: string
  name: string
  createdAt: string
  /** Axis paths, as sweepAxes gives them. */
  axes: string[]
  /** running/paused: members are being run here; stopped: stopped by the user; done: every member has a result. */
  status: 'running' | 'paused' | 'stopped' | 'done' | 'incomplete'
  /**
   * The backend every member trains on, chosen once for the sweep (forced by the base config or
   * LRLAB_BACKEND, else auto's pick for the first member): members' numbers differ by their axes
   * alone, not by kernels. Null until the first member has started.
   */
  backend: BackendName | null
  members: SweepMemberInfo[]
}

/** startSweep's options: how many of the sweep's members train at once (within the run queue's limit). */
export const SweepOptionsSchema = z.object({ parallel: z.number().int().min(1).max(256).optional() }).strict()
export type SweepOptions = z.infer<typeof SweepOptionsSchema>
