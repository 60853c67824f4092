/**
 * The page's preferences kept across reloads (chart settings, theme, last view): one zod schema
 * that both reads localStorage — a field that is missing or damaged falls back to its default,
 * the others are kept — and defines their type. AppState holds them as $state and saves them
 * whenever one changes (one effect), so no control has to remember to save.
 */
import { z } from 'zod'

export const VIEWS = ['dashboard', 'library', 'finder', 'race'] as const
export type View = (typeof VIEWS)[number]
export const THEMES = ['system', 'light', 'dark'] as const
export type ThemeChoice = (typeof THEMES)[number]
export const X_MODES = ['step', 'epoch', 'time'] as const

export const PrefsSchema = z.object({
  smoothing: z
    .number()
    .transform((v) => Math.min(0.999, Math.max(0, v)))
    .catch(0.6),
  xMode: z.enum(X_MODES).catch('step'),
  logLoss: z.boolean().catch(false),
  logLr: z.boolean().catch(false),
  theme: z.enum(THEMES).catch('system'),
  view: z.enum(VIEWS).catch('dashboard'),
})
export type Prefs = z.infer<typeof PrefsSchema>

const PREFS_KEY = 'lrlab.prefs.v1'

export function loadPrefs(): Prefs {
  let stored: unknown = {}
  try {
    stored = JSON.parse(localStorage.getItem(PREFS_KEY) ?? '{}')
  } catch {
    // Unreadable prefs are a convenience lost; the defaults are fine.
  }
  return PrefsSchema.parse(stored && typeof stored === 'object' ? stored : {})
}

export function savePrefs(p: Prefs): void {
  try {
    localStorage.setItem(PREFS_KEY, JSON.stringify(p))
  } catch {
    // Storage full or disabled: the page works without.
  }
}
