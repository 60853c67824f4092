import type { RunConfig } from './config'

/**
 * Metric series travel and are stored column-wise: one typed array per named column,
 * all columns of a batch the same length. Rows are steps (or epochs).
 */
export type Columns = Record<string, Float64Array>

/** Step-level columns every run records. Optional ones follow (see OPTIONAL_STEP_COLUMNS). */
export const REQUIRED_STEP_COLUMNS = ['step', 'epoch', 'elapsed', 'lr', 'loss'] as const
/** Step-level columns a run records when its config makes them meaningful. */
export const OPTIONAL_STEP_COLUMNS = ['momentum', 'grad_norm', 'grad_norm_clipped', 'clipped'] as const

/** Epoch-level columns: loss is the mean training loss of the epoch's steps. */
export const REQUIRED_EPOCH_COLUMNS = ['epoch', 'step', 'elapsed', 'lr', 'loss', 'val_loss'] as const

/** Documented meaning of each column (README and CSV export share this). */
export const COLUMN_DOCS: Record<string, string> = {
  step: 'optimizer step index, from 0',
  epoch: 'epoch index, from 0',
  elapsed: 'seconds since the run started (pauses excluded)',
  lr: 'learning rate used for this step (first parameter group)',
  loss: 'training loss of the batch before the update',
  momentum: 'momentum (SGD/RMSprop) or beta1 (Adam family) used for this step',
  grad_norm: 'global L2 norm of all gradients before clipping',
  grad_norm_clipped: 'global L2 norm of all gradients after clipping',
  clipped: '1 when clipping changed the gradients at this step, else 0',
  val_loss: 'validation loss after the epoch (NaN when there is no validation split)',
  val_metric: 'task metric on the validation split after the epoch (accuracy, R² or MAE)',
  train_metric: 'task metric on the training split after the epoch, model in evaluation mode',
  'w_norm/<layer>': 'L2 norm of the layer\'s weights after the epoch\'s last step',
  'g_norm/<layer>': 'L2 norm of the gradient applied to the layer at the epoch\'s last step',
  'update_ratio/<layer>': '‖Δw‖ / ‖w‖ of the layer at the epoch\'s last step (the learning-rate health check)',
  'lr/<layer>': 'learning rate of the layer\'s parameter group (with paramGroups)',
}

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

/**
 * The metric a config's validation reports, as the trainer picks it (accuracy for
 * classification, R² for regression unless the config names one); null where only loading
 * the data tells the task (a CSV with task auto, inline data).
 */
export function expectedMetricName(config: Pick<RunConfig, 'metric' | 'data'>): MetricName | null {
  if (config.metric !== 'auto') return config.metric
  const d = config.data as { kind: string; task?: string }
  if (CLASSIFICATION_DATA.has(d.kind) || d.task === 'classification') return 'accuracy'
  if (REGRESSION_DATA.has(d.kind) || d.task === 'regression') return 'r2'
  return null
}

/** The CSV / display column name of a metric column: val_metric → val_accuracy, train_metric → train_r2. */
export function namedMetricColumn(column: string, metric: MetricName | null | undefined): string {
  if (!metric) return column
  if (column === 'val_metric') return `val_${metric}`
  if (column === 'train_metric') return `train_${metric}`
  return column
}
