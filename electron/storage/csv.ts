/**
 * CSV export of runs.
 *
 * Dialect (RFC 4180 apart from line ends): UTF-8 without BOM, comma separator, a header row,
 * LF line ends ("\n"; every reader we target — pandas, polars, DuckDB, R, Excel — accepts
 * them), a field is quoted when it holds a comma, a quote, CR or LF (quotes doubled).
 * Numbers use dot decimals and read back to the identical double (see number-format.ts);
 * NaN is an empty field (pandas/polars read it as missing), ±Infinity is Infinity/-Infinity.
 * Timestamps are ISO 8601 (UTC).
 *
 * Layouts: `wide` has one row per step (or epoch) and one column per series; `long` (tidy)
 * has the columns step, epoch, metric, value with one row per measured value (NaN values,
 * i.e. "not measured", are left out).
 *
 * The run exports are built as bytes in large chunks (no string per cell): a million-row
 * export is dominated by number formatting.
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import type { ExportOptions, LoadedRun } from '../../shared/api'
import { expectedMetricName, namedMetricColumn, type Columns, type MetricName } from '../../shared/metrics'
import type { RunManifest } from '../../shared/run'
import { MAX_NUMBER_BYTES, writeNumber } from './number-format'

export const CSV_EOL = '\n'
const CHUNK_BYTES = 4 << 20
const COMMA = 44
const NEWLINE = 10

/** One CSV field: quoted when it contains a comma, quote, CR or LF. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/**
 * Writes bytes into fixed-size chunks and hands full chunks to a sink. The chunk is a plain
 * Uint8Array (number formatting then sees one array type only); the sink gets a Buffer view.
 */
class ChunkWriter {
  buf: Uint8Array
  pos = 0
  constructor(
    private readonly sink: (chunk: Buffer) => void,
    private readonly reuse: boolean,
  ) {
    this.buf = new Uint8Array(CHUNK_BYTES)
  }
  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.byteLength) return
    this.emit()
    if (n > this.buf.byteLength) this.buf = new Uint8Array(n)
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.byteLength)
    this.buf.set(b, this.pos)
    this.pos += b.byteLength
  }
  emit(): void {
    if (this.pos === 0) return
    this.sink(Buffer.from(this.buf.buffer, this.buf.byteOffset, this.pos))
    if (!this.reuse) this.buf = new Uint8Array(this.buf.byteLength)
    this.pos = 0
  }
}

/** The columns to export, the task metric's named (val_accuracy, not val_metric) when the run says which it is. */
function seriesOf(loaded: LoadedRun, opts: ExportOptions): Columns {
  const cols = opts.level === 'epoch' ? loaded.epochs : loaded.steps
  const m = loaded.manifest
  const metric = m.summary.valMetricName ?? safeExpectedMetric(m.config)
  const out: Columns = {}
  for (const [k, v] of Object.entries(cols)) out[namedMetricColumn(k, metric)] = v
  return out
}

function safeExpectedMetric(c: LoadedRun['manifest']['config']): MetricName | null {
  try {
    return expectedMetricName(c)
  } catch {
    return null
  }
}

function rowCount(cols: Columns, names: string[]): number {
  let n = Infinity
  for (const k of names) n = Math.min(n, cols[k]!.length)
  return names.length ? n : 0
}

/** Stream a run's CSV into `sink` chunk by chunk. Chunks are only valid during the call when `reuse` is set. */
export function streamRunCsv(loaded: LoadedRun, opts: ExportOptions, sink: (chunk: Buffer) => void, reuse = false): void {
  const cols = seriesOf(loaded, opts)
  const w = new ChunkWriter(sink, reuse)
  if (opts.format === 'long') writeLong(w, cols)
  else writeWide(w, cols)
  w.emit()
}

function writeWide(w: ChunkWriter, cols: Columns): void {
  const names = Object.keys(cols)
  w.bytes(Buffer.from(names.map(csvField).join(',') + CSV_EOL, 'utf8'))
  const arrays = names.map((n) => cols[n]!)
  const ncols = arrays.length
  const n = rowCount(cols, names)
  const rowMax = ncols * (MAX_NUMBER_BYTES + 1) + 1
  // Series such as lr or momentum repeat their value for long stretches: copy the text written
  // for the previous row (it sits in the current chunk) instead of formatting the number again.
  const last = new Float64Array(ncols).fill(NaN) // NaN never equals anything: "no text cached"
  const lastAt = new Int32Array(ncols)
  const lastLen = new Int32Array(ncols)
  for (let r = 0; r < n; r++) {
    if (w.pos + rowMax > w.buf.byteLength) {
      w.ensure(rowMax)
      last.fill(NaN) // the cached texts were in the chunk just emitted
    }
    const buf = w.buf
    let p = w.pos
    for (let c = 0; c < ncols; c++) {
      if (c > 0) buf[p++] = COMMA
      const v = arrays[c]![r]!
      if (v === last[c]) {
        const from = lastAt[c]!
        const len = lastLen[c]!
        lastAt[c] = p
        for (let i = 0; i < len; i++) buf[p + i] = buf[from + i]!
        p += len
      } else {
        const start = p
        p = writeNumber(buf, p, v)
        last[c] = v
        lastAt[c] = start
        lastLen[c] = p - start
      }
    }
    buf[p++] = NEWLINE
    w.pos = p
  }
}

