/** The WebSocket bridge admits only its own page with the token, and validates every frame. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBridge, type RunningBridge } from '../../electron/bridge/http-bridge'
import type { LrLabService } from '../../electron/core/service'
import { decodeWire, encodeWire } from '../../shared/wire'
import { newService, tempDir } from '../helpers/service'

let service: LrLabService
let bridge: RunningBridge
const rendererDir = tempDir('lrlab-renderer-')

beforeAll(async () => {
  mkdirSync(rendererDir, { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>LR Lab</title>')
  service = await newService()
  bridge = await startBridge({ service, rendererDir, port: 0 })
})
afterAll(async () => {
  await bridge.close()
  await service.shutdown()
})

const origin = (): string => `http://127.0.0.1:${bridge.port}`

function upgradeStatus(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}${path}`, { headers })
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('open', () => {
      ws.close()
      resolve(101)
    })
    ws.on('error', (e) => reject(e))
  })
}

function connect(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/ws?token=${bridge.token}`, { headers: { Origin: origin() } })
    ws.on('open', () => resolve(ws))
    ws.on('error', reject)
  })
}

function request(ws: WebSocket, frame: string, id: number): Promise<any> {
  return new Promise((resolve) => {
    const onMsg = (raw: WebSocket.RawData): void => {
      const m = decodeWire(raw as Buffer) as any
      if (m.id === id) {
        ws.off('message', onMsg)
        resolve(m)
      }
    }
    ws.on('message', onMsg)
    ws.send(frame)
  })
}

describe('browser bridge', () => {
  it('prints an address on 127.0.0.1 with a token', () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/)
  })

  it('serves the renderer with a content security policy', async () => {
    const res = await fetch(`${origin()}/`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/)
    expect((await fetch(`${origin()}/../../etc/passwd`)).status).toBe(404)
  })

  it('refuses a connection without the token (401) or from another origin (403)', async () => {
    expect(await upgradeStatus('/ws', { Origin: origin() })).toBe(401)
    expect(await upgradeStatus('/ws?token=wrong', { Origin: origin() })).toBe(401)
    expect(await upgradeStatus(`/ws?token=${bridge.token}`, { Origin: 'http://evil.example' })).toBe(403)
    expect(await upgradeStatus(`/ws?token=${bridge.token}`, {})).toBe(403)
    expect(await upgradeStatus(`/ws?token=${bridge.token}`, { Origin: origin() })).toBe(101)
  })

  it('validates every frame and keeps serving after bad ones', async () => {
    const ws = await connect()
    try {
      const junk = await request(ws, 'not json', -1)
      expect(junk.error.code).toBe('bad-request')
      const unknown = await request(ws, encodeWire({ id: 1, method: 'rm -rf', args: [] }), -1)
      expect(unknown.error.message).toMatch(/method/)
      const badArgs = await request(ws, encodeWire({ id: 2, method: 'loadRun', args: ['../../etc'] }), 2)
      expect(badArgs.error.message).toMatch(/loadRun/)
      const badConfig = await request(ws, encodeWire({ id: 3, method: 'startRun', args: [{ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 'fast' }, epochs: 3 }] }), 3)
      expect(badConfig.error.message).toMatch(/optimizer\.lr/)
      const list = await request(ws, encodeWire({ id: 4, method: 'listRuns', args: [] }), 4)
      expect(Array.isArray(list.result)).toBe(true)
    } finally {
      ws.close()
    }
  })

  it('streams metric batches of a real run to a connected page', async () => {
    const ws = await connect()
    try {
      const batches: any[] = []
      ws.on('message', (raw) => {
        const m = decodeWire(raw as Buffer) as any
        if (m.event?.type === 'metrics') batches.push(m.event)
      })
      const started = await request(ws, encodeWire({ id: 10, method: 'startRun', args: [{ data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 50 }] }), 10)
      const runId = started.result.runId
      await expect.poll(() => batches.filter((b) => b.runId === runId).reduce((n, b) => n + b.steps.step.length, 0), { timeout: 60_000 }).toBe(50)
      const steps = batches.flatMap((b) => Array.from(b.steps.step as Float64Array))
      expect(steps).toEqual(Array.from({ length: 50 }, (_, i) => i))
      // Batches, never one message per step.
      expect(batches.length).toBeLessThan(50)
    } finally {
      ws.close()
    }
  })

  it('runs the LR range test in a trainer process and returns exact arrays', async () => {
    const ws = await connect()
    try {
      const r = await request(
        ws,
        encodeWire({
          id: 20,
          method: 'findLr',
          args: [
            { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1, validationSplit: 0 },
            { startLr: 1e-4, endLr: 1, numIter: 60 },
          ],
        }),
        20,
      )
      expect(r.error).toBeUndefined()
      expect(r.result.lrs).toBeInstanceOf(Float64Array)
      expect(r.result.lrs[0]).toBe(1e-4)
      expect(r.result.suggestions.map((s: { rule: string }) => s.rule)).toEqual(['steepest', 'steep', 'valley', 'slide', 'minimum'])
      const bad = await request(
        ws,
        encodeWire({
          id: 21,
          method: 'findLr',
          args: [
            { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 1 },
            { startLr: 1, endLr: 0.1 },
          ],
        }),
        21,
      )
      expect(bad.error.message).toMatch(/endLr/)
    } finally {
      ws.close()
    }
  })
})
