/**
 * Everything the page shows that is not form input: the service link, the runs held in
 * memory, which run is in focus, which are overlaid, the library list and chart prefs.
 */
import type { AppInfo, ServiceEvent } from '../../../shared/api'
import type { RunListEntry } from '../../../shared/run'
import { RunConfigSchema } from '../../../shared/config'
import { getApi, type ClientApi, type ConnectionState } from './api-client'
import { RunData, TERMINAL_STATUSES } from './run-data.svelte'
import type { XAxisMode, XRange } from './chart-types'

/** Run colours, distinguishable in light and dark themes. */
const PALETTE = ['#3b82f6', '#f97316', '#10b981', '#e11d48', '#8b5cf6', '#0ea5e9', '#ca8a04', '#db2777', '#14b8a6', '#64748b']

const PREFS_KEY = 'lrlab.prefs.v1'

export type ThemeChoice = 'system' | 'light' | 'dark'

export class AppState {
  api: ClientApi | null = null
  info = $state.raw<AppInfo | null>(null)
  connection = $state<ConnectionState>('connecting')
  runs = $state.raw<Record<string, RunData>>({})
  focusId = $state<string | null>(null)
  compareIds = $state.raw<string[]>([])
  hiddenIds = $state.raw<string[]>([])
  library = $state.raw<RunListEntry[]>([])
  libraryLoaded = $state(false)
  error = $state<string | null>(null)
  busy = $state(false)

  smoothing = $state(0.6)
  xMode = $state<XAxisMode>('step')
  logLoss = $state(false)
  logLr = $state(false)
  theme = $state<ThemeChoice>('system')
  zoom = $state.raw<XRange | null>(null)

  private colors = new Map<string, string>()

  constructor() {
    try {
      const p = JSON.parse(localStorage.getItem(PREFS_KEY) ?? 'null')
      if (p && typeof p === 'object') {
        if (typeof p.smoothing === 'number') this.smoothing = Math.min(0.999, Math.max(0, p.smoothing))
        if (p.xMode === 'step' || p.xMode === 'epoch' || p.xMode === 'time') this.xMode = p.xMode
        if (typeof p.logLoss === 'boolean') this.logLoss = p.logLoss
        if (typeof p.logLr === 'boolean') this.logLr = p.logLr
        if (p.theme === 'system' || p.theme === 'light' || p.theme === 'dark') this.theme = p.theme
      }
    } catch {
      // Prefs are a convenience; defaults are fine.
    }
  }

  savePrefs(): void {
    try {
      const { smoothing, xMode, logLoss, logLr, theme } = this
      localStorage.setItem(PREFS_KEY, JSON.stringify({ smoothing, xMode, logLoss, logLr, theme }))
    } catch {
      // ignore
    }
  }

  get focus(): RunData | null {
    return this.focusId ? (this.runs[this.focusId] ?? null) : null
  }

  /** Runs drawn on the charts: the focused one first, then the compared ones. */
  get shownRuns(): RunData[] {
    const ids = this.focusId ? [this.focusId, ...this.compareIds.filter((i) => i !== this.focusId)] : this.compareIds
    return ids.map((id) => this.runs[id]).filter((r): r is RunData => !!r)
  }

  get visibleRuns(): RunData[] {
    return this.shownRuns.filter((r) => !this.hiddenIds.includes(r.id))
  }

  colorOf(id: string): string {
    let c = this.colors.get(id)
    if (!c) {
      c = PALETTE[this.colors.size % PALETTE.length]!
      this.colors.set(id, c)
    }
    return c
  }

  async connect(): Promise<void> {
    const api = await getApi()
    this.api = api
    api.onConnection((s) => {
      const wasClosed = this.connection === 'closed'
      this.connection = s
      if (s === 'open' && wasClosed) void this.refreshLibrary()
    })
    api.onEvent((e) => this.onEvent(e))
    try {
      this.info = await api.getInfo()
    } catch (e) {
      this.error = messageOf(e)
    }
    await this.refreshLibrary()
  }

