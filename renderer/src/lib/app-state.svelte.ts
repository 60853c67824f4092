/**
 * Everything the page shows that is not form input: the service link, the runs held in
 * memory, which run is in focus, which are overlaid, the library list and chart prefs.
 */
import { DEFAULT_EXPORT_OPTIONS, type AppInfo, type ExportOptions, type OpenedRun, type ServiceEvent } from '../../../shared/api'
import type { RunListEntry } from '../../../shared/run'
import { RunConfigSchema } from '../../../shared/config'
import { PRESETS, type Preset } from '../../../shared/presets'
import { saveText } from './download'
import { downloadBase64, fileToBase64, zipFolderFiles, type FolderFile } from './file-transfer'
import { getApi, type ClientApi, type ConnectionState } from './api-client'
import { RunData, TERMINAL_STATUSES } from './run-data.svelte'
import type { XAxisMode, XRange } from './chart-types'
import { X_MODES, loadPrefs, savePrefs, type Prefs, type ThemeChoice, type View } from './prefs'

/** Run colours, distinguishable in light and dark themes. */
const PALETTE = ['#3b82f6', '#f97316', '#10b981', '#e11d48', '#8b5cf6', '#0ea5e9', '#ca8a04', '#db2777', '#14b8a6', '#64748b']

/** Memory for runs loaded but not on the charts; beyond it the least recently used are let go. */
export const RUN_MEMORY_BUDGET = 256 * 1024 * 1024

/** Pixels a run view is decimated for: the widest a chart can be in this window. */
function viewBuckets(): number {
  const w = typeof window === 'undefined' ? 1920 : Math.ceil(window.innerWidth)
  return Math.min(16_384, Math.max(256, w))
}

export { VIEWS, type ThemeChoice, type View } from './prefs'

