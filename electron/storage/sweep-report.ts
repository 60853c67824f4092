/**
 * The sweep report: one CSV row per member, its axis values first (numbers exactly, schedules
 * and optimizers by name), then the comparison report's columns for its run.
 */
import { formatAxisValue, type SweepInfo } from '../../shared/sweep'
import type { RunManifest } from '../../shared/run'
import { COMPARISON_COLUMNS, comparisonRow, CSV_EOL, csvField, num } from './csv'

export function sweepReportCsv(info: SweepInfo, manifestOf: (runId: string) => RunManifest | null): string {
  const lines = [['sweep', 'member', 'label', ...info.axes.map((p) => `axis:${p}`), ...COMPARISON_COLUMNS].map(csvField).join(',')]
  for (const m of info.members) {
    const axisCells = info.axes.map((p) => {
      const v = m.axes[p]
      return typeof v === 'number'
        ? num(v)
        : formatAxisValue(
            v,
            info.members.map((o) => o.axes[p]),
          )
    })
    const run = m.runId ? manifestOf(m.runId) : null
    const runCells = run ? comparisonRow(run) : COMPARISON_COLUMNS.map((c) => (c === 'status' ? m.status : ''))
    lines.push([info.id, String(m.index), m.label, ...axisCells, ...runCells].map(csvField).join(','))
  }
  return lines.join(CSV_EOL) + CSV_EOL
}
