/**
 * The race view's state: the service's sweeps (kept current by 'sweep' events), which one is
 * shown, and its members' runs as the race needs them (live rows come through AppState's runs).
 */
import type { ServiceEvent } from '../../../shared/api'
import type { SweepInfo } from '../../../shared/sweep'
import type { AppState } from './app-state.svelte'
import { bestFinite, higherIsBetter, lastFinite, type MemberRun, type RaceMetric } from './race-math'
import { TERMINAL_STATUSES } from './run-data.svelte'

export class RaceState {
  sweeps = $state.raw<SweepInfo[]>([])
  selectedId = $state<string | null>(null)
  metric = $state<RaceMetric>('val_loss')
  which = $state<'final' | 'best'>('final')
  busy = $state(false)
  private attached = false

  constructor(private readonly app: AppState) {}

  get selected(): SweepInfo | null {
    return this.sweeps.find((s) => s.id === this.selectedId) ?? this.sweeps[0] ?? null
  }

  /** Subscribe once the service is reachable; list the sweeps it has. */
  async attach(): Promise<void> {
    const api = this.app.api
    if (!api || this.attached) return
    this.attached = true
    api.onEvent((e) => this.onEvent(e))
    await this.refresh()
  }

  async refresh(): Promise<void> {
    try {
      this.sweeps = (await this.app.api?.listSweeps()) ?? []
      this.loadEnded()
    } catch (e) {
      this.app.error = `Could not list sweeps: ${e instanceof Error ? e.message : String(e)}`
    }
  }

  private onEvent(e: ServiceEvent): void {
    if (e.type !== 'sweep') return
    const i = this.sweeps.findIndex((s) => s.id === e.sweep.id)
    this.sweeps = i < 0 ? [e.sweep, ...this.sweeps] : this.sweeps.map((s, j) => (j === i ? e.sweep : s))
    this.loadEnded()
  }

  /** Members that have ended are read from their run folders (config, summary and every row). */
  private loadEnded(): void {
    const s = this.selected
    if (!s) return
    for (const m of s.members) {
      if (!m.runId || !TERMINAL_STATUSES.includes(m.status as never)) continue
      const have = this.app.runs[m.runId]
      if (!have?.manifest || have.manifest.status !== m.status) {
        if (have?.manifest) have.manifest = null // stale (read while it ran): read again
        void this.app.ensureLoaded(m.runId)
      }
    }
  }

  select(id: string): void {
    this.selectedId = id
    this.loadEnded()
  }

  /** Each member's run as the race reads it; `revision` makes callers re-derive when rows arrive. */
  memberRuns(s: SweepInfo): MemberRun[] {
    const valMetricName = this.valMetricName(s)
    return s.members.map((member) => {
      const run = member.runId ? this.app.runs[member.runId] : undefined
      const steps = run?.steps
      const epochs = run?.epochs
      const diverged = member.status === 'diverged' || run?.status === 'diverged'
      return {
        member,
        config: run?.config ?? null,
        summary: run?.summary ?? null,
        current: { loss: lastFinite(steps?.get('loss')), val_loss: lastFinite(epochs?.get('val_loss')), val_metric: lastFinite(epochs?.get('val_metric')) },
        best: {
          loss: bestFinite(steps?.get('loss'), false),
          val_loss: bestFinite(epochs?.get('val_loss'), false),
          val_metric: bestFinite(epochs?.get('val_metric'), higherIsBetter('val_metric', valMetricName)),
        },
        divergedAt: diverged ? (run?.summary?.divergedAtStep ?? run?.lastFiniteLoss()?.step ?? 0) : null,
      }
    })
  }

  /** What the members' val_metric measures (they share data and loss, so one name). */
  valMetricName(s: SweepInfo): string | undefined {
    for (const m of s.members) {
      const name = m.runId ? this.app.runs[m.runId]?.summary?.valMetricName : undefined
      if (name) return name
    }
    return undefined
  }

  async start(spec: unknown, parallel: number | undefined): Promise<boolean> {
    const api = this.app.api
    if (!api) return false
    this.busy = true
    this.app.error = null
    try {
      const { sweepId } = await (parallel === undefined ? api.startSweep(spec) : api.startSweep(spec, { parallel }))
      this.selectedId = sweepId
      await this.refresh()
      return true
    } catch (e) {
      this.app.error = `Could not start the sweep: ${e instanceof Error ? e.message : String(e)}`
      return false
    } finally {
      this.busy = false
    }
  }

  async control(action: 'pause' | 'resume' | 'stop'): Promise<void> {
    const s = this.selected
    const api = this.app.api
    if (!s || !api) return
    try {
      if (action === 'pause') await api.pauseSweep(s.id)
      else if (action === 'resume') await api.resumeSweep(s.id)
      else await api.stopSweep(s.id)
    } catch (e) {
      this.app.error = `Could not ${action} the sweep: ${e instanceof Error ? e.message : String(e)}`
    }
  }
}
