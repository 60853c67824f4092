/**
 * When a run or a sweep deserves a desktop notification, for both shells (Electron's
 * Notification in main, the Web Notifications API in the browser): it finished, diverged or
 * failed while the user was looking elsewhere. Stopping is the user's own doing and is not
 * announced. A sweep's members are announced once, by their sweep, not one by one.
 */
import type { ServiceEvent } from './api'
import type { RunStatus } from './run'
import { memberIsDone, type SweepInfo } from './sweep'

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

export interface SweepNotice {
  sweepId: string
  title: string
  body: string
}

const SWEEP_LIVE: readonly SweepInfo['status'][] = ['running', 'paused']

/** A sweep that was running here ended: 'done' (every member has a result) or 'incomplete' (some failed). */
export function sweepNotice(before: SweepInfo['status'] | undefined, info: SweepInfo, windowFocused: boolean): SweepNotice | null {
  if (windowFocused || before === undefined || !SWEEP_LIVE.includes(before)) return null
  const n = info.members.length
  const count = (st: string): number => info.members.filter((m) => m.status === st).length
  if (info.status === 'done') {
    const diverged = count('diverged')
    return { sweepId: info.id, title: 'Sweep finished', body: `${info.name}: ${n} members${diverged ? `, ${diverged} diverged` : ''}` }
  }
  if (info.status !== 'incomplete') return null
  const failed = info.members.filter((m) => !memberIsDone(m.status))
  const why = failed.find((m) => m.error)?.error
  const body = `${info.name}: ${failed.length} of ${n} members did not finish${why ? ` (${why})` : ''}`
  return { sweepId: info.id, title: 'Sweep failed', body: body.length > 200 ? `${body.slice(0, 199)}…` : body }
}

export type Notice = (RunNotice & { sweepId?: never }) | (SweepNotice & { runId?: never })

/**
 * Follows the service's events for a shell and says which deserve a notification: runs'
 * status changes (not a sweep member's: its sweep speaks for it) and sweeps' ends.
 */
export class ServiceNotices {
  private readonly runs = new StatusTracker()
  private readonly sweeps = new Map<string, SweepInfo['status']>()
  private readonly members = new Set<string>()

  notice(e: ServiceEvent, windowFocused: boolean, nameOf: (runId: string) => string | undefined = () => undefined): Notice | null {
    if (e.type === 'sweep') {
      for (const m of e.sweep.members) if (m.runId) this.members.add(m.runId)
      const before = this.sweeps.get(e.sweep.id)
      this.sweeps.set(e.sweep.id, e.sweep.status)
      return sweepNotice(before, e.sweep, windowFocused)
    }
    if (e.type !== 'status') return null
    const before = this.runs.change(e.runId, e.status)
    if (this.members.has(e.runId)) return null
    return runNotice({ runId: e.runId, name: nameOf(e.runId), before, after: e.status, message: e.message }, windowFocused)
  }
}
