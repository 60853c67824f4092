/** events.jsonl: one RunEvent per line, appended; junk lines and a torn last line are skipped and reported. */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import type { RunEvent } from '../../shared/run'

const EVENT_KINDS = ['start', 'pause', 'resume', 'stop', 'diverged', 'restart', 'clipping', 'error', 'finish', 'interrupted'] as const
const RunEventSchema = z.object({
  time: z.string(),
  step: z.number(),
  kind: z.enum(EVENT_KINDS),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
})

export function encodeEvent(e: RunEvent): string {
  return JSON.stringify(e) + '\n'
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
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      bad.push(i + 1)
      return
    }
    const r = RunEventSchema.safeParse(parsed)
    if (r.success) events.push(r.data as RunEvent)
    else bad.push(i + 1)
  })
  if (bad.length) {
    const shown = bad.slice(0, 5).join(', ') + (bad.length > 5 ? ', …' : '')
    damage.push(`events.jsonl: ${bad.length} line${bad.length > 1 ? 's are' : ' is'} not a valid event and ${bad.length > 1 ? 'were' : 'was'} skipped (line ${shown})`)
  }
  return { events, damage }
}
