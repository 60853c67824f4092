/**
 * A run's config and summary as labelled rows, for the run details and the side-by-side diff
 * of overlaid runs: nested settings flatten to dotted keys (optimizer.lr, schedule.maxLr).
 */
import type { RunConfig } from '../../../shared/config'
import { expectedMetricName, METRIC_LABELS } from '../../../shared/metrics'
import type { BackendInfo, RunSummary } from '../../../shared/run'
import { formatDuration, formatNumber } from './format'

function valueText(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v, 6)
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return v ? 'yes' : 'no'
  if (v === null || v === undefined) return '—'
  return JSON.stringify(v)
}

/** Config keys in the order a practitioner reads them. */
const ORDER = ['optimizer', 'schedule', 'clipping', 'batchSize', 'epochs', 'seed', 'validationSplit', 'loss', 'metric', 'backend', 'data', 'model']

export function flattenConfig(config: RunConfig): [string, string][] {
  const c = config as unknown as Record<string, unknown>
  const keys = [...ORDER.filter((k) => k in c), ...Object.keys(c).filter((k) => !ORDER.includes(k) && k !== 'name')]
  const out: [string, string][] = []
  for (const k of keys) {
    const v = c[k]
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      // The variant first (optimizer.type, data.kind), then its parameters.
      const o = v as Record<string, unknown>
      const disc = ['type', 'kind', 'mode'].find((d) => d in o)
      if (disc) out.push([k, valueText(o[disc])])
      for (const [pk, pv] of Object.entries(o)) if (pk !== disc) out.push([`${k}.${pk}`, valueText(pv)])
    } else out.push([k, valueText(v)])
  }
  return out
}

/** The summary rows of a run: outcome, metrics, divergence, time and backend. */
export function summaryRows(summary: RunSummary, config: RunConfig | null, backend: BackendInfo | null): [string, string][] {
  const metric = summary.valMetricName ?? (config ? expectedMetricName(config) : null)
  const rows: [string, string][] = [
    ['steps', summary.steps.toLocaleString('en-US')],
    ['epochs', summary.epochs.toLocaleString('en-US')],
    ['final loss', formatNumber(summary.finalLoss, 5)],
    ['best loss', formatNumber(summary.bestLoss, 5)],
    ['final val loss', formatNumber(summary.finalValLoss, 5)],
    ['best val loss', `${formatNumber(summary.bestValLoss, 5)}${summary.bestValEpoch !== null ? ` (epoch ${summary.bestValEpoch})` : ''}`],
    [`final val ${metric ? METRIC_LABELS[metric] : 'metric'}`, formatNumber(summary.finalValMetric, 5)],
    ['diverged', summary.divergedAtStep !== null ? `at step ${summary.divergedAtStep.toLocaleString('en-US')}${summary.divergedAtEpoch !== null ? `, epoch ${summary.divergedAtEpoch}` : ''}` : 'no'],
    ['duration', formatDuration(summary.durationSec)],
  ]
  if (backend) rows.push(['backend', `${backend.name}${backend.requested !== backend.name ? ` (asked: ${backend.requested})` : ''}`])
  if (summary.error) rows.push(['error', summary.error])
  return rows
}

/** Rows of a side-by-side config diff: every key any run sets, and whether the runs differ on it. */
export function configDiff(configs: (RunConfig | null)[]): { key: string; values: string[]; differs: boolean }[] {
  const flat = configs.map((c) => new Map(c ? flattenConfig(c) : []))
  const keys: string[] = []
  for (const f of flat) for (const k of f.keys()) if (!keys.includes(k)) keys.push(k)
  return keys.map((key) => {
    const values = flat.map((f) => f.get(key) ?? '—')
    return { key, values, differs: values.some((v) => v !== values[0]) }
  })
}
