/**
 * Files a config names (data.path, model.initFrom.modelJson): anything but a regular data file is
 * refused up front (a FIFO or /dev/zero hung the trainer forever), and no error quotes a file's
 * contents beyond a plausible CSV header's column names (an import naming a missing column echoed
 * the first line of /proc/self/environ or a secrets file; /etc/passwd came back from initFrom).
 */
import { execFileSync } from 'node:child_process'
import { symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadCsvDataset } from '../../electron/trainer/csv-dataset'
import { loadLayerWeights } from '../../electron/trainer/model-io'
import type { LrLabService } from '../../electron/core/service'
import { parseRunConfig, type DataConfig } from '../../shared/config'
import { newService, tempDir } from '../helpers/service'

type CsvConfig = Extract<DataConfig, { kind: 'csv' }>
const SECRET = 'hunter2-sk-live-4242'
const csv = (path: string, target = 'y'): CsvConfig => parseRunConfig({ data: { kind: 'csv', path, target }, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 }).data as CsvConfig

function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('expected an error')
}

/** A message fit to show: no control characters, no replacement characters from binary data. */
const clean = (m: string): boolean => !/[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/.test(m)

let dir: string
let fifo: string
beforeAll(() => {
  dir = tempDir('lrlab-files-')
  fifo = join(dir, 'pipe.csv')
  execFileSync('mkfifo', [fifo])
  process.env.LRLAB_TEST_SECRET = SECRET // so /proc/self/environ holds it
})

describe('CSV datasets', () => {
  it('refuses FIFOs, devices, folders and /proc files up front, naming what they are', () => {
    const cases: [string, RegExp][] = [
      [fifo, /named pipe/],
      ['/dev/zero', /device/],
      ['/dev/urandom', /device/],
      [dir, /folder/],
      ['/proc/self/environ', /system file/],
      ['/proc/self/status', /system file/],
    ]
    const link = join(dir, 'innocent.csv')
    symlinkSync('/proc/self/environ', link)
    cases.push([link, /system file/])
    for (const [path, why] of cases) {
      const t0 = Date.now()
      const m = errorOf(() => loadCsvDataset(csv(path)))
      expect(m, path).toMatch(/data\.path: /)
      expect(m, path).toMatch(why)
      expect(m).not.toContain(SECRET)
      expect(Date.now() - t0).toBeLessThan(5000)
    }
  })

  it('does not echo the first line of a file that is not a CSV with a header', () => {
    const secrets = join(dir, 'secrets.env')
    writeFileSync(secrets, `API_KEY=${SECRET},DB_PASSWORD=${SECRET}\n1,2\n3,4\n`)
    const m = errorOf(() => loadCsvDataset(csv(secrets)))
    expect(m).toMatch(/no column "y"/)
    expect(m).toMatch(/does not look like a CSV header/)
    expect(m).not.toContain(SECRET)
  })

  it('refuses binary files without putting their bytes into the message', () => {
    const bin = join(dir, 'weights.csv')
    const bytes = Buffer.alloc(4096)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256
    writeFileSync(bin, bytes)
    const m = errorOf(() => loadCsvDataset(csv(bin)))
    expect(m).toMatch(/binary/)
    expect(clean(m)).toBe(true)
  })

  it('still lists the columns of a real CSV, and quotes bad values printably', () => {
    const good = join(dir, 'good.csv')
    writeFileSync(good, 'a,b,label\n1,2,0\n3,4,1\n')
    expect(errorOf(() => loadCsvDataset(csv(good, 'target')))).toMatch(/columns: a, b, label/)
    const wide = join(dir, 'wide.csv')
    writeFileSync(wide, `${Array.from({ length: 30 }, (_, i) => `c${i}`).join(',')}\n`)
    expect(errorOf(() => loadCsvDataset(csv(wide, 'target')))).toMatch(/c19, … and 10 more/)
    const ctl = join(dir, 'ctl.csv')
    writeFileSync(ctl, 'x,y\n1,2\n\u001b[31mred\u0007,3\n4,5\n')
    const m = errorOf(() => loadCsvDataset(csv(ctl)))
    expect(m).toContain('line 3: x is "\\u001b[31mred\\u0007" (not a number)')
    expect(clean(m)).toBe(true)
  })
})

describe('initFrom.modelJson', () => {
  it('refuses non-model files without quoting them, and weight paths that leave the folder', () => {
    const cases: [string, RegExp][] = [
      ['/etc/passwd', /not a tfjs model\.json/],
      ['/proc/self/environ', /system file/],
      ['/dev/zero', /device/],
      [fifo, /named pipe/],
      [dir, /folder/],
    ]
    const escape = join(dir, 'escape.json')
    writeFileSync(escape, JSON.stringify({ weightsManifest: [{ paths: ['../../../../etc/passwd'], weights: [] }] }))
    cases.push([escape, /is not a file beside it/])
    const toDevice = join(dir, 'device.json')
    writeFileSync(toDevice, JSON.stringify({ weightsManifest: [{ paths: ['zero'], weights: [] }] }))
    symlinkSync('/dev/zero', join(dir, 'zero'))
    cases.push([toDevice, /device/])
    for (const [path, why] of cases) {
      const t0 = Date.now()
      const m = errorOf(() => loadLayerWeights(path))
      expect(m, path).toMatch(why)
      expect(m).not.toMatch(/root:|x:0:0/)
      expect(m).not.toContain(SECRET)
      expect(Date.now() - t0).toBeLessThan(5000)
    }
  })
})

describe('through the service', () => {
  let service: LrLabService
  beforeAll(async () => {
    service = await newService()
  })
  afterAll(async () => {
    await service.shutdown()
  })

  it('a FIFO dataset is refused in seconds instead of hanging the trainer', async () => {
    const config = { data: { kind: 'csv', path: fifo, target: 'y' }, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 }
    const outcome = await Promise.race([
      service.startRun(config).then(
        () => 'started',
        (e: Error) => e.message,
      ),
      new Promise<string>((r) => setTimeout(() => r('hung'), 60_000)),
    ])
    expect(outcome).toMatch(/named pipe/)
  })

  it('a /proc dataset is refused without its contents', async () => {
    const config = { data: { kind: 'csv', path: '/proc/self/environ', target: 'nope' }, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 }
    const m = await service.startRun(config).then(
      () => 'started',
      (e: Error) => e.message,
    )
    expect(m).toMatch(/system file/)
    expect(m).not.toContain(SECRET)
  })
})
