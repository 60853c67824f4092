/**
 * A user's CSV file as a dataset: every column numeric, one of them the target. Bad rows are
 * reported with their line numbers and never dropped silently.
 */
import { readFileSync } from 'node:fs'
import Papa from 'papaparse'
import { ConfigError, type DataConfig } from '../../shared/config'
import type { Dataset } from './dataset'

type CsvConfig = Extract<DataConfig, { kind: 'csv' }>

/** Distinct integer targets up to this many make 'auto' choose classification. */
const MAX_AUTO_CLASSES = 20

export function loadCsvDataset(cfg: CsvConfig): Dataset {
  let text: string
  try {
    text = readFileSync(cfg.path, 'utf8')
  } catch (e) {
    throw new ConfigError([`data.path: cannot read ${cfg.path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`])
  }
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
  if (targetCol < 0) throw new ConfigError([`data.target: no column "${cfg.target}" in ${cfg.path} (columns: ${names.join(', ')})`])
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
        bad.push(`line ${line}: ${names[c]} is ${raw === '' ? 'missing' : `${JSON.stringify(raw.slice(0, 30))} (not a number)`}`)
        ok = false
        break
      }
      values.push(v)
    }
    if (ok) rows.push(values)
  }
  if (bad.length && !cfg.dropInvalidRows) {
    const shown = bad.slice(0, 10)
    throw new ConfigError([`data.path: ${bad.length} row(s) of ${cfg.path} have missing or non-numeric values (set data.dropInvalidRows to skip them):`, ...shown.map((b) => `  ${b}`), ...(bad.length > 10 ? [`  … and ${bad.length - 10} more`] : [])])
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
    x, y, rows: rows.length, features: featureCols.length, targets: 1,
    ...(classification && { classes: distinct.length }),
    description: `${cfg.path}: ${rows.length} rows, ${featureCols.length} feature${featureCols.length === 1 ? "" : "s"}, target "${cfg.target}": ${task}${cfg.task === 'auto' ? ' (detected)' : ''}`,
    warnings: bad.length ? [`dropped ${bad.length} row(s) with missing or non-numeric values: ${bad.slice(0, 10).join('; ')}${bad.length > 10 ? ` … and ${bad.length - 10} more` : ''}`] : [],
  }
}
