/**
 * When a run deserves a desktop notification, for both shells (Electron's Notification in
 * main, the Web Notifications API in the browser): it finished, diverged or failed while the
 * user was looking elsewhere. Stopping is the user's own doing and is not announced.
 */
import type { RunStatus } from './run'

export const NOTIFY_STATUSES = ['finished', 'diverged', 'failed'] as const satisfies readonly RunStatus[]

export interface RunNotice {
  runId: string
  title: string
  body: string
}

export interface StatusChange {
  runId: string
  name?: string
  before: RunStatus | undefined
  after: RunStatus
  message?: string
}

export function runNotice(c: StatusChange, windowFocused: boolean): RunNotice | null {
  if (windowFocused || c.before === c.after) return null
  if (!(NOTIFY_STATUSES as readonly string[]).includes(c.after)) return null
  const who = c.name && c.name !== c.runId ? c.name : c.runId
  const title = c.after === 'finished' ? 'Run finished' : c.after === 'diverged' ? 'Run diverged' : 'Run failed'
  const body = c.message ? `${who}: ${c.message}` : who
  return { runId: c.runId, title, body: body.length > 200 ? `${body.slice(0, 199)}…` : body }
}

/**
 * Remembers each run's last status so a notice fires once per change (status events repeat
 * many times a second while a run streams).
 */
export class StatusTracker {
  private readonly last = new Map<string, RunStatus>()
  change(runId: string, status: RunStatus): RunStatus | undefined {
    const before = this.last.get(runId)
    this.last.set(runId, status)
    return before
  }
  /** Runs whose last known status is running or paused. */
  live(): string[] {
    return [...this.last].filter(([, s]) => s === 'running' || s === 'paused').map(([id]) => id)
  }
}