function writeLong(w: ChunkWriter, cols: Columns): void {
  const names = Object.keys(cols)
  const n = rowCount(cols, names)
  const step = cols.step
  const epoch = cols.epoch
  const metrics = names.filter((k) => k !== 'step' && k !== 'epoch')
  const labels = metrics.map((m) => Buffer.from(csvField(m) + ',', 'utf8'))
  const arrays = metrics.map((m) => cols[m]!)
  w.bytes(Buffer.from(['step', 'epoch', 'metric', 'value'].join(',') + CSV_EOL, 'utf8'))
  const prefix = new Uint8Array(2 * MAX_NUMBER_BYTES + 2)
  let labelMax = 0
  for (const l of labels) labelMax = Math.max(labelMax, l.byteLength)
  const lineMax = prefix.byteLength + labelMax + MAX_NUMBER_BYTES + 1
  for (let r = 0; r < n; r++) {
    // "step,epoch," once per row, copied in front of each of its metrics
    let pl = writeNumber(prefix, 0, step ? step[r]! : r)
    prefix[pl++] = COMMA
    pl = writeNumber(prefix, pl, epoch ? epoch[r]! : NaN)
    prefix[pl++] = COMMA
    for (let m = 0; m < arrays.length; m++) {
      const v = arrays[m]![r]!
      if (v !== v) continue
      w.ensure(lineMax)
      const buf = w.buf
      let p = w.pos
      for (let i = 0; i < pl; i++) buf[p++] = prefix[i]!
      const label = labels[m]!
      buf.set(label, p)
      p += label.byteLength
      p = writeNumber(buf, p, v)
      buf[p++] = NEWLINE
      w.pos = p
    }
  }
}

/** A run as CSV text (step or epoch level, wide or long). */
export function exportRunCsv(loaded: LoadedRun, opts: ExportOptions): string {
  // Chunks end at line ends, so each decodes on its own; ASCII-only text (numbers always are,
  // column names usually) decodes faster as latin1. Concatenating the pieces makes a rope
  // instead of copying one huge buffer.
  const ascii = Object.keys(seriesOf(loaded, opts)).every((n) => /^[\x00-\x7f]*$/.test(n))
  let text = ''
  streamRunCsv(loaded, opts, (c) => {
    text += c.toString(ascii ? 'latin1' : 'utf8')
  })
  return text
}

/** Write a run's CSV to a file chunk by chunk (no whole-file string in memory). */
export function writeRunCsv(loaded: LoadedRun, opts: ExportOptions, filePath: string): void {
  const fd = openSync(filePath, 'w')
  try {
    streamRunCsv(
      loaded,
      opts,
      (chunk) => {
        let off = 0
        while (off < chunk.byteLength) off += writeSync(fd, chunk, off, chunk.byteLength - off)
      },
      true,
    )
  } finally {
    closeSync(fd)
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison: one row per run

export const COMPARISON_COLUMNS = [
  'id',
  'name',
  'status',
  'created_at',
  'dataset',
  'model',
  'optimizer',
  'lr',
  'optimizer_params',
  'schedule',
  'schedule_params',
  'clipping',
  'clipping_params',
  'batch_size',
  'seed',
  'epochs',
  'validation_split',
  'backend',
  'steps',
  'final_loss',
  'best_loss',
  'final_val_loss',
  'best_val_loss',
  'best_val_epoch',
  'final_val_metric',
  'val_metric_name',
  'diverged_at_step',
  'diverged_at_epoch',
  'duration_sec',
  'tags',
] as const

export function num(x: number | null | undefined): string {
  if (x === null || x === undefined) return ''
  const b = new Uint8Array(MAX_NUMBER_BYTES)
  return Buffer.from(b.subarray(0, writeNumber(b, 0, x))).toString('latin1')
}

/** The config object without the given keys, as compact JSON ('' when nothing is left). */
function paramsJson(o: object, omit: string[]): string {
  const rest: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) if (!omit.includes(k)) rest[k] = v
  return Object.keys(rest).length ? JSON.stringify(rest) : ''
}

export function comparisonRow(m: RunManifest): string[] {
  const c = m.config
  const s = m.summary
  return [
    m.id,
    m.name,
    m.status,
    m.createdAt,
    c.data?.kind ?? '',
    c.model?.kind ?? '',
    c.optimizer?.type ?? '',
    num(c.optimizer?.lr),
    c.optimizer ? paramsJson(c.optimizer, ['type', 'lr']) : '',
    c.schedule?.type ?? '',
    c.schedule ? paramsJson(c.schedule, ['type']) : '',
    c.clipping?.mode ?? '',
    c.clipping ? paramsJson(c.clipping, ['mode']) : '',
    typeof c.batchSize === 'number' ? num(c.batchSize) : String(c.batchSize ?? ''),
    num(c.seed),
    num(c.epochs),
    num(c.validationSplit),
    m.backend.name,
    num(s.steps),
    num(s.finalLoss),
    num(s.bestLoss),
    num(s.finalValLoss),
    num(s.bestValLoss),
    num(s.bestValEpoch),
    num(s.finalValMetric),
    s.valMetricName ?? safeExpectedMetric(c) ?? '',
    num(s.divergedAtStep),
    num(s.divergedAtEpoch),
    num(s.durationSec),
    m.tags.join(';'),
  ]
}

/** One row per run: configuration (schedule/optimizer/clipping parameters as JSON text) and summary. */
export function exportComparisonCsv(runs: readonly LoadedRun[] | readonly RunManifest[]): string {
  const lines = [COMPARISON_COLUMNS.join(',')]
  for (const r of runs) {
    const m = 'manifest' in r ? r.manifest : r
    lines.push(comparisonRow(m).map(csvField).join(','))
  }
  return lines.join(CSV_EOL) + CSV_EOL
}
