/**
 * Following a run another process is writing (the CLI, another window's trainer, a job on a
 * shared drive): each read returns the record batches appended since the last one (complete
 * and checksummed only: a batch still being written is picked up by the next read) and the
 * manifest as it is now, so the run can be shown live like one trained here.
 */
import { join } from 'node:path'
import type { Columns } from '../../shared/metrics'
import type { RunManifest } from '../../shared/run'
import { readArrowColumns, type ArrowResume } from './arrow-file'
import { readManifest } from './manifest'
import { EPOCHS_FILE, MANIFEST_FILE, STEPS_FILE } from './run-writer'

export interface TailRead {
  steps: Columns
  epochs: Columns
  stepRows: number
  epochRows: number
  /** The manifest now (null when it cannot be read at this moment, e.g. mid-replace on some filesystems). */
  manifest: RunManifest | null
}

export class RunTail {
  private steps: ArrowResume | null = null
  private epochs: ArrowResume | null = null

  /**
   * Starts at the end of what the files hold now: a reader that wants the rows so far loads the
   * run (loadRun) and keeps the streamed rows that come after it.
   */
  constructor(
    readonly dir: string,
    readonly id: string,
  ) {
    this.steps = this.skip(STEPS_FILE)
    this.epochs = this.skip(EPOCHS_FILE)
  }

  private skip(file: string): ArrowResume | null {
    const r = readArrowColumns(join(this.dir, file), file)
    return r.names.length ? { offset: r.end, names: r.names } : null
  }

  private next(file: string, at: ArrowResume | null): { cols: Columns; rows: number; at: ArrowResume | null } {
    // Without a schema read yet (a file just created, or not yet readable), read it whole: all its rows are new here.
    const r = at ? readArrowColumns(join(this.dir, file), file, at.names, at) : readArrowColumns(join(this.dir, file), file)
    if (!r.names.length) return { cols: {}, rows: 0, at: null }
    return { cols: r.rows ? r.columns : {}, rows: r.rows, at: { offset: r.end, names: r.names } }
  }

  read(): TailRead {
    const s = this.next(STEPS_FILE, this.steps)
    const e = this.next(EPOCHS_FILE, this.epochs)
    this.steps = s.at
    this.epochs = e.at
    const m = readManifest(join(this.dir, MANIFEST_FILE), this.id, false)
    return { steps: s.cols, epochs: e.cols, stepRows: s.rows, epochRows: e.rows, manifest: m.missing ? null : m.manifest }
  }
}
