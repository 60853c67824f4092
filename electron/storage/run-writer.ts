/**
 * Writes one run folder while it trains. Appends are buffered and flushed every quarter second
 * (by a timer, or by the next append when the timer is late): Arrow record batches and event
 * lines are appended (so a killed process, even SIGKILL, loses less than a second) and then
 * fsynced on libuv's thread pool, so the trainer never waits for the disk (an fsync can take
 * tens of milliseconds on a busy disk) and a power loss too costs only about a second.
 * The manifest is only ever replaced atomically.
 */
import { closeSync, fstatSync, fsync, fsyncSync, ftruncateSync, openSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { Columns } from '../../shared/metrics'
import type { RunEvent, RunManifest, RunStatus, RunSummary } from '../../shared/run'
import { encodeRecordBatch, encodeSchemaMessage, END_OF_STREAM, MAX_BATCH_ROWS, readArrowColumns } from './arrow-file'
import { buildStepSummary, fileBytes, summaryLevel, writeStepSummary } from './step-summary'
import { encodeEvent } from './events'
import { fsyncDir, processStartTime, writeAll } from './fs-util'
import { mergeSummary, readManifest, writeManifest } from './manifest'

export const MANIFEST_FILE = 'manifest.json'
export const STEPS_FILE = 'steps.arrow'
export const EPOCHS_FILE = 'epochs.arrow'
export const EVENTS_FILE = 'events.jsonl'
/**
 * A quarter second: with the trainer's own batching (80 ms), a slow step and a busy machine a
 * kill still loses under one second (measured by tests/reliability/kill.test.ts; 1,000 ms lost
 * up to 1.5 s there). Appends also flush when one is due, so a late timer costs nothing.
 */
export const FLUSH_INTERVAL_MS = 250

/** Run folders with an open writer in this process (recoverInterrupted and delete leave them alone). */
export const openWriterDirs = new Set<string>()

type SyncDone = (err: Error | null) => void

/** One append-only file and the length of what is known to be written completely. */
class AppendFile {
  readonly fd: number
  size: number
  /** An fsync is running on the thread pool: the fd must stay open until it is done. */
  private syncing = false
  /** Callbacks of data written while an fsync ran: they need one more fsync. */
  private nextRound: SyncDone[] | null = null
  private closeRequested = false
  private closed = false
  constructor(
    readonly path: string,
    initial?: Uint8Array,
  ) {
    this.fd = openSync(path, 'a')
    this.size = fstatSync(this.fd).size
    if (initial && this.size === 0) this.append(initial)
  }
  /** Append all of `buf`; on failure cut the file back so no half message stays behind. */
  append(buf: Uint8Array): void {
    try {
      writeAll(this.fd, buf)
    } catch (e) {
      try {
        ftruncateSync(this.fd, this.size)
      } catch {
        // The reader tolerates a torn tail anyway.
      }
      throw e
    }
    this.size += buf.byteLength
  }
  sync(): void {
    fsyncSync(this.fd)
  }
  /** fsync on the thread pool; `done` runs once everything written so far is on disk. */
  syncInBackground(done: SyncDone): void {
    if (this.closeRequested) return done(null) // close() fsynced synchronously
    if (this.syncing) (this.nextRound ??= []).push(done)
    else this.startSync([done])
  }
  private startSync(callbacks: SyncDone[]): void {
    this.syncing = true
    fsync(this.fd, (err) => {
      this.syncing = false
      for (const cb of callbacks) cb(err)
      const next = this.nextRound
      this.nextRound = null
      if (this.closeRequested) {
        for (const cb of next ?? []) cb(null) // covered by close()'s own fsync
        this.closeNow()
      } else if (next) this.startSync(next)
    })
  }
  /** Close the fd, or have it closed when a background fsync is done with it (callers fsync first). */
  close(): void {
    this.closeRequested = true
    if (!this.syncing) this.closeNow()
  }
  private closeNow(): void {
    if (this.closed) return
    this.closed = true
    closeSync(this.fd)
  }
}

/** Buffered rows of one series (steps or epochs). */
class SeriesBuffer {
  private batches: Columns[] = []
  private rows = 0
  /** Rows appended to the file and fsynced. */
  written = 0
  private readonly nameSet: Set<string>
  constructor(
    readonly names: readonly string[],
    private readonly file: AppendFile,
    private readonly what: string,
  ) {
    this.nameSet = new Set(names)
  }
  push(cols: Columns): void {
    let n = -1
    const copy: Columns = {}
    for (const k in cols) {
      if (!this.nameSet.has(k)) throw new Error(`${this.what}: unknown column "${k}"; this run's columns are ${this.names.join(', ')}`)
      const a = cols[k]!
      if (n === -1) n = a.length
      else if (a.length !== n) throw new Error(`${this.what}: column "${k}" has ${a.length} rows, the others ${n}`)
      // Copied so the caller may reuse its arrays; cheap next to a training step.
      copy[k] = a.slice()
    }
    if (n <= 0) return
    this.batches.push(copy)
    this.rows += n
  }
  /** Encode and append what is buffered; returns true when anything was written. */
  write(): boolean {
    if (this.rows === 0) return false
    const parts: Buffer[] = []
    for (let from = 0; from < this.rows; from += MAX_BATCH_ROWS) {
      parts.push(encodeRecordBatch(this.names, this.batches, from, Math.min(MAX_BATCH_ROWS, this.rows - from)))
    }
    this.file.append(parts.length === 1 ? parts[0]! : Buffer.concat(parts))
    this.written += this.rows
    this.batches = []
    this.rows = 0
    return true
  }
}

export interface RunWriterInit {
  dir: string
  manifest: RunManifest
  stepColumns: readonly string[]
  epochColumns: readonly string[]
}

export class RunWriter {
  readonly id: string
  readonly dir: string
  private manifest: RunManifest
  private readonly stepsFile: AppendFile
  private readonly epochsFile: AppendFile
  private readonly eventsFile: AppendFile
  private readonly steps: SeriesBuffer
  private readonly epochs: SeriesBuffer
  private pendingEvents: string[] = []
  private timer: NodeJS.Timeout | null
  private closed = false
  /** Last error of a timer flush (the timer cannot throw): a failed write leaves its rows buffered for a retry; a failed background fsync is recorded here. */
  lastFlushError: Error | null = null

  /** Creates the run's files in `dir` (which must exist and be empty). Use RunStore.createRun. */
  constructor(init: RunWriterInit) {
    this.id = init.manifest.id
    this.dir = init.dir
    const writerStart = processStartTime(process.pid)
    this.manifest = { ...init.manifest, writerPid: process.pid, writerHost: hostname(), ...(writerStart !== undefined && { writerStart }) }
    this.stepsFile = new AppendFile(join(init.dir, STEPS_FILE), encodeSchemaMessage(init.stepColumns))
    this.epochsFile = new AppendFile(join(init.dir, EPOCHS_FILE), encodeSchemaMessage(init.epochColumns))
    this.eventsFile = new AppendFile(join(init.dir, EVENTS_FILE))
    this.stepsFile.sync()
    this.epochsFile.sync()
    this.eventsFile.sync()
    this.steps = new SeriesBuffer(init.stepColumns, this.stepsFile, 'appendSteps')
    this.epochs = new SeriesBuffer(init.epochColumns, this.epochsFile, 'appendEpochs')
    writeManifest(join(this.dir, MANIFEST_FILE), this.manifest)
    fsyncDir(this.dir)
    openWriterDirs.add(this.dir)
    this.timer = setInterval(() => this.flushDue(true), FLUSH_INTERVAL_MS)
    this.timer.unref()
  }

  private lastFlushAt = performance.now()

  /** Flush in the background when the interval has passed (or always, from the timer); errors are kept, not thrown. */
  private flushDue(always: boolean): void {
    const now = performance.now()
    if (!always && now - this.lastFlushAt < FLUSH_INTERVAL_MS) return
    this.lastFlushAt = now
    try {
      this.flushInBackground()
      this.lastFlushError = null
    } catch (e) {
      this.lastFlushError = e instanceof Error ? e : new Error(String(e))
    }
  }

  /** Buffer step rows (copied). Every column must be one of the run's step columns; missing ones are NaN. */
  appendSteps(cols: Columns): void {
    this.assertOpen()
    this.steps.push(cols)
    this.flushDue(false)
  }

  appendEpochs(cols: Columns): void {
    this.assertOpen()
    this.epochs.push(cols)
    this.flushDue(false)
  }

  /** Buffer an event; written with the next flush. */
  event(e: Omit<RunEvent, 'time'> & { time?: string }): void {
    this.assertOpen()
    const ev: RunEvent = { time: e.time ?? new Date().toISOString(), step: e.step, kind: e.kind, message: e.message }
    if (e.data !== undefined) ev.data = e.data
    this.pendingEvents.push(encodeEvent(ev))
  }

  /** Replace the manifest with a new status and/or summary (atomically). */
  update(patch: { status?: RunStatus; summary?: Partial<RunSummary> }): void {
    this.assertOpen()
    this.writeManifestWith(patch.status, patch.summary, false)
  }

  /** Step rows known to be on disk (written and fsynced). */
  get flushedSteps(): number {
    return this.stepsDurable
  }

  get flushedEpochs(): number {
    return this.epochsDurable
  }

  private stepsDurable = 0
  private epochsDurable = 0

  /** Write and fsync everything buffered now; returns when it is on disk. */
  flush(): void {
    if (this.steps.write()) {
      this.stepsFile.sync()
      this.stepsDurable = Math.max(this.stepsDurable, this.steps.written)
    }
    if (this.epochs.write()) {
      this.epochsFile.sync()
      this.epochsDurable = Math.max(this.epochsDurable, this.epochs.written)
    }
    if (this.writeEvents()) this.eventsFile.sync()
  }

  /**
   * Write everything buffered now and fsync it on the thread pool (what the timer does every
   * second): the caller pays for the write() calls only. flushedSteps follows when the fsync is done.
   */
  flushInBackground(): void {
    const failed = (err: Error | null): boolean => {
      if (err) this.lastFlushError = err
      return err !== null
    }
    if (this.steps.write()) {
      const n = this.steps.written
      this.stepsFile.syncInBackground((err) => {
        if (!failed(err)) this.stepsDurable = Math.max(this.stepsDurable, n)
      })
    }
    if (this.epochs.write()) {
      const n = this.epochs.written
      this.epochsFile.syncInBackground((err) => {
        if (!failed(err)) this.epochsDurable = Math.max(this.epochsDurable, n)
      })
    }
    if (this.writeEvents()) this.eventsFile.syncInBackground(failed)
  }

  private writeEvents(): boolean {
    if (!this.pendingEvents.length) return false
    this.eventsFile.append(Buffer.from(this.pendingEvents.join(''), 'utf8'))
    this.pendingEvents = []
    return true
  }

  /** Flush, end the Arrow streams, write the final manifest (no writerPid) and stop the timer. */
  close(final: { status: RunStatus; summary?: Partial<RunSummary> }): void {
    if (this.closed) return
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    let failure: unknown = null
    try {
      this.flush()
      this.stepsFile.append(END_OF_STREAM)
      this.epochsFile.append(END_OF_STREAM)
      this.stepsFile.sync()
      this.epochsFile.sync()
      this.eventsFile.sync() // events a background fsync may not have reached yet
    } catch (e) {
      failure = e
    }
    for (const f of [this.stepsFile, this.epochsFile, this.eventsFile]) {
      try {
        f.close()
      } catch {
        // already closed or the disk is gone; the manifest below still records the end
      }
    }
    openWriterDirs.delete(this.dir)
    this.writeManifestWith(final.status, final.summary, true)
    if (failure) throw failure
    this.writeSummary()
  }

  /** A long run's step summary beside it, so the app opens it without reading every row (see step-summary.ts). */
  private writeSummary(): void {
    if (summaryLevel(this.steps.written) === null) return
    try {
      const path = join(this.dir, STEPS_FILE)
      const read = readArrowColumns(path, STEPS_FILE)
      const summary = read.damage.length ? null : buildStepSummary(read.columns, fileBytes(path))
      if (summary) writeStepSummary(this.dir, summary)
    } catch {
      // Only a convenience: without it the first view reads the run and writes it then.
    }
  }

  get isClosed(): boolean {
    return this.closed
  }

  private writeManifestWith(status: RunStatus | undefined, summary: Partial<RunSummary> | undefined, final: boolean): void {
    const file = join(this.dir, MANIFEST_FILE)
    // Name, tags and notes may have been edited in the library meanwhile: keep those edits.
    const onDisk = readManifest(file, this.id, false)
    const m: RunManifest = { ...this.manifest }
    if (!onDisk.missing && !onDisk.damage.length) {
      m.name = onDisk.manifest.name
      m.tags = onDisk.manifest.tags
      m.notes = onDisk.manifest.notes
    }
    if (status) m.status = status
    m.summary = mergeSummary(m.summary, summary)
    m.updatedAt = new Date().toISOString()
    if (final) {
      delete m.writerPid
      delete m.writerHost
      delete m.writerStart
    }
    writeManifest(file, m)
    this.manifest = m
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`run ${this.id} is closed`)
  }
}
