/**
 * The article's linear regression trained end to end by the real service and trainer
 * process, against PyTorch's traces in golden/linreg.json.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import Papa from 'papaparse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LrLabService } from '../../electron/core/service'
import { close, readGolden } from '../golden/golden-dir'
import { newService, waitForEnd } from '../helpers/service'

interface LinregRun {
  id: string
  optimizer: 'SGD' | 'Adam'
  lr: number
  exponential_decay_per_epoch: number | null
  lr_per_epoch: number[]
  loss_per_epoch: number[]
}
const golden = readGolden<{ x: number[]; y: number[]; runs: LinregRun[] }>('linreg.json')

export function linregConfig(run: LinregRun): Record<string, unknown> {
  return {
    name: `golden ${run.id}`,
    data: { kind: 'inline', x: golden.x.map((v) => [v]), y: golden.y },
    model: { kind: 'linear', init: { weight: [[0.5]], bias: [-0.2] } },
    optimizer: { type: run.optimizer.toLowerCase(), lr: run.lr },
    schedule: run.exponential_decay_per_epoch ? { type: 'exponential', gamma: run.exponential_decay_per_epoch, stepUnit: 'epoch' } : { type: 'constant', stepUnit: 'epoch' },
    epochs: run.loss_per_epoch.length,
    batchSize: 'full',
    validationSplit: 0,
  }
}

/**
 * How many leading epochs float32 can reproduce at all. After a blow-up, the loss at epoch e
 * is a difference of numbers as large as the peak, so rounding alone perturbs the residual
 * by about eps32·sqrt(peak/loss_e) relative; once that exceeds 1e-4, PyTorch's own values
 * are set by its kernels' summation order (a float32 simulation with twelve orders gives
 * final losses from 1.5e3 to 8.5e6 for sgd_time_decay, PyTorch 4.1e5). Those epochs are
 * checked for behaviour (finite, recovered far below the peak), not digit by digit.
 */
function conditionedEpochs(loss: number[]): number {
  const eps32 = 2 ** -24
  let peak = 0
  for (let e = 0; e < loss.length; e++) {
    const l = loss[e]!
    if (!Number.isFinite(l)) return e
    peak = Math.max(peak, l)
    if (eps32 * Math.sqrt(peak / l) > 1e-4) return e
  }
  return loss.length
}

const firstNonFinite = (a: ArrayLike<number>): number => {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i
  return -1
}

let service: LrLabService
beforeAll(async () => {
  service = await newService()
})
afterAll(async () => {
  await service.shutdown()
})

describe('linear regression against PyTorch (golden/linreg.json)', () => {
  for (const run of golden.runs) {
    it(run.id, async () => {
      const { runId } = await service.startRun(linregConfig(run))
      const end = await waitForEnd(service, runId)
      const loaded = await service.loadRun(runId)
      const loss = loaded.steps.loss!
      const lr = loaded.steps.lr!
      const expectedDiv = firstNonFinite(run.loss_per_epoch)
      if (expectedDiv >= 0) {
        expect(end.status, `${run.id}: status`).toBe('diverged')
        const ours = loaded.manifest.summary.divergedAtEpoch!
        expect(Math.abs(ours - expectedDiv), `${run.id}: diverged at epoch ${ours}, PyTorch at ${expectedDiv}`).toBeLessThanOrEqual(1)
      } else {
        expect(end.status, `${run.id}: status`).toBe('finished')
        expect(loss.length).toBe(run.loss_per_epoch.length)
      }
      const conditioned = conditionedEpochs(run.loss_per_epoch)
      for (let e = 0; e < Math.min(loss.length, conditioned); e++) {
        const want = run.loss_per_epoch[e]!
        expect(close(loss[e]!, want, 1e-3), `${run.id}: loss at epoch ${e}: ${loss[e]} vs PyTorch ${want}`).toBe(true)
      }
      for (let e = 0; e < loss.length && Number.isFinite(run.loss_per_epoch[e]!); e++) expect(close(lr[e]!, run.lr_per_epoch[e]!, 1e-6), `${run.id}: lr at epoch ${e}`).toBe(true)
      if (conditioned < run.loss_per_epoch.length && expectedDiv < 0) {
        // Past the conditioned part: the same behaviour as PyTorch (it stays finite and recovers far below its peak).
        const peak = Math.max(...run.loss_per_epoch)
        const finalRef = run.loss_per_epoch[run.loss_per_epoch.length - 1]!
        const finalOurs = loss[loss.length - 1]!
        expect(Number.isFinite(finalOurs), `${run.id}: final loss finite`).toBe(true)
        expect(finalOurs < peak * 1e-6 && finalRef < peak * 1e-6, `${run.id}: recovers below its peak ${peak} (ours ${finalOurs}, PyTorch ${finalRef})`).toBe(true)
        expect(conditioned, `${run.id}: conditioned epochs`).toBeGreaterThan(10)
      }
    })
  }
})

describe('run folder and CSV export', () => {
  it('writes a run folder and exports one CSV row per step with the documented columns', async () => {
    const sgd = golden.runs.find((r) => r.id === 'sgd_const')!
    const { runId } = await service.startRun(linregConfig(sgd))
    await waitForEnd(service, runId)
    const dir = service.store.runDir(runId)
    expect(existsSync(join(dir, 'manifest.json'))).toBe(true)
    const files = readdirSync(dir)
    expect(files.some((f) => f.endsWith('.arrow'))).toBe(true)
    const manifest = (await service.loadRun(runId)).manifest
    expect(manifest.status).toBe('finished')
    expect(manifest.backend.name).toMatch(/tensorflow|wasm|cpu/)
    expect(manifest.config.optimizer.lr).toBe(0.01)

    const { csv, filename } = await service.exportCsv(runId, { level: 'step', format: 'wide' })
    expect(filename).toMatch(/\.csv$/)
    const parsed = Papa.parse<Record<string, string>>(csv.trim(), { header: true })
    expect(parsed.errors).toEqual([])
    expect(parsed.meta.fields!.slice(0, 5)).toEqual(['step', 'epoch', 'elapsed', 'lr', 'loss'])
    expect(parsed.data.length).toBe(100)
    parsed.data.forEach((row, i) => {
      expect(Number(row.step)).toBe(i)
      expect(close(Number(row.loss), sgd.loss_per_epoch[i]!, 1e-3)).toBe(true)
    })
  })

  it('refuses a bad config naming the field', async () => {
    await expect(service.startRun({ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: -1 }, epochs: 5 })).rejects.toThrow(/optimizer\.lr/)
  })
})
