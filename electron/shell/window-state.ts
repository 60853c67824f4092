/**
 * The window's size, position and maximised state across launches: read back with zod (a
 * damaged file gives the defaults), and a saved position is used only while it still lies on
 * a connected display (a laptop unplugged from its monitor must not open the window off-screen).
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { writeFileAtomic } from '../storage/fs-util'

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

const int = z.number().int().min(-100_000).max(100_000)
export const WindowStateSchema = z.object({
  x: int.optional(),
  y: int.optional(),
  width: z.number().int().min(200).max(100_000),
  height: z.number().int().min(200).max(100_000),
  maximized: z.boolean().default(false),
})
export type WindowState = z.infer<typeof WindowStateSchema>

export const DEFAULT_WINDOW: WindowState = { width: 1400, height: 900, maximized: false }
export const MIN_SIZE = { width: 1024, height: 700 }

/** Enough of the window must show on one display to grab its title bar. */
const VISIBLE_MARGIN = 64

function overlaps(a: Rect, b: Rect): boolean {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w >= VISIBLE_MARGIN && h >= VISIBLE_MARGIN
}

/** The bounds to open with, given what was saved and the displays' work areas now. */
export function restoreBounds(saved: WindowState | null, workAreas: Rect[]): WindowState {
  const s = saved ?? DEFAULT_WINDOW
  const primary = workAreas[0]
  let width = Math.max(MIN_SIZE.width, s.width)
  let height = Math.max(MIN_SIZE.height, s.height)
  if (primary) {
    width = Math.min(width, Math.max(MIN_SIZE.width, primary.width))
    height = Math.min(height, Math.max(MIN_SIZE.height, primary.height))
  }
  const out: WindowState = { width, height, maximized: s.maximized }
  if (s.x !== undefined && s.y !== undefined && workAreas.some((a) => overlaps({ x: s.x!, y: s.y!, width, height }, a))) {
    out.x = s.x
    out.y = s.y
  }
  return out
}

/** What to save when the window closes: the normal (unmaximised) bounds plus the flag. */
export function stateToSave(normalBounds: Rect, maximized: boolean): WindowState {
  return WindowStateSchema.parse({ ...roundRect(normalBounds), maximized })
}

function roundRect(r: Rect): Rect {
  return { x: Math.round(r.x), y: Math.round(r.y), width: Math.max(200, Math.round(r.width)), height: Math.max(200, Math.round(r.height)) }
}

export function loadWindowState(file: string): WindowState | null {
  try {
    const parsed = WindowStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

export function saveWindowState(file: string, s: WindowState): void {
  writeFileAtomic(file, JSON.stringify(s))
}
