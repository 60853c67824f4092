import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSync, readSync, writeSync, closeSync, existsSync, statSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { STEPS_FILE, SUMMARY_FILE } from '../../electron/storage'
import { writeSyntheticRun } from '../../electron/bench/synthetic-runs'
import type { LrLabService } from '../../electron/core/service'
import type { LoadedRun } from '../../shared/api'
import { newService } from '../helpers/service'

const STEPS = 300_000
const PLANT = [
  { step: 123_457, column: 'loss', value: 5_000 },
  { step: 210_001, column: 'loss', value: -3 },
  { step: 150_500, column: 'loss', value: 900 },
  { step: 150_733, column: 'grad_norm', value: NaN },
  { step: 7, column: 'lr', value: 1 },
]

function extremes(col: Float64Array, from = 0, to = col.length): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (let i = from; i < to; i++) {
    if (Number.isNaN(col[i]!)) continue
    lo = Math.min(lo, col[i]!)
    hi = Math.max(hi, col[i]!)
  }
  return [lo, hi]
}

let service: LrLabService
let id: string
let full: LoadedRun

beforeAll(async () => {
  service = await newService()
  id = writeSyntheticRun(service.store, { steps: STEPS, plant: PLANT })
  full = await service.loadRun(id)
})
afterAll(() => service.shutdown())

describe('loadRunView', () => {
  it("sends a whole run as a few thousand rows holding every column's min and max per pixel", async () => {
    const v = await service.loadRunView(id, { buckets: 1000 })
    expect(v.complete).toBe(false)
    expect(v.stepRows).toBe(STEPS)
    expect(v.rows.length).toBeLessThan(20_000)
    expect(v.rows[0]).toBe(0)
    expect(v.rows[v.rows.length - 1]).toBe(STEPS - 1)
    for (const name of Object.keys(full.steps)) expect(extremes(v.steps[name]!), name).toEqual(extremes(full.steps[name]!))
    for (let j = 0; j < v.rows.length; j++) expect(v.steps.step![j]).toBe(full.steps.step![v.rows[j]!])
    // Every planted value is among the rows sent (the NaN too: gaps stay visible).
    for (const p of PLANT) expect([...v.rows]).toContain(p.step)
    // Per pixel: the max of the rows sent in each of 1000 equal step ranges is the true max there.
    const px = STEPS / 1000
    for (let b = 0; b < 1000; b += 37) {
      const inPixel = [...v.rows.keys()].filter((j) => v.rows[j]! >= b * px && v.rows[j]! < (b + 1) * px)
      const sent = Math.max(...inPixel.map((j) => v.steps.loss![j]!))
      expect(sent).toBeLessThanOrEqual(extremes(full.steps.loss!, Math.ceil(b * px), Math.ceil((b + 1) * px))[1])
    }
    expect(v.clippedSteps).toBe(full.steps.clipped!.reduce((n, c) => n + (c === 1 ? 1 : 0), 0))
    expect(v.epochs.epoch!.length).toBe(full.epochs.epoch!.length)
  })

  it('sends a zoomed range at the detail of its pixels, and every row once the range is small', async () => {
    const wide = await service.loadRunView(id, { buckets: 800, x: 'step', range: [100_000, 200_000] })
    expect(wide.complete).toBe(false)
    expect(wide.from).toBe(99_999)
    expect(wide.to).toBe(200_002)
    expect(extremes(wide.steps.loss!)).toEqual(extremes(full.steps.loss!, 99_999, 200_002))
    expect([...wide.rows]).toContain(150_500)
    const narrow = await service.loadRunView(id, { buckets: 800, x: 'step', range: [150_000, 160_000] })
    expect(narrow.complete).toBe(true)
    expect(narrow.rows.length).toBe(10_003)
    expect([...narrow.steps.loss!]).toEqual([...full.steps.loss!.subarray(149_999, 160_002)])
    // On the epoch axis: the same rows as their fractional epochs.
    const e0 = narrow.epochX[1]!
    const e1 = narrow.epochX[narrow.epochX.length - 2]!
    const byEpoch = await service.loadRunView(id, { buckets: 800, x: 'epoch', range: [e0, e1] })
    expect(byEpoch.from).toBe(149_999)
    expect(byEpoch.to).toBe(160_002)
  })

  it('opens a finished run from the summary stored beside it, without reading its rows', async () => {
    const dir = service.store.runDir(id)
    // Written when the run was closed.
    expect(existsSync(join(dir, SUMMARY_FILE))).toBe(true)
    const file = join(dir, STEPS_FILE)
    // Spoil bytes in the middle of the rows (same size): a read of them would report damage.
    const fd = openSync(file, 'r+')
    const at = Math.floor(statSync(file).size / 2)
    const original = Buffer.alloc(64)
    readSync(fd, original, 0, 64, at)
    writeSync(fd, Buffer.alloc(64, 0x55), 0, 64, at)
    try {
      const fresh = await newService(service.store.dataDir)
      try {
        const v = await fresh.loadRunView(id, { buckets: 1000 })
        expect(v.damage).toEqual([])
        expect(v.stepRows).toBe(STEPS)
        for (const name of Object.keys(full.steps)) expect(extremes(v.steps[name]!), name).toEqual(extremes(full.steps[name]!))
        for (const p of PLANT) expect([...v.rows]).toContain(p.step)
        // A zoom reads the rows, and finds the damage.
        const z = await fresh.loadRunView(id, { buckets: 1000, range: [1000, 2000] })
        expect(z.damage.join(' ')).toMatch(/checksum/)
      } finally {
        await fresh.shutdown()
      }
    } finally {
      writeSync(fd, original, 0, 64, at)
      closeSync(fd)
    }
    // A missing summary is written by the first view.
    rmSync(join(dir, SUMMARY_FILE))
    const again = await newService(service.store.dataDir)
    await again.loadRunView(id, { buckets: 1000 })
    await again.shutdown()
    expect(existsSync(join(dir, SUMMARY_FILE))).toBe(true)
  })

  it('refuses a bad request naming the field', async () => {
    await expect(service.call('loadRunView', [id, { buckets: 3 }])).rejects.toThrow(/buckets/)
    await expect(service.call('loadRunView', [id, { buckets: 100, range: [5, 1] }])).rejects.toThrow(/range/)
    await expect(service.call('loadRunView', ['nope', { buckets: 100 }])).rejects.toThrow(/no run/)
  })
})
