/**
 * Sweeps in the service: a sweep's spec is saved in <dataDir>/sweeps/<id>.json, its members are
 * ordinary runs (tagged with the sweep and member index) started through the service's one run
 * queue (the sweep's parallelism is its limit there). What
 * a member has done is read back from the library, so a sweep resumes after a restart, and
 * members run by other processes (`lrlab sweep --member K`) count as soon as their runs land.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, type RunConfig } from '../../shared/config'
import { BACKEND_NAMES, type BackendInfo, type BackendName, type RunListEntry, type RunStatus } from '../../shared/run'
import { expandSweep, memberIsDone, memberTags, parseSweepSpec, sweepAxes, sweepId, sweepMemberOf, type SweepInfo, type SweepMember, type SweepMemberInfo, type SweepSpec } from '../../shared/sweep'
import type { RunStore } from '../storage'
import { writeFileAtomic } from '../storage/fs-util'
import type { RunQueue } from './run-queue'

export const SWEEPS_DIR = 'sweeps'

interface SweepFile {
  formatVersion: 1
  id: string
  createdAt: string
  spec: SweepSpec
  /** The backend all members train on, once the first member has chosen it (SweepInfo.backend; kept in its own file). */
  backend?: BackendName
}

export function sweepFilePath(dataDir: string, id: string): string {
  return join(dataDir, SWEEPS_DIR, `${id}.json`)
}

/**
 * Save a sweep's spec once (the first process to run any member writes it; the content, and so
 * the id, is the same for all). Returns its id.
 */
export function saveSweep(dataDir: string, spec: SweepSpec): { id: string; createdAt: string } {
  const id = sweepId(spec)
  const file = sweepFilePath(dataDir, id)
  if (existsSync(file)) return { id, createdAt: readSweep(dataDir, id).createdAt }
  mkdirSync(join(dataDir, SWEEPS_DIR), { recursive: true })
  const saved: SweepFile = { formatVersion: 1, id, createdAt: new Date().toISOString(), spec }
  writeFileAtomic(file, JSON.stringify(saved, null, 1) + '\n')
  return { id, createdAt: saved.createdAt }
}

export function readSweep(dataDir: string, id: string): SweepFile {
  const file = sweepFilePath(dataDir, id)
  let raw: { id?: unknown; createdAt?: unknown; spec?: unknown }
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new Error((e as NodeJS.ErrnoException).code === 'ENOENT' ? `no sweep ${id} in ${dataDir}` : `sweep ${id}: ${file} cannot be read (${String(e)})`, { cause: e })
  }
  let spec: SweepSpec
  try {
    spec = parseSweepSpec(raw.spec)
  } catch (e) {
    throw new Error(`sweep ${id}: its saved spec is invalid: ${e instanceof ConfigError ? e.problems.join('; ') : String(e)}`, { cause: e })
  }
  const backend = readSweepBackend(dataDir, id)
  return { formatVersion: 1, id, createdAt: typeof raw.createdAt === 'string' ? raw.createdAt : '', spec, ...(backend && { backend }) }
}

const backendFile = (dataDir: string, id: string): string => join(dataDir, SWEEPS_DIR, `${id}.backend`)

function readSweepBackend(dataDir: string, id: string): BackendName | undefined {
  try {
    const name = readFileSync(backendFile(dataDir, id), 'utf8').trim()
    return (BACKEND_NAMES as readonly string[]).includes(name) ? (name as BackendName) : undefined
  } catch {
    return undefined
  }
}

/**
 * Record the sweep's backend unless one is recorded already, and return the recorded one. The
 * file is created exclusively, so of the processes running members of one sweep at once
 * (`lrlab sweep --member K` under GNU parallel, say) the first to choose wins and the others
 * switch to its pick.
 */
export function saveSweepBackend(dataDir: string, id: string, backend: BackendName): BackendName {
  try {
    writeFileSync(backendFile(dataDir, id), backend + '\n', { flag: 'wx' })
    return backend
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    return readSweepBackend(dataDir, id) ?? backend
  }
}

export function listSweepIds(dataDir: string): string[] {
  const dir = join(dataDir, SWEEPS_DIR)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .map((f) => f.slice(0, -5))
}

/**
 * The library run that stands for each member: its newest result (finished or diverged) if any,
 * else its newest attempt. `runs` is the library's list, newest first.
 */
export function memberRuns(id: string, runs: readonly RunListEntry[]): Map<number, RunListEntry> {
  const byMember = new Map<number, RunListEntry>()
  for (const r of runs) {
    const m = sweepMemberOf(r.tags)
    if (!m || m.sweepId !== id) continue
    const have = byMember.get(m.member)
    if (!have || (!memberIsDone(have.status) && memberIsDone(r.status))) byMember.set(m.member, r)
  }
  return byMember
}

