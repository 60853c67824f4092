/**
 * A user's CSV file as a dataset: every column numeric, one of them the target. Bad rows are
 * reported with their line numbers and never dropped silently.
 */
import { statSync } from 'node:fs'
import Papa from 'papaparse'
import { ConfigError, type DataConfig } from '../../shared/config'
import type { Dataset } from './dataset'
import { looksLikeText, printable, readRegularFile } from './user-file'

type CsvConfig = Extract<DataConfig, { kind: 'csv' }>

/** Distinct integer targets up to this many make 'auto' choose classification. */
const MAX_AUTO_CLASSES = 20
/** Larger files do not fit in one string (and would not fit the trainer's memory as rows). */
const MAX_CSV_BYTES = 500 * 1024 * 1024
const MAX_NAME_CHARS = 40
const MAX_NAMES_SHOWN = 20

/** A bad cell for an error message: JSON-escaped (control characters as \u001b…), cut at 30 characters. */
function quoteValue(raw: string): string {
  return JSON.stringify(raw.slice(0, 30)).replace(/[\u007f-\u009f\u2028\u2029\ufffd]/g, '?')
}

/**
 * The header's column names for an error message, only when they look like column names (short,
 * printable): the first line of some other file (an environment, a key file) is not echoed.
 */
function describeHeader(names: string[]): string {
  const plausible = names.every((n) => n.length <= 100 && printable(n, 100) === n && !/[=:]/.test(n))
  if (!plausible) return 'its first line does not look like a CSV header'
  const shown = names.slice(0, MAX_NAMES_SHOWN).map((n) => printable(n, MAX_NAME_CHARS))
  return `columns: ${shown.join(', ')}${names.length > MAX_NAMES_SHOWN ? `, … and ${names.length - MAX_NAMES_SHOWN} more` : ''}`
}

/**
 * The last file parsed, by its settings and identity on disk: a run asks for its data twice
 * (backend: auto's step shape, then training), and a 500 MB file should be read once. A file
 * changed on disk (size, mtime, inode) is read again. Datasets are never modified in place.
 */
let lastParsed: { key: string; dataset: Dataset } | null = null

function fileKey(cfg: CsvConfig): string | null {
  try {
    const st = statSync(cfg.path, { bigint: true })
    return JSON.stringify([cfg, String(st.dev), String(st.ino), String(st.size), String(st.mtimeNs)])
  } catch {
    return null // reading will say what is wrong
  }
}

export function loadCsvDataset(cfg: CsvConfig): Dataset {
  const key = fileKey(cfg)
  if (key !== null && lastParsed?.key === key) return lastParsed.dataset
  const dataset = parseCsvDataset(cfg)
  lastParsed = key === null ? null : { key, dataset }
  return dataset
}

function parseCsvDataset(cfg: CsvConfig): Dataset {
  const bytes = readRegularFile(cfg.path, MAX_CSV_BYTES, (reason) => new ConfigError([`data.path: ${reason}`]))
  if (!looksLikeText(bytes)) throw new ConfigError([`data.path: ${cfg.path} is not a CSV text file (it holds binary data)`])
  const text = bytes.toString('utf8')
  // Each record with the file line it starts on (quoted fields may span lines).
  const clean = text.replace(/^\uFEFF/, '')
  const records: { cells: string[]; line: number }[] = []
  let line = 1
  let consumed = 0
  Papa.parse<string[]>(clean, {
    skipEmptyLines: false,
    step: (r) => {
      records.push({ cells: r.data, line })
      const cursor = r.meta.cursor
      for (let i = consumed; i < cursor; i++) if (clean.charCodeAt(i) === 10) line++
      consumed = cursor // past the record's own line break: the next record's first line
    },
  })
  const [headerRecord, ...body] = records
  const header = headerRecord?.cells
  if (!header || header.length < 2) throw new ConfigError([`data.path: ${cfg.path} needs a header row and at least two columns`])
  const names = header.map((h) => h.trim())
  const targetCol = names.indexOf(cfg.target)
  if (targetCol < 0) throw new ConfigError([`data.target: no column "${cfg.target}" in ${cfg.path} (${describeHeader(names)})`])
  const featureCols = names.map((_, i) => i).filter((i) => i !== targetCol)

  const rows: number[][] = []
  const bad: string[] = []
  for (const { cells, line } of body) {
    if (cells.length === 1 && cells[0]!.trim() === '') continue // blank line
    if (cells.length > names.length) {
      bad.push(`line ${line}: ${cells.length} values where the header has ${names.length} columns`)
      continue
    }
    const values: number[] = []
    let ok = true
    for (let c = 0; c < names.length; c++) {
      const raw = (cells[c] ?? '').trim()
      const v = raw === '' ? NaN : Number(raw)
      if (!Number.isFinite(v)) {
        bad.push(`line ${line}: ${printable(names[c]!, MAX_NAME_CHARS)} is ${raw === '' ? 'missing' : `${quoteValue(raw)} (not a number)`}`)
        ok = false
        break
      }
      values.push(v)
    }
    if (ok) rows.push(values)
  }
  if (bad.length && !cfg.dropInvalidRows) {
    const shown = bad.slice(0, 10)
    throw new ConfigError([
      `data.path: ${bad.length} row(s) of ${cfg.path} have missing or non-numeric values (set data.dropInvalidRows to skip them):`,
      ...shown.map((b) => `  ${b}`),
      ...(bad.length > 10 ? [`  … and ${bad.length - 10} more`] : []),
    ])
  }
  if (rows.length < 2) throw new ConfigError([`data.path: ${cfg.path} has ${rows.length} usable row(s); at least 2 are needed`])

  const targets = rows.map((r) => r[targetCol]!)
  const distinct = [...new Set(targets)].sort((a, b) => a - b)
  const integral = targets.every(Number.isInteger)
  const classification = cfg.task === 'classification' || (cfg.task === 'auto' && integral && distinct.length <= MAX_AUTO_CLASSES && distinct.length < rows.length / 2)
  if (cfg.task === 'classification' && !integral) throw new ConfigError([`data.task: classification needs whole-number labels in "${cfg.target}"`])

  const x = new Float32Array(rows.length * featureCols.length)
  const y = new Float32Array(rows.length)
  // Class labels become indices 0..k−1 in sorted order.
  const classIndex = new Map(distinct.map((v, i) => [v, i]))
  rows.forEach((r, i) => {
    featureCols.forEach((c, j) => (x[i * featureCols.length + j] = r[c]!))
    y[i] = classification ? classIndex.get(r[targetCol]!)! : r[targetCol]!
  })
  const task = classification ? `classification with ${distinct.length} classes (${distinct.slice(0, 10).join(', ')}${distinct.length > 10 ? ', …' : ''})` : 'regression'
  return {
    x,
    y,
    rows: rows.length,
    features: featureCols.length,
    targets: 1,
    ...(classification && { classes: distinct.length }),
    description: `${cfg.path}: ${rows.length} rows, ${featureCols.length} feature${featureCols.length === 1 ? '' : 's'}, target "${cfg.target}": ${task}${cfg.task === 'auto' ? ' (detected)' : ''}`,
    warnings: bad.length ? [`dropped ${bad.length} row(s) with missing or non-numeric values: ${bad.slice(0, 10).join('; ')}${bad.length > 10 ? ` … and ${bad.length - 10} more` : ''}`] : [],
  }
}
