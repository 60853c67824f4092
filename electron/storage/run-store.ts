/**
 * The run library: one portable folder per run under `<dataDir>/runs/<runId>/`
 * (manifest.json, steps.arrow, epochs.arrow, events.jsonl, optionally model/).
 * Listing reads manifests only; loading reads everything and reports what is damaged
 * instead of throwing. Deleted runs move to `<dataDir>/trash/` until the trash is emptied.
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, appendFileSync, openSync, fsyncSync, closeSync, fstatSync, readSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { LoadedRun } from '../../shared/api'
import { RunIdSchema } from '../../shared/api'
import { describeConfig, type RunConfig } from '../../shared/config'
import { RunNameSchema, RunNotesSchema, RunTagsSchema } from '../../shared/run-limits'
import { emptySummary, type BackendInfo, type RunListEntry, type RunManifest } from '../../shared/run'
import { emptyColumns, readArrowColumns } from './arrow-file'
import { expectedMetricName } from '../../shared/metrics'
import { encodeEvent, readEvents } from './events'
import { fsyncDir, pidAlive, processStartTime, writerAlive } from './fs-util'
import { FORMAT_VERSION, NewerFormatError, readManifest, writeManifest, type ManifestRead } from './manifest'
import { EPOCHS_FILE, EVENTS_FILE, MANIFEST_FILE, openWriterDirs, RunWriter, STEPS_FILE } from './run-writer'
import { watchRuns, type WatchEvent, type WatchOptions } from './watch'

export interface CreateRunInit {
  /** A queued run's id (createQueuedRun): its folder becomes the run's. */
  id?: string
  config: RunConfig
  name?: string
  backend: BackendInfo
  stepColumns: readonly string[]
  epochColumns: readonly string[]
  versions: RunManifest['versions']
  /** Tags from the start (a sweep member's sweep, index and axis values). */
  tags?: readonly string[]
}

const ColumnNamesSchema = z
  .array(z.string().min(1, 'a column name must not be empty'))
  .min(1, 'at least one column is required')
  .refine((a) => new Set(a).size === a.length, 'column names must be unique')

function check<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value)
  if (!r.success) throw new Error(`${field}: ${r.error.issues.map((i) => i.message).join('; ')}`)
  return r.data
}