/** A deleted run the user can still bring back. */
export interface UndoableDelete {
  id: string
  name: string
}

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
  view = $state<View>('dashboard')
  presets = $state.raw<Preset[]>(PRESETS)
  watchedFolders = $state.raw<string[]>([])
  /** The last deletion, offered for undo in a toast until it times out. */
  lastDeleted = $state<UndoableDelete | null>(null)
  /** A short confirmation line (saved file, imported run). */
  notice = $state<string | null>(null)
  /** Runs opened from outside the library this session: id → where from (until kept). */
  opened = $state.raw<Record<string, string>>({})
  /** Progress of the LR range test in flight (find-lr-progress events). */
  finderProgress = $state.raw<{ done: number; total: number } | null>(null)

  // Preferences (./prefs.ts): read once here, saved by one effect whenever one of them changes.
  smoothing = $state(0.6)
  xMode = $state<XAxisMode>('step')
  logLoss = $state(false)
  /** Log loss chosen for the user (a shown run diverged), not a preference: the toolbar box clears it. */
  autoLogLoss = $state(false)
  logLr = $state(false)
  theme = $state<ThemeChoice>('system')
  zoom = $state.raw<XRange | null>(null)

  private colors = new Map<string, string>()
  /** When each run was last opened or shown (for the memory LRU). */
  private lastUsed = new Map<string, number>()
  private useClock = 0

  constructor() {
    const p = loadPrefs()
    ;({ smoothing: this.smoothing, xMode: this.xMode, logLoss: this.logLoss, logLr: this.logLr, theme: this.theme, view: this.view } = p)
    $effect.root(() => {
      $effect(() => savePrefs(this.prefs))
    })
  }

  /** The preferences as saved. */
  get prefs(): Prefs {
    const { smoothing, xMode, logLoss, logLr, theme, view } = this
    return { smoothing, xMode, logLoss, logLr, theme, view }
  }

  /** Another x axis: the zoom of the old one means nothing on it. */
  setXMode(m: XAxisMode): void {
    this.xMode = m
    this.zoom = null
  }

  /** Loss on a log scale or not, as the user says: this also ends the automatic log scale of a diverged run. */
  setLogLoss(on: boolean): void {
    this.logLoss = on
    this.autoLogLoss = false
  }

  /** What the "log loss" box and the L key show and flip: the user's choice or the automatic one. */
  get logLossShown(): boolean {
    return this.logLoss || this.autoLogLoss
  }

  nextXMode(): void {
    this.setXMode(X_MODES[(X_MODES.indexOf(this.xMode) + 1) % X_MODES.length]!)
  }

  get focus(): RunData | null {
    return this.focusId ? (this.runs[this.focusId] ?? null) : null
  }

  /** Runs drawn on the charts: the focused one first, then the compared ones (derived once per change, not per read). */
  readonly shownRuns: RunData[] = $derived.by(() => {
    const ids = this.focusId ? [this.focusId, ...this.compareIds.filter((i) => i !== this.focusId)] : this.compareIds
    return ids.map((id) => this.runs[id]).filter((r): r is RunData => !!r)
  })

  readonly visibleRuns: RunData[] = $derived(this.shownRuns.filter((r) => !this.hiddenIds.includes(r.id)))

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
    void this.loadPresets()
    void this.refreshWatched()
  }

  setView(v: View): void {
    this.view = v
  }

  private async loadPresets(): Promise<void> {
    try {
      const list = await this.api?.listPresets()
      if (list?.length) this.presets = list
    } catch {
      // The bundled list is the same one the service has.
    }
  }

  async refreshWatched(): Promise<void> {
    try {
      this.watchedFolders = (await this.api?.listWatchedFolders()) ?? []
    } catch {
      this.watchedFolders = []
    }
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

  /** Runs whose status events already prompted a library refresh. */
  private libraryAskedFor = new Set<string>()

  private onEvent(e: ServiceEvent): void {
    if (e.type === 'library') {
      void this.refreshLibrary()
      return
    }
    if (e.type === 'find-lr-progress') {
      this.finderProgress = { done: e.done, total: e.total }
      return
    }
    if (e.type === 'sweep') return // the race view's (RaceState)
    const r = this.ensureRun(e.runId)
    if (e.type === 'metrics') {
      // Joined mid-run (a run another process writes, or one started before this page opened):
      // the rows so far come from the run's files.
      if (r.appendMetrics(e.steps, e.epochs) && !r.manifest) void this.ensureLoaded(e.runId)
      return
    }
    if (e.type === 'restart') {
      r.addEvent({ time: new Date().toISOString(), step: e.step, kind: 'restart', message: e.message })
      return
    }
    const wasKnownInLibrary = this.library.some((l) => l.id === e.runId)
    // A run started elsewhere (another window, the CLI on this service) takes an empty stage.
    if (!this.focusId && e.status === 'running') this.focusId = e.runId
    const before = r.status
    r.applyStatus(e)
    // A followed run that ended: its files now hold everything (events, final summary).
    if (e.external && TERMINAL_STATUSES.includes(e.status)) void this.ensureLoaded(e.runId, true)
    // Status events come many times a second while a run streams: ask for the list once per
    // unknown run (not on every event), and leave the list untouched when nothing in it changed.
    const unknown = !wasKnownInLibrary && !this.libraryAskedFor.has(e.runId)
    if (unknown || (before !== e.status && TERMINAL_STATUSES.includes(e.status))) {
      this.libraryAskedFor.add(e.runId)
      void this.refreshLibrary()
    } else if (this.library.some((l) => l.id === e.runId && l.status !== e.status)) {
      this.library = this.library.map((l) => (l.id === e.runId ? { ...l, status: e.status } : l))
    }
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

  private loading = new Map<string, Promise<RunData | null>>()

  /**
   * Bring a saved run into memory (unless it is already streaming here): a finished run as a
   * view decimated for the window's width (refined on zoom, see refineZoom), a live one whole.
   * `reload` reads it again (a run another process wrote has ended: its files hold everything).
   */
  async ensureLoaded(id: string, reload = false): Promise<RunData | null> {
    this.lastUsed.set(id, ++this.useClock)
    const have = this.runs[id]
    if (have?.manifest && !reload) return have
    if (!this.api) return null
    const inFlight = this.loading.get(id)
    if (inFlight && !reload) return inFlight
    const p = this.load(id).finally(() => {
      if (this.loading.get(id) === p) this.loading.delete(id)
    })
    this.loading.set(id, p)
    return p
  }

  private async load(id: string): Promise<RunData | null> {
    if (!this.api) return null
    try {
      const loaded = RunData.fromView(await this.api.loadRunView(id, { buckets: viewBuckets(), x: this.xMode, range: null }))
      // A run that streamed here before it was loaded: keep the rows the file did not have yet.
      const live = this.runs[id]
      if (live && !loaded.isView) loaded.adoptNewerRows(live)
      this.runs = { ...this.runs, [id]: loaded }
      this.evictUnseen(RUN_MEMORY_BUDGET, id)
      if (this.zoom) void this.refineZoom()
      return loaded
    } catch (e) {
      this.error = `Could not load run ${id}: ${messageOf(e)}`
      return null
    }
  }

  /**
   * Let go of runs not on the charts, least recently used first, until what the page holds
   * fits RUN_MEMORY_BUDGET. Live runs stay (their rows arrive only once); an evicted run
   * loads again as a view when opened.
   */
  evictUnseen(budget = RUN_MEMORY_BUDGET, keep?: string): void {
    const shown = new Set(this.shownRuns.map((r) => r.id))
    if (keep) shown.add(keep)
    const all = Object.values(this.runs)
    let total = all.reduce((n, r) => n + r.bytes, 0)
    if (total <= budget) return
    const gone = new Set<string>()
    for (const r of all.filter((r) => !shown.has(r.id) && !r.isLive).sort((a, b) => (this.lastUsed.get(a.id) ?? 0) - (this.lastUsed.get(b.id) ?? 0))) {
      if (total <= budget) break
      total -= r.bytes
      gone.add(r.id)
    }
    if (gone.size) this.runs = Object.fromEntries(Object.entries(this.runs).filter(([id]) => !gone.has(id)))
  }

  /**
   * Zoomed in, each shown view asks the service for the rows of the visible range at the
   * detail of the chart's pixels (every row once the range is small); zoomed out, it drops them.
   */
  async refineZoom(): Promise<void> {
    const api = this.api
    if (!api) return
    const zoom = this.zoom
    const x = this.xMode
    const buckets = viewBuckets()
    const key = zoom ? `${x}:${zoom[0]}:${zoom[1]}:${buckets}` : null
    await Promise.all(
      this.visibleRuns
        .filter((r) => r.isView && r.detailKey !== key)
        .map(async (r) => {
          r.detailKey = key
          if (!zoom) return r.applyDetail(null)
          try {
            const v = await api.loadRunView(r.id, { buckets, x, range: zoom })
            // A newer zoom may have been asked for meanwhile.
            if (r.detailKey === key) r.applyDetail(v)
          } catch (e) {
            this.error = `Could not load the zoomed range of run ${r.id}: ${messageOf(e)}`
          }
        }),
    )
  }

  private openToken = 0

  async openRun(id: string): Promise<void> {
    // Load, then focus: the charts are rebuilt once, for the loaded run, not first for an
    // empty stage. A later click wins over a slower earlier load.
    const token = ++this.openToken
    if (!this.runs[id]?.manifest) await this.ensureLoaded(id)
    if (token !== this.openToken) return
    this.focusId = id
    this.zoom = null
    this.hiddenIds = this.hiddenIds.filter((i) => i !== id)
    await this.ensureLoaded(id)
  }

  /** Overlay exactly these runs on the dashboard (the first one in focus). */
  async overlay(ids: string[]): Promise<void> {
    if (!ids.length) return
    this.focusId = ids[0]!
    this.compareIds = ids.slice(1)
    this.hiddenIds = []
    this.zoom = null
    this.setView('dashboard')
    await Promise.all(ids.map((id) => this.ensureLoaded(id)))
  }

  private async act(what: string, f: () => Promise<unknown>): Promise<boolean> {
    if (!this.api) return false
    try {
      await f()
      return true
    } catch (e) {
      this.error = `Could not ${what}: ${messageOf(e)}`
      return false
    }
  }

  async rename(id: string, name: string): Promise<void> {
    const n = name.trim()
    if (!n) return
    if (await this.act('rename the run', () => this.api!.renameRun(id, n))) {
      const r = this.runs[id]
      if (r) r.name = n
      this.library = this.library.map((l) => (l.id === id ? { ...l, name: n } : l))
    }
  }

  async setTags(id: string, tags: string[]): Promise<void> {
    const clean = [...new Set(tags.map((t) => t.trim()).filter(Boolean))]
    if (await this.act('set the tags', () => this.api!.setRunTags(id, clean))) this.library = this.library.map((l) => (l.id === id ? { ...l, tags: clean } : l))
  }

  async setNotes(id: string, notes: string): Promise<void> {
    if (await this.act('save the notes', () => this.api!.setRunNotes(id, notes))) {
      const r = this.runs[id]
      if (r?.manifest) r.manifest = { ...r.manifest, notes }
    }
  }

  async deleteRun(id: string): Promise<void> {
    const name = this.library.find((l) => l.id === id)?.name ?? id
    if (!(await this.act('delete the run', () => this.api!.deleteRun(id)))) return
    this.lastDeleted = { id, name }
    this.library = this.library.filter((l) => l.id !== id)
    if (this.focusId === id) this.focusId = null
    this.compareIds = this.compareIds.filter((i) => i !== id)
    const { [id]: _gone, ...rest } = this.runs
    this.runs = rest
  }

  async undoDelete(): Promise<void> {
    const d = this.lastDeleted
    if (!d) return
    this.lastDeleted = null
    if (await this.act('restore the run', () => this.api!.undoDeleteRun(d.id))) await this.refreshLibrary()
  }

  async importFolder(folder: string): Promise<void> {
    let runId = ''
    if (await this.act('import the run', async () => ({ runId } = await this.api!.importRun(folder)))) {
      this.notice = `Imported ${folder} as ${runId}`
      await this.refreshLibrary()
    }
  }

  /** Show a run opened from outside the library (Open run…, a drop, a second launch). */
  private async showOpened(o: OpenedRun): Promise<void> {
    if (!o.inLibrary) this.opened = { ...this.opened, [o.runId]: o.source }
    this.notice = o.inLibrary ? `${o.source}: run ${o.runId} is already in your library; showing that copy` : `Opened ${o.source}${o.damage.length ? ` (damaged parts: ${o.damage.length})` : ''}`
    this.setView('dashboard')
    await this.refreshLibrary()
    await this.openRun(o.runId)
  }

  /** A run folder or .zip by path (on the service's machine: Electron's dialogs and drops). */
  async openRunPath(path: string): Promise<void> {
    let o: OpenedRun | null = null
    if (await this.act('open the run', async () => (o = await this.api!.openRun(path)))) await this.showOpened(o!)
  }

  /** A .zip handed to the page (browser mode: chosen or dropped), sent to the service. */
  async openRunFile(file: File): Promise<void> {
    let o: OpenedRun | null = null
    if (await this.act('open the run', async () => (o = await this.api!.openRunUpload(file.name, await fileToBase64(file))))) await this.showOpened(o!)
  }

  /** A run folder handed to the page (browser mode: chosen or dropped), zipped and sent to the service. */
  async openRunFolderFiles(files: FolderFile[]): Promise<void> {
    let o: OpenedRun | null = null
    const open = async (): Promise<void> => {
      const { name, base64 } = await zipFolderFiles(files)
      o = await this.api!.openRunUpload(name, base64)
    }
    if (await this.act('open the run', open)) await this.showOpened(o!)
  }

  /** Copy an opened run into the library. */
  async keepOpened(id: string): Promise<void> {
    let kept = ''
    if (!(await this.act('copy the run into the library', async () => ({ runId: kept } = await this.api!.keepOpenedRun(id))))) return
    const { [id]: _done, ...rest } = this.opened
    this.opened = rest
    this.notice = `Copied into the library as ${kept}`
    await this.refreshLibrary()
    await this.openRun(kept)
  }

  async exportZip(id = this.focusId): Promise<void> {
    if (!id) return
    await this.act('export the run as .zip', async () => {
      if (window.lrlab) {
        const path = await window.lrlab.saveRunZip(id)
        if (path) this.notice = `Saved ${path}`
        return
      }
      const { filename, base64 } = await this.api!.exportRunZip(id)
      downloadBase64(filename, base64, 'application/zip')
      this.notice = `Downloaded ${filename}`
    })
  }

  async watchFolder(folder: string): Promise<void> {
    if (await this.act('watch the folder', () => this.api!.watchFolder(folder))) {
      this.notice = `Watching ${folder}`
      await Promise.all([this.refreshWatched(), this.refreshLibrary()])
    }
  }

  async unwatchFolder(folder: string): Promise<void> {
    if (await this.act('stop watching the folder', () => this.api!.unwatchFolder(folder))) await Promise.all([this.refreshWatched(), this.refreshLibrary()])
  }

  async exportComparison(ids: string[]): Promise<void> {
    await this.act('export the comparison', async () => {
      const { filename, csv } = await this.api!.exportComparisonCsv(ids)
      const path = await saveText(filename, csv, 'text/csv')
      if (path) this.notice = `Saved ${path}`
    })
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

  async exportCsv(id = this.focusId, options: ExportOptions = DEFAULT_EXPORT_OPTIONS): Promise<void> {
    if (!this.api || !id) return
    try {
      const path = await this.api.downloadCsv(id, options)
      if (path && window.lrlab) this.notice = `Saved ${path}`
    } catch (e) {
      this.error = `Could not export CSV: ${messageOf(e)}`
    }
  }
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
