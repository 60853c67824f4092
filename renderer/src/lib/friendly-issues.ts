/**
 * The builder's words for zod's generic problems ("Invalid input: expected number, received
 * string" reads as "must be a number (got "abc")"), in the style of the schemas' own messages
 * ("lr must be > 0"). Installed as zod's customError in the page (zod-setup.ts): a message a
 * schema states itself still wins.
 */
import type { z } from 'zod'

type RawIssue = z.core.$ZodRawIssue

const KIND: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  array: 'a list, e.g. 64, 64',
  object: 'a JSON object',
  boolean: 'true or false',
  string: 'text',
}

function shown(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v)
  return s.length > 24 ? `${s.slice(0, 23)}…` : s
}

/** What an alternative of a union accepts ("full", a whole number), for "must be … or …". */
function accepts(issues: readonly { code?: string; expected?: string; values?: readonly unknown[] }[]): string | null {
  const first = issues[0]
  if (!first) return null
  if (first.code === 'invalid_value' && first.values) return first.values.map((v) => JSON.stringify(v)).join(' or ')
  if (first.code === 'invalid_type' && first.expected) return KIND[first.expected] ?? first.expected
  return null
}

export function friendlyMessage(issue: RawIssue): string | undefined {
  const got = issue.input === undefined ? '' : ` (got ${shown(issue.input)})`
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required'
      return `must be ${KIND[issue.expected] ?? issue.expected}${got}`
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small'
      const bound = Number((issue as { minimum?: unknown; maximum?: unknown })[small ? 'minimum' : 'maximum'])
      const origin = (issue as { origin?: string }).origin
      if (origin === 'number' || origin === 'int' || origin === 'bigint') return `must be ${small ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<'} ${bound}`
      if (origin === 'string' && small && bound === 1) return 'must not be empty'
      const unit = origin === 'string' ? 'characters' : 'items'
      return small ? `needs at least ${bound} ${unit}` : `takes at most ${bound} ${unit}`
    }
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map(String).join(', ')}`}${got}`
    case 'invalid_union': {
      const options = (issue.errors ?? []).map((alt) => accepts(alt as never)).filter((a): a is string => a !== null)
      return options.length ? `must be ${options.join(' or ')}${got}` : undefined
    }
    default:
      return undefined
  }
}
