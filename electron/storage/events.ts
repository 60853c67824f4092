/**
 * events.jsonl: one RunEvent per line, appended. Each line ends with a `crc32` field, the
 * CRC-32 of the line's JSON without that field, so a damaged line is caught even when it
 * still parses; junk lines and a torn last line are skipped and reported.
 */
import { readFileSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import { EVENT_KINDS, RunEventSchema, type RunEvent } from '../../shared/run'

const CRC_FIELD = ',"crc32":'

/** The event schema, keeping fields a newer LR Lab added. */
const EventReader = RunEventSchema.loose()
const KNOWN_KINDS: ReadonlySet<string> = new Set(EVENT_KINDS)

function isNewerKind(parsed: unknown): boolean {
  if (typeof parsed !== 'object' || parsed === null) return false
  const kind = (parsed as { kind?: unknown }).kind
  return typeof kind === 'string' && !KNOWN_KINDS.has(kind) && EventReader.safeParse({ ...parsed, kind: 'start' }).success
}

export function encodeEvent(e: RunEvent): string {
  const json = JSON.stringify(e)
  return `${json.slice(0, -1)}${CRC_FIELD}${crc32(json)}}\n`
}

/** The event JSON of a line whose checksum matches, else null. */
function verifiedJson(line: string): string | null {
  const at = line.lastIndexOf(CRC_FIELD)
  if (at < 0 || !line.endsWith('}')) return null
  const crcText = line.slice(at + CRC_FIELD.length, -1)
  if (!/^\d{1,10}$/.test(crcText)) return null
  const json = line.slice(0, at) + '}'
  return crc32(json) === Number(crcText) ? json : null
}

export function readEvents(file: string, liveWriter: boolean): { events: RunEvent[]; damage: string[] } {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return { events: [], damage: [code === 'ENOENT' ? 'events.jsonl is missing' : `events.jsonl cannot be read (${code ?? String(e)})`] }
  }
  const damage: string[] = []
  const events: RunEvent[] = []
  const lines = text.split('\n')
  const last = lines.pop() ?? ''
  // A last line without its newline is a write cut short (or still being written by a live writer).
  if (last.trim() !== '' && !liveWriter) damage.push('events.jsonl: the last line is incomplete and was skipped')
  const bad: number[] = []
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    const json = verifiedJson(line)
    let parsed: unknown
    try {
      if (json === null) throw new Error('checksum')
      parsed = JSON.parse(json)
    } catch {
      bad.push(i + 1)
      return
    }
    const r = EventReader.safeParse(parsed)
    if (r.success) events.push(r.data)
    // A checksummed line of a kind this version does not know was written by a newer LR Lab: not damage.
    else if (!isNewerKind(parsed)) bad.push(i + 1)
  })
  if (bad.length) {
    const shown = bad.slice(0, 5).join(', ') + (bad.length > 5 ? ', …' : '')
    damage.push(`events.jsonl: ${bad.length} line${bad.length > 1 ? 's are' : ' is'} not a valid event and ${bad.length > 1 ? 'were' : 'was'} skipped (line ${shown})`)
  }
  return { events, damage }
}
