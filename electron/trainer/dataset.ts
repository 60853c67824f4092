/** A loaded dataset, in its own module so the loaders (data.ts, csv-dataset.ts) import it without importing each other. */
export interface Dataset {
  /** Row-major features, rows × features. */
  x: Float32Array
  /** Targets, rows × targets. */
  y: Float32Array
  rows: number
  features: number
  targets: number
  /** Set for classification: y holds class indices 0..classes-1. */
  classes?: number
  /** What was loaded, for the run's event log (e.g. the detected task of a CSV file). */
  description?: string
  /** Things the user must know (e.g. dropped rows, with their line numbers). */
  warnings?: string[]
}