/** A sortable, unique-enough id: UTC time to the second and 4 random hex digits. */
export function newRunId(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const t = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`
  return `${t}-${randomBytes(2).toString('hex')}`
}

function isRunId(name: string): boolean {
  return RunIdSchema.safeParse(name).success
}

/**
 * `root/id` after checking that it is a strict child of `root`: every rm, rename and read of a
 * run goes through here, so no id can reach the root itself, its parent or anything beside it.
 */
function childPath(root: string, id: string): string {
  check(RunIdSchema, id, 'run id')
  const base = resolve(root)
  const p = resolve(base, id)
  if (dirname(p) !== base || basename(p) !== id) throw new Error(`run id: "${id}" does not name a folder inside ${base}`)
  return p
}

export class RunStore {
  readonly runsDir: string
  readonly trashDir: string

  /** False for another folder's runs opened by openWatched: nothing there is ever created, moved or deleted. */
  readonly writable: boolean

  constructor(
    readonly dataDir: string,
    watchedRunsDir?: string,
  ) {
    this.runsDir = watchedRunsDir ?? join(dataDir, 'runs')
    this.trashDir = join(dataDir, 'trash')
    this.writable = watchedRunsDir === undefined
    if (!this.writable) return
    mkdirSync(this.runsDir, { recursive: true })
    mkdirSync(this.trashDir, { recursive: true })
  }

  /**
   * Another folder's runs, read only: `folder` is a data dir (with runs/ inside) or a runs
   * folder itself. Throws, saying why, for a folder that is neither.
   */
  static openWatched(folder: string): RunStore {
    const abs = resolve(folder)
    if (!isDir(abs)) throw new Error(`${folder} is not a folder`)
    if (isDir(join(abs, 'runs'))) return new RunStore(abs, join(abs, 'runs'))
    const store = new RunStore(dirname(abs), abs)
    if (basename(abs) !== 'runs' && store.runFolders(abs).length === 0) {
      throw new Error(`${folder} is neither an LR Lab data folder (it has no runs/ folder) nor a folder of runs (none of its folders holds a manifest.json or metrics)`)
    }
    return store
  }

  private mustBeWritable(): void {
    if (!this.writable) throw new Error(`${this.runsDir} is a watched folder: its runs are read only here; import a run to change it`)
  }

  runDir(id: string): string {
    return childPath(this.runsDir, id)
  }

  private trashPath(id: string): string {
    return childPath(this.trashDir, id)
  }

  createRun(init: CreateRunInit): RunWriter {
    this.mustBeWritable()
    const stepColumns = check(ColumnNamesSchema, init.stepColumns, 'stepColumns')
    const epochColumns = check(ColumnNamesSchema, init.epochColumns, 'epochColumns')
    if (init.id !== undefined) {
      const id = init.id
      const dir = this.runDir(id)
      const read = readManifest(join(dir, MANIFEST_FILE), id, false)
      if (read.missing || read.manifest.status !== 'queued') throw new Error(`run ${id} is not a queued run`)
      return this.newWriter(id, dir, init, stepColumns, epochColumns)
    }
    let id: string
    let dir: string
    for (let attempt = 0; ; attempt++) {
      id = newRunId()
      dir = join(this.runsDir, id)
      try {
        mkdirSync(dir) // not recursive: fails if the id is taken, so two writers never share a folder
        break
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 50) throw e
      }
    }
    fsyncDir(this.runsDir)
    return this.newWriter(id, dir, init, stepColumns, epochColumns)
  }

  private newWriter(id: string, dir: string, init: CreateRunInit, stepColumns: string[], epochColumns: string[]): RunWriter {
    const now = new Date().toISOString()
    const d = describeConfig(init.config)
    const manifest: RunManifest = {
      formatVersion: FORMAT_VERSION,
      id,
      name: init.name ?? init.config.name ?? `${d.optimizer}, ${d.schedule}`,
      createdAt: now,
      updatedAt: now,
      status: 'running',
      config: init.config,
      backend: init.backend,
      versions: init.versions,
      summary: emptySummary(),
      tags: init.tags ? [...new Set(check(RunTagsSchema, [...init.tags], 'tags'))] : [],
      notes: '',
      stepColumns,
      epochColumns,
    }
    return new RunWriter({ dir, manifest, stepColumns, epochColumns })
  }

  /**
   * A run waiting for a trainer slot: its folder with a manifest of status 'queued', owned by this
   * process (a dead owner makes it 'interrupted'). createRun({ id }) later makes it the run's.
   */
  createQueuedRun(init: Pick<CreateRunInit, 'config' | 'name' | 'backend' | 'versions'>): string {
    const id = newRunId()
    const dir = join(this.runsDir, id)
    mkdirSync(dir)
    const now = new Date().toISOString()
    const d = describeConfig(init.config)
    const start = processStartTime(process.pid)
    writeManifest(join(dir, MANIFEST_FILE), {
      formatVersion: FORMAT_VERSION,
      id,
      name: init.name ?? init.config.name ?? `${d.optimizer}, ${d.schedule}`,
      createdAt: now,
      updatedAt: now,
      status: 'queued',
      config: init.config,
      backend: init.backend,
      versions: init.versions,
      summary: emptySummary(),
      tags: [],
      notes: '',
      writerPid: process.pid,
      writerHost: hostname(),
      ...(start !== undefined && { writerStart: start }),
    })
    fsyncDir(this.runsDir)
    return id
  }

  /** End a queued run that never started (cancelled, refused, or LR Lab quit), with the reason as an event. */
  settleQueuedRun(id: string, status: 'stopped' | 'failed' | 'interrupted', message: string): void {
    const dir = this.existingDir(id)
    const file = join(dir, MANIFEST_FILE)
    const read = readManifest(file, id, false)
    if (read.missing || read.manifest.status !== 'queued') return
    const m: RunManifest = { ...read.manifest, status, updatedAt: new Date().toISOString(), summary: { ...read.manifest.summary, ...(status === 'failed' && { error: message }) } }
    delete m.writerPid
    delete m.writerHost
    delete m.writerStart
    appendDurable(join(dir, EVENTS_FILE), encodeEvent({ time: m.updatedAt, step: 0, kind: status === 'failed' ? 'error' : status === 'stopped' ? 'stop' : 'interrupted', message }))
    writeManifest(file, m)
  }

  /** Every run, newest first. Junk is skipped; damaged runs are listed with `damage`. */
  list(): RunListEntry[] {
    return this.listDir(this.runsDir)
  }

  /** Runs in the trash (deleted, not yet emptied), newest first. */
  listTrash(): RunListEntry[] {
    return this.listDir(this.trashDir)
  }

  private listDir(root: string): RunListEntry[] {
    const out: RunListEntry[] = []
    for (const id of this.runFolders(root)) {
      try {
        const read = readManifest(join(root, id, MANIFEST_FILE), id, false)
        out.push(listEntry(read))
      } catch {
        // A folder that vanished between readdir and read (deleted meanwhile) is simply not listed.
      }
    }
    out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    return out
  }

  /** Folder names in `root` that hold a run (a manifest or metrics), skipping everything else. */
  private runFolders(root: string): string[] {
    let entries
    try {
      entries = readdirSync(root, { withFileTypes: true })
    } catch {
      return []
    }
    const ids: string[] = []
    for (const e of entries) {
      if (!e.isDirectory() || !isRunId(e.name)) continue
      const dir = join(root, e.name)
      if (existsSync(join(dir, MANIFEST_FILE)) || existsSync(join(dir, STEPS_FILE)) || existsSync(join(dir, EPOCHS_FILE))) ids.push(e.name)
    }
    return ids
  }

  private existingDir(id: string): string {
    const dir = this.runDir(id)
    if (!isDir(dir)) throw new Error(`no run with id "${id}"`)
    return dir
  }

  loadManifest(id: string): RunManifest {
    const read = readManifest(join(this.existingDir(id), MANIFEST_FILE), id, true)
    if (read.newer) throw read.newer
    return read.manifest
  }

  /**
   * A run's manifest for reports (config and summary) without reading its metrics, unless the
   * manifest is lost and the step and epoch counts must come from the metric files.
   */
  reportManifest(id: string): RunManifest {
    const read = readManifest(join(this.existingDir(id), MANIFEST_FILE), id, true)
    if (read.newer) throw read.newer
    return read.missing ? this.load(id).manifest : read.manifest
  }

  /**
   * Everything of a run. Throws only for an unknown id or a run written by a newer LR Lab;
   * damaged files give what is intact plus one `damage` line per problem.
   */
  load(id: string, o: { steps?: boolean } = {}): LoadedRun {
    const dir = this.existingDir(id)
    const read = readManifest(join(dir, MANIFEST_FILE), id, true)
    if (read.newer) throw read.newer
    const m = read.manifest
    const live = (m.status === 'running' || m.status === 'paused' || m.status === 'queued') && !read.missing
    const damage = [...read.damage]
    // Without steps (`steps: false`, a caller with the run's step summary): no step rows, no step damage.
    const steps = o.steps === false ? { columns: {}, rows: 0, names: [] as string[], damage: [], tornTail: false } : readArrowColumns(join(dir, STEPS_FILE), STEPS_FILE, m.stepColumns)
    const epochs = readArrowColumns(join(dir, EPOCHS_FILE), EPOCHS_FILE, m.epochColumns)
    // A live writer may be half way through appending: an incomplete tail is not damage then.
    for (const r of [steps, epochs]) if (!(live && r.tornTail)) damage.push(...r.damage)
    const ev = readEvents(join(dir, EVENTS_FILE), live)
    damage.push(...ev.damage)
    if (read.missing) {
      m.summary = { ...m.summary, steps: steps.rows, epochs: epochs.rows }
    }
    return {
      manifest: m,
      steps: steps.names.length ? steps.columns : emptyColumns(m.stepColumns ?? []),
      epochs: epochs.names.length ? epochs.columns : emptyColumns(m.epochColumns ?? []),
      events: ev.events,
      damage,
    }
  }

  /** Mark runs whose writer died (status running/paused, writer process gone) as interrupted. */
  recoverInterrupted(): string[] {
    this.mustBeWritable()
    const recovered: string[] = []
    const here = hostname()
    for (const id of this.runFolders(this.runsDir)) {
      const dir = join(this.runsDir, id)
      if (openWriterDirs.has(dir)) continue
      removeStaleManifestTemps(dir)
      const file = join(dir, MANIFEST_FILE)
      const read = readManifest(file, id, false)
      const m = read.manifest
      if (read.missing || read.newer || !read.configValid) continue
      if (m.status !== 'running' && m.status !== 'paused' && m.status !== 'queued') continue
      if (m.writerHost !== undefined && m.writerHost !== here) continue // another machine's process: can't tell
      if (m.writerPid !== undefined && m.writerPid !== process.pid && writerAlive(m.writerPid, m.writerStart)) continue
      // Count what survived, so the library shows it without loading the metrics.
      const steps = readArrowColumns(join(dir, STEPS_FILE), STEPS_FILE, m.stepColumns).rows
      const epochs = readArrowColumns(join(dir, EPOCHS_FILE), EPOCHS_FILE, m.epochColumns).rows
      const updated: RunManifest = {
        ...m,
        status: 'interrupted',
        updatedAt: new Date().toISOString(),
        summary: { ...m.summary, steps: Math.max(m.summary.steps, steps), epochs: Math.max(m.summary.epochs, epochs) },
      }
      delete updated.writerPid
      delete updated.writerHost
      delete updated.writerStart
      appendDurable(
        join(dir, EVENTS_FILE),
        encodeEvent({ time: updated.updatedAt, step: steps, kind: 'interrupted', message: `the writer (pid ${m.writerPid ?? '?'}) stopped without closing the run` }),
      )
      writeManifest(file, updated)
      recovered.push(id)
    }
    return recovered
  }

  rename(id: string, name: string): void {
    const clean = check(RunNameSchema, name, 'name')
    this.patchManifest(id, (m) => ({ ...m, name: clean }))
  }

  setTags(id: string, tags: string[]): void {
    const clean = [...new Set(check(RunTagsSchema, tags, 'tags'))]
    this.patchManifest(id, (m) => ({ ...m, tags: clean }))
  }

  setNotes(id: string, notes: string): void {
    const clean = check(RunNotesSchema, notes, 'notes')
    this.patchManifest(id, (m) => ({ ...m, notes: clean }))
  }

  private patchManifest(id: string, patch: (m: RunManifest) => RunManifest): void {
    this.mustBeWritable()
    const dir = this.existingDir(id)
    const file = join(dir, MANIFEST_FILE)
    const read = readManifest(file, id, true)
    if (read.newer) throw read.newer
    if (read.missing || !read.configValid) {
      throw new Error(`run ${id}: its manifest is damaged (${read.damage.join('; ')}); it cannot be edited`)
    }
    writeManifest(file, { ...patch(read.manifest), updatedAt: new Date().toISOString() })
  }

  /** Move a run to the trash (undoable until emptyTrash). */
  delete(id: string): void {
    this.mustBeWritable()
    const dir = this.existingDir(id)
    if (openWriterDirs.has(dir)) throw new Error(`run ${id} is still being written; stop it before deleting it`)
    const target = this.trashPath(id)
    rmSync(target, { recursive: true, force: true }) // an older deletion of the same id
    renameSync(dir, target)
    fsyncDir(this.runsDir)
    fsyncDir(this.trashDir)
  }

  undoDelete(id: string): void {
    this.mustBeWritable()
    const from = this.trashPath(id)
    if (!isDir(from)) throw new Error(`run ${id} is not in the trash`)
    const to = this.runDir(id)
    if (existsSync(to)) throw new Error(`a run with id ${id} already exists`)
    renameSync(from, to)
    fsyncDir(this.trashDir)
    fsyncDir(this.runsDir)
  }

  emptyTrash(): void {
    this.mustBeWritable()
    for (const name of readdirSync(this.trashDir)) rmSync(join(this.trashDir, name), { recursive: true, force: true })
  }

  /**
   * Copy a run folder from elsewhere into the library (after checking it is a run this
   * version reads). Returns its id: the folder's own, or a new one when that is taken.
   */
  importRun(folder: string): string {
    this.mustBeWritable()
    const src = resolve(folder)
    if (!isDir(src)) throw new Error(`${folder} is not a folder`)
    const srcId = basename(src)
    const read = readManifest(join(src, MANIFEST_FILE), isRunId(srcId) ? srcId : 'imported', true)
    if (read.newer) throw new NewerFormatError(srcId, read.newer.formatVersion)
    if (read.missing || !read.configValid) {
      throw new Error(`${folder} is not an LR Lab run folder: ${read.damage.join('; ')}`)
    }
    if (!existsSync(join(src, STEPS_FILE)) && !existsSync(join(src, EPOCHS_FILE))) {
      throw new Error(`${folder} is not an LR Lab run folder: it has no ${STEPS_FILE} or ${EPOCHS_FILE}`)
    }
    // Copy under a hidden name first, so a half-copied run never shows up in the library.
    const staging = join(this.runsDir, `.import-${randomBytes(4).toString('hex')}`)
    try {
      cpSync(src, staging, { recursive: true, errorOnExist: true })
      let id = isRunId(srcId) ? srcId : newRunId()
      while (existsSync(join(this.runsDir, id))) id = newRunId()
      const m: RunManifest = { ...read.manifest, id }
      if (m.status === 'running' || m.status === 'paused') {
        // A copy is not being written by anyone.
        m.status = 'interrupted'
      }
      delete m.writerPid
      delete m.writerHost
      delete m.writerStart
      writeManifest(join(staging, MANIFEST_FILE), m)
      renameSync(staging, this.runDir(id))
      fsyncDir(this.runsDir)
      return id
    } finally {
      rmSync(staging, { recursive: true, force: true })
    }
  }

  /**
   * Watch a folder of run folders (this library's runsDir, or e.g. a shared drive where the
   * CLI writes runs from a cluster): reports new run folders, changes to existing ones
   * (appended metrics, manifest updates) and removals. Returns a function that stops watching.
   */
  watch(folder: string, onChange: (ev: WatchEvent) => void, options?: WatchOptions): () => void {
    return watchRuns(folder, onChange, options)
  }
}

function listEntry(read: ManifestRead): RunListEntry {
  const m = read.manifest
  const d = read.configValid ? safeDescribe(m.config) : { dataset: '?', model: '?', optimizer: '?', schedule: '?' }
  return {
    id: m.id,
    name: m.name,
    createdAt: m.createdAt,
    status: m.status,
    dataset: d.dataset,
    model: d.model,
    optimizer: d.optimizer,
    schedule: d.schedule,
    bestValLoss: m.summary.bestValLoss,
    finalValLoss: m.summary.finalValLoss,
    finalValMetric: m.summary.finalValMetric,
    valMetricName: m.summary.valMetricName ?? (read.configValid ? expectedMetricName(m.config) : null),
    steps: m.summary.steps,
    durationSec: m.summary.durationSec,
    backend: m.backend.name,
    tags: m.tags,
    damage: read.damage,
  }
}

function safeDescribe(c: RunConfig): ReturnType<typeof describeConfig> {
  try {
    return describeConfig(c)
  } catch {
    return { dataset: '?', model: '?', optimizer: '?', schedule: '?' }
  }
}

/** `.manifest.json.<pid>.<random>.tmp`: what writeFileAtomic leaves when killed between write and rename. */
const MANIFEST_TEMP = /^\.manifest\.json\.(\d+)\.[a-z0-9]*\.tmp$/
/** A manifest rewrite takes milliseconds: a temp file this old is not being written. */
const STALE_TEMP_MS = 60_000

/**
 * Remove manifest temp files a killed writer left in a run folder: only files named as
 * writeFileAtomic names them, only when the pid in the name is not a live process here and the
 * file is older than a minute (a process on another machine sharing the folder may be writing).
 */
function removeStaleManifestTemps(dir: string): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    const m = MANIFEST_TEMP.exec(name)
    if (!m || pidAlive(Number(m[1]))) continue
    const file = join(dir, name)
    try {
      const st = lstatSync(file)
      if (st.isFile() && Date.now() - st.mtimeMs > STALE_TEMP_MS) rmSync(file, { force: true })
    } catch {
      // gone meanwhile
    }
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** Append a line and fsync; a torn last line (crash mid-write) is ended first so the new line stays readable. */
function appendDurable(file: string, line: string): void {
  const fd = openSync(file, 'a+')
  try {
    const size = fstatSync(fd).size
    let prefix = ''
    if (size > 0) {
      const last = Buffer.alloc(1)
      readSync(fd, last, 0, 1, size - 1)
      if (last[0] !== 0x0a) prefix = '\n'
    }
    appendFileSync(fd, prefix + line)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
