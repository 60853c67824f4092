/**
 * A realistic run of any size, written fast: for the benchmark and tests. Values look like
 * a real tfjs run (float32 losses decaying with noise, an exponential schedule, gradient
 * norms, occasional clipping), so exports and loads cost what real runs cost.
 */
import { parseRunConfig } from '../../shared/config'
import { STEP_COLUMNS, type Columns } from '../../shared/metrics'
import type { RunStore } from '../storage/run-store'
import { createRng } from '../trainer/random'

const SYNTHETIC_STEP_COLUMNS = STEP_COLUMNS
export const SYNTHETIC_EPOCH_COLUMNS = ['epoch', 'step', 'elapsed', 'lr', 'loss', 'val_loss']

/** A value forced into one step row's column (a test's known spike or dip). */
export interface PlantedValue {
  step: number
  column: string
  value: number
}

export function writeSyntheticRun(store: RunStore, o: { steps: number; epochs?: number; seed?: number; name?: string; plant?: PlantedValue[] }): string {
  const steps = Math.max(0, Math.floor(o.steps))
  const epochs = Math.max(1, Math.min(o.epochs ?? Math.max(1, Math.ceil(steps / 1000)), Math.max(1, steps)))
  const perEpoch = Math.max(1, Math.ceil(steps / epochs))
  const lr0 = 0.05
  const gamma = Math.pow(0.01, 1 / epochs) // lr falls 100× over the run
  const config = parseRunConfig({
    name: o.name ?? `synthetic ${steps} steps`,
    data: { kind: 'linreg', n: 1000 },
    optimizer: { type: 'sgd', lr: lr0, momentum: 0.9 },
    schedule: { type: 'exponential', gamma, stepUnit: 'epoch' },
    clipping: { mode: 'norm', maxNorm: 5 },
    epochs,
    batchSize: 32,
    seed: o.seed ?? 0,
  })
  const writer = store.createRun({
    config,
    backend: { name: 'cpu', requested: 'auto', fallbackReasons: [] },
    stepColumns: SYNTHETIC_STEP_COLUMNS,
    epochColumns: SYNTHETIC_EPOCH_COLUMNS,
    versions: { lrlab: 'synthetic', tfjs: 'none', node: process.versions.node },
  })
  writer.event({ kind: 'start', step: 0, message: 'synthetic run' })
  const rand = createRng(o.seed ?? 1)
  const BATCH = 65_536
  let best = Infinity
  let bestVal = Infinity
  let bestValEpoch: number | null = null
  let lastLoss: number | null = null
  let lastVal: number | null = null
  const epochCols: Record<string, number[]> = Object.fromEntries(SYNTHETIC_EPOCH_COLUMNS.map((c) => [c, []]))
  let epochLossSum = 0
  let epochLossN = 0
  for (let start = 0; start < steps; start += BATCH) {
    const n = Math.min(BATCH, steps - start)
    const cols: Columns = Object.fromEntries(SYNTHETIC_STEP_COLUMNS.map((c) => [c, new Float64Array(n)]))
    for (let i = 0; i < n; i++) {
      const s = start + i
      const e = Math.min(epochs - 1, Math.floor(s / perEpoch))
      const lr = lr0 * Math.pow(gamma, e)
      const base = 0.05 + 10 * Math.exp(-s / (steps / 5 + 1))
      const loss = Math.fround(base * (1 + 0.3 * (rand() - 0.5)))
      const g = Math.fround(Math.sqrt(loss) * (2 + rand()))
      cols.step![i] = s
      cols.epoch![i] = e
      cols.elapsed![i] = s * 0.0021
      cols.lr![i] = lr
      cols.loss![i] = loss
      cols.momentum![i] = 0.9
      cols.grad_norm![i] = g
      cols.grad_norm_clipped![i] = Math.min(g, 5)
      cols.clipped![i] = g > 5 ? 1 : 0
      best = Math.min(best, loss)
      lastLoss = loss
      epochLossSum += loss
      epochLossN++
      if (s === steps - 1 || Math.floor((s + 1) / perEpoch) !== Math.floor(s / perEpoch)) {
        const val = Math.fround((epochLossSum / epochLossN) * (1.05 + 0.05 * rand()))
        epochCols.epoch!.push(e)
        epochCols.step!.push(s)
        epochCols.elapsed!.push(s * 0.0021)
        epochCols.lr!.push(lr)
        epochCols.loss!.push(epochLossSum / epochLossN)
        epochCols.val_loss!.push(val)
        if (val < bestVal) {
          bestVal = val
          bestValEpoch = e
        }
        lastVal = val
        epochLossSum = 0
        epochLossN = 0
      }
    }
    for (const p of o.plant ?? []) if (p.step >= start && p.step < start + n && cols[p.column]) cols[p.column]![p.step - start] = p.value
    writer.appendSteps(cols)
  }
  writer.appendEpochs(Object.fromEntries(Object.entries(epochCols).map(([k, v]) => [k, Float64Array.from(v)])))
  writer.event({ kind: 'finish', step: steps, message: 'run finished' })
  writer.close({
    status: 'finished',
    summary: {
      steps,
      epochs: epochCols.epoch!.length,
      finalLoss: lastLoss,
      bestLoss: Number.isFinite(best) ? best : null,
      finalValLoss: lastVal,
      bestValLoss: Number.isFinite(bestVal) ? bestVal : null,
      bestValEpoch,
      durationSec: steps * 0.0021,
    },
  })
  return writer.id
}
