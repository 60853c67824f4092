import type { RunConfig } from './config'

/**
 * Metric series travel and are stored column-wise: one typed array per named column,
 * all columns of a batch the same length. Rows are steps (or epochs).
 */
export type Columns = Record<string, Float64Array>

/** Step-level columns: what the trainer records each optimizer step (README lists their meaning). */
export const STEP_COLUMNS = ['step', 'epoch', 'elapsed', 'lr', 'loss', 'momentum', 'grad_norm', 'grad_norm_clipped', 'clipped'] as const

/** Epoch-level columns every run records; per-layer diagnostics follow (see train.ts epochColumnsFor). */
export const EPOCH_COLUMNS = ['epoch', 'step', 'elapsed', 'lr', 'loss', 'val_loss', 'val_metric', 'train_metric'] as const

export function columnLength(cols: Columns): number {
  for (const k in cols) return cols[k]!.length
  return 0
}

/** Concatenate batches column by column (columns missing in a batch are filled with NaN). */
export function concatColumns(batches: Columns[]): Columns {
  const names = new Set<string>()
  let total = 0
  for (const b of batches) {
    for (const k in b) names.add(k)
    total += columnLength(b)
  }
  const out: Columns = {}
  for (const name of names) {
    const arr = new Float64Array(total)
    let off = 0
    for (const b of batches) {
      const n = columnLength(b)
      const src = b[name]
      if (src) arr.set(src, off)
      else arr.fill(NaN, off, off + n)
      off += n
    }
    out[name] = arr
  }
  return out
}

/** The task metric a run's val_metric / train_metric columns hold. */
export type MetricName = 'accuracy' | 'r2' | 'mae'
export const METRIC_LABELS: Record<MetricName, string> = { accuracy: 'accuracy', r2: 'R²', mae: 'MAE' }

const CLASSIFICATION_DATA = new Set(['synthetic-classification', 'moons', 'circles', 'spirals', 'xor', 'blobs', 'digits'])
const REGRESSION_DATA = new Set(['linreg', 'sine', 'polynomial'])

/** The task of a data config; null where only loading the data tells (a CSV with task auto, inline data). */
export function dataTask(data: Pick<RunConfig['data'], 'kind'>): 'classification' | 'regression' | null {
  const d = data as { kind: string; task?: string }
  if (CLASSIFICATION_DATA.has(d.kind) || d.task === 'classification') return 'classification'
  if (REGRESSION_DATA.has(d.kind) || d.task === 'regression') return 'regression'
  return null
}

/**
 * The metric a config's validation reports, as the trainer picks it (accuracy for
 * classification, R² for regression unless the config names one); null where only loading
 * the data tells the task.
 */
export function expectedMetricName(config: Pick<RunConfig, 'metric' | 'data'>): MetricName | null {
  if (config.metric !== 'auto') return config.metric
  const task = dataTask(config.data)
  return task === 'classification' ? 'accuracy' : task === 'regression' ? 'r2' : null
}

/** The CSV / display column name of a metric column: val_metric → val_accuracy, train_metric → train_r2. */
export function namedMetricColumn(column: string, metric: MetricName | null | undefined): string {
  if (!metric) return column
  if (column === 'val_metric') return `val_${metric}`
  if (column === 'train_metric') return `train_${metric}`
  return column
}