export interface SweepManagerOptions {
  dataDir: string
  store: RunStore
  /** The service's run queue: members wait there with every other run. */
  queue: RunQueue
  /** Start one run in a trainer process; `ended` settles with its last status once the process is gone. */
  launch(config: RunConfig, tags: string[]): Promise<{ runId: string; ended: Promise<RunStatus>; backend: BackendInfo }>
  /** Stop, pause or resume a running member's trainer. */
  control(runId: string, action: 'stop' | 'pause' | 'resume'): void
  changed(info: SweepInfo): void
}

interface ActiveSweep {
  id: string
  createdAt: string
  spec: SweepSpec
  members: SweepMember[]
  /** Members waiting in the run queue or starting (no run yet), or waiting for the sweep's backend to be chosen. */
  queued: Set<number>
  /** See SweepInfo.backend; while null, one member at a time starts on the base config's backend and its pick becomes the sweep's. */
  backend: BackendName | null
  /** Members held back until the backend is chosen. */
  awaitingBackend: SweepMember[]
  running: Map<number, string>
  errors: Map<number, string>
  paused: boolean
  stopped: boolean
  settled: (() => void)[]
}

/** A member's key in the run queue. */
const memberKey = (sweepId: string, member: number): string => `${sweepId}#${member}`

export class SweepManager {
  private readonly active = new Map<string, ActiveSweep>()
  private readonly stoppedIds = new Set<string>()

  constructor(private readonly o: SweepManagerOptions) {}

  /**
   * Validate and save a sweep, then queue every member that has no result yet (so starting a
   * spec again, or after a restart, resumes it: finished members are kept, others rerun).
   */
  start(specInput: unknown, parallel?: number): { sweepId: string; members: number; toRun: number } {
    const spec = parseSweepSpec(specInput)
    const members = expandSweep(spec)
    const id = sweepId(spec)
    if (this.active.has(id)) throw new SweepConflict(`sweep ${id} is already running; pause, stop or resume it`)
    const { createdAt } = saveSweep(this.o.dataDir, spec)
    this.o.queue.setOwnerLimit(id, parallel)
    const forced = new Set(members.map((m) => m.config.backend))
    const backend = readSweep(this.o.dataDir, id).backend ?? (forced.size === 1 && !forced.has('auto') ? (members[0]!.config.backend as BackendName) : null)
    const a: ActiveSweep = { id, createdAt, spec, members, queued: new Set(), backend, awaitingBackend: [], running: new Map(), errors: new Map(), paused: false, stopped: false, settled: [] }
    this.stoppedIds.delete(id)
    const have = memberRuns(id, this.o.store.list())
    const toRun = members.filter((m) => !memberIsDone(have.get(m.index)?.status ?? 'pending'))
    this.active.set(id, a)
    if (a.backend) for (const m of toRun) this.submit(a, m)
    else if (toRun.length) {
      // One member chooses (auto measures once, for the sweep's model); the rest wait for its pick.
      for (const m of toRun.slice(1)) a.queued.add(m.index)
      a.awaitingBackend = toRun.slice(1)
      this.submit(a, toRun[0]!)
    }
    this.changed(id)
    if (!toRun.length) this.finishIfIdle(a)
    return { sweepId: id, members: members.length, toRun: toRun.length }
  }

  private submit(a: ActiveSweep, m: SweepMember): void {
    a.queued.add(m.index)
    this.o.queue.submit({ key: memberKey(a.id, m.index), owner: a.id, start: (release) => void this.runMember(a, m).finally(release) })
  }

  /** The sweep's backend is known: record it and queue the members that waited for it. */
  private backendChosen(a: ActiveSweep, name: BackendName): void {
    try {
      a.backend = saveSweepBackend(this.o.dataDir, a.id, name)
    } catch {
      a.backend = name // an unwritable sweep file: this process still runs every member on it
    }
    if (!a.stopped) for (const m of a.awaitingBackend.splice(0)) this.submit(a, m)
  }

  private async runMember(a: ActiveSweep, m: SweepMember): Promise<void> {
    if (a.stopped) return
    const config = a.backend && m.config.backend === 'auto' ? { ...m.config, backend: a.backend } : m.config
    let launched: { runId: string; ended: Promise<RunStatus>; backend: BackendInfo }
    try {
      launched = await this.o.launch(config, memberTags(a.id, a.spec, m))
    } catch (e) {
      a.errors.set(m.index, e instanceof Error ? e.message : String(e))
      a.queued.delete(m.index)
      // It could not choose the backend: the next member does.
      const next = a.backend ? undefined : a.awaitingBackend.shift()
      if (next && !a.stopped) this.submit(a, next)
      this.changed(a.id)
      this.finishIfIdle(a)
      return
    }
    // Waiting until its run exists: a member starting is neither queued nor running for finishIfIdle.
    a.queued.delete(m.index)
    a.running.set(m.index, launched.runId)
    if (!a.backend) this.backendChosen(a, launched.backend.name)
    // Paused or stopped while this member's trainer was starting: tell it now.
    if (a.stopped) this.o.control(launched.runId, 'stop')
    else if (a.paused) this.o.control(launched.runId, 'pause')
    this.changed(a.id)
    await launched.ended
    a.running.delete(m.index)
    this.changed(a.id)
    this.finishIfIdle(a)
  }