  async refreshLibrary(): Promise<void> {
    if (!this.api) return
    try {
      this.library = await this.api.listRuns()
      this.libraryLoaded = true
      // Runs first seen through events only know their id: take their names from the list.
      for (const entry of this.library) {
        const r = this.runs[entry.id]
        if (r && r.name === r.id) r.name = entry.name
      }
    } catch (e) {
      this.error = `Could not list saved runs: ${messageOf(e)}`
    }
  }

  private ensureRun(id: string): RunData {
    let r = this.runs[id]
    if (!r) {
      r = new RunData(id)
      this.runs = { ...this.runs, [id]: r }
    }
    return r
  }

  private onEvent(e: ServiceEvent): void {
    if (e.type === 'library') {
      void this.refreshLibrary()
      return
    }
    if (e.type === 'find-lr-progress') return
    const r = this.ensureRun(e.runId)
    if (e.type === 'metrics') {
      r.appendMetrics(e.steps, e.epochs)
      return
    }
    const wasKnownInLibrary = this.library.some((l) => l.id === e.runId)
    const before = r.status
    r.applyStatus(e)
    if (!wasKnownInLibrary || (before !== e.status && TERMINAL_STATUSES.includes(e.status))) void this.refreshLibrary()
    else this.library = this.library.map((l) => (l.id === e.runId && l.status !== e.status ? { ...l, status: e.status } : l))
  }

  async start(config: unknown): Promise<boolean> {
    if (!this.api) return false
    this.busy = true
    this.error = null
    try {
      const { runId } = await this.api.startRun(config)
      const r = this.ensureRun(runId)
      const parsed = RunConfigSchema.safeParse(config)
      if (parsed.success) r.config ??= parsed.data
      this.focusId = runId
      this.zoom = null
      if (r.name === runId && typeof config === 'object' && config && 'name' in config) r.name = String(config.name)
      void this.refreshLibrary()
      return true
    } catch (e) {
      this.error = `Could not start the run: ${messageOf(e)}`
      return false
    } finally {
      this.busy = false
    }
  }

  async control(action: 'stop' | 'pause' | 'resume', id = this.focusId): Promise<void> {
    if (!this.api || !id) return
    try {
      if (action === 'stop') await this.api.stopRun(id)
      else if (action === 'pause') await this.api.pauseRun(id)
      else await this.api.resumeRun(id)
    } catch (e) {
      this.error = `Could not ${action} the run: ${messageOf(e)}`
    }
  }

  /** Bring a saved run into memory (unless it is already streaming here). */
  async ensureLoaded(id: string): Promise<RunData | null> {
    const have = this.runs[id]
    if (have?.manifest) return have
    if (!this.api) return null
    try {
      const loaded = RunData.fromLoaded(await this.api.loadRun(id))
      // A run that streamed here before it was loaded: keep the rows the file did not have yet.
      const live = this.runs[id]
      if (live) loaded.adoptNewerRows(live)
      this.runs = { ...this.runs, [id]: loaded }
      return loaded
    } catch (e) {
      this.error = `Could not load run ${id}: ${messageOf(e)}`
      return null
    }
  }

  async openRun(id: string): Promise<void> {
    this.focusId = id
    this.zoom = null
    await this.ensureLoaded(id)
  }

  async toggleCompare(id: string): Promise<void> {
    if (this.compareIds.includes(id)) {
      this.compareIds = this.compareIds.filter((i) => i !== id)
      return
    }
    this.compareIds = [...this.compareIds, id]
    await this.ensureLoaded(id)
  }

  toggleHidden(id: string): void {
    this.hiddenIds = this.hiddenIds.includes(id) ? this.hiddenIds.filter((i) => i !== id) : [...this.hiddenIds, id]
  }

  async exportCsv(id = this.focusId): Promise<void> {
    if (!this.api || !id) return
    try {
      await this.api.downloadCsv(id, { level: 'step', format: 'wide' })
    } catch (e) {
      this.error = `Could not export CSV: ${messageOf(e)}`
    }
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
