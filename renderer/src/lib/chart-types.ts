/** What a chart is asked to draw: one entry per line, each with its own x. */
export interface ChartSeries {
  /** Stable identity (run id + metric): a change of keys rebuilds the chart. */
  key: string
  label: string
  color: string
  x: Float64Array
  y: Float64Array
  /** Draw raw faint behind a smoothed line when the chart's smoothing is on. */
  smooth?: boolean
  dash?: number[]
  width?: number
  /** Draw dots (sparse series such as per-epoch validation loss). */
  points?: boolean
}

export type XAxisMode = 'step' | 'epoch' | 'time'
export type XRange = [number, number]

/** Colours of per-layer lines (parameter groups), in layer order. */
export const LAYER_COLORS = ['#3b82f6', '#f97316', '#10b981', '#e11d48', '#8b5cf6', '#0ea5e9', '#ca8a04', '#db2777']