  private finishIfIdle(a: ActiveSweep): void {
    if (a.running.size || a.queued.size) return
    if (this.active.get(a.id) !== a) return
    this.active.delete(a.id)
    this.o.queue.setOwnerLimit(a.id, undefined)
    if (a.stopped) this.stoppedIds.add(a.id)
    this.changed(a.id)
    for (const r of a.settled.splice(0)) r()
  }

  private activeOr404(id: string): ActiveSweep {
    const a = this.active.get(id)
    if (!a) throw new SweepConflict(`sweep ${id} is not running`)
    return a
  }

  pause(id: string): void {
    const a = this.activeOr404(id)
    if (a.paused) return
    a.paused = true
    this.o.queue.hold(id)
    for (const runId of a.running.values()) this.o.control(runId, 'pause')
    this.changed(id)
  }

  /** Resume a paused sweep, or run a stopped/incomplete one's unfinished members again. */
  resume(id: string, parallel?: number): void {
    const a = this.active.get(id)
    if (!a) {
      this.start(readSweep(this.o.dataDir, id).spec, parallel)
      return
    }
    if (!a.paused) return
    a.paused = false
    if (parallel !== undefined) this.o.queue.setOwnerLimit(id, parallel)
    this.o.queue.unhold(id)
    for (const runId of a.running.values()) this.o.control(runId, 'resume')
    this.changed(id)
  }

  /** Stop running members (they keep their data, as 'stopped') and drop the waiting ones. */
  stop(id: string): void {
    const a = this.activeOr404(id)
    a.stopped = true
    this.o.queue.cancelOwner(id)
    a.queued.clear()
    a.awaitingBackend = []
    this.o.queue.unhold(id)
    for (const runId of a.running.values()) this.o.control(runId, 'stop')
    this.changed(id)
    this.finishIfIdle(a)
  }

  /** Resolves when the sweep has nothing running or waiting here. */
  settled(id: string): Promise<void> {
    const a = this.active.get(id)
    if (!a) return Promise.resolve()
    return new Promise((r) => a.settled.push(r))
  }

  isActive(id: string): boolean {
    return this.active.has(id)
  }

  list(): SweepInfo[] {
    const runs = this.o.store.list()
    const ids = new Set([...listSweepIds(this.o.dataDir), ...this.active.keys()])
    const out: SweepInfo[] = []
    for (const id of ids) {
      try {
        out.push(this.info(id, runs))
      } catch {
        // A damaged sweep file hides that sweep only; its member runs stay in the library.
      }
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
  }

  get(id: string): SweepInfo {
    return this.info(id, this.o.store.list())
  }

  private info(id: string, runs: readonly RunListEntry[]): SweepInfo {
    const a = this.active.get(id)
    const saved = a ? null : readSweep(this.o.dataDir, id)
    const { spec, createdAt } = a ?? saved!
    const backend = a ? a.backend : (saved!.backend ?? null)
    const members = a?.members ?? expandSweep(spec)
    const have = memberRuns(id, runs)
    const infos: SweepMemberInfo[] = members.map((m) => {
      const liveRun = a?.running.get(m.index)
      const run = liveRun ? runs.find((r) => r.id === liveRun) : have.get(m.index)
      const status = liveRun ? (run?.status ?? 'running') : a?.queued.has(m.index) ? 'queued' : (run?.status ?? 'pending')
      const error = a?.errors.get(m.index)
      return { index: m.index, label: m.label, axes: m.axes, status, runId: liveRun ?? run?.id ?? null, ...(error && { error }) }
    })
    const status: SweepInfo['status'] = a
      ? a.paused
        ? 'paused'
        : a.stopped
          ? 'stopped'
          : 'running'
      : this.stoppedIds.has(id)
        ? 'stopped'
        : infos.every((m) => memberIsDone(m.status))
          ? 'done'
          : 'incomplete'
    return { id, name: spec.name ?? id, createdAt, axes: sweepAxes(spec), status, backend, members: infos }
  }

  private changed(id: string): void {
    try {
      this.o.changed(this.get(id))
    } catch {
      // Reporting must not break the sweep; the next change reports again.
    }
  }

  /** Stop every active sweep (app shutdown). */
  stopAll(): void {
    for (const id of [...this.active.keys()]) this.stop(id)
  }
}

/** A sweep in the wrong state for the request (already running, not running). */
export class SweepConflict extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SweepConflict'
  }
}
