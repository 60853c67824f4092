/**
 * No input from the network ends the bridge: malformed request paths get a 400, protocol
 * violations on a socket close that socket with the code RFC 6455 gives, and the next
 * connection is served as before. (An unhandled error here would fail the whole test file.)
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBridge, type RunningBridge } from '../../electron/bridge/http-bridge'
import type { LrLabService } from '../../electron/core/service'
import { decodeWire, encodeWire } from '../../shared/wire'
import { closeCodeFor, frame, getRequest, rawHttpStatus } from '../helpers/raw-socket'
import { newService, tempDir } from '../helpers/service'

let service: LrLabService
let bridge: RunningBridge

beforeAll(async () => {
  const rendererDir = tempDir('lrlab-renderer-')
  mkdirSync(rendererDir, { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>LR Lab</title>')
  service = await newService()
  bridge = await startBridge({ service, rendererDir, port: 0 })
})
afterAll(async () => {
  await bridge.close()
  await service.shutdown()
})

/** A normal client still gets an answer: the bridge is alive. */
async function stillServes(): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/ws?token=${bridge.token}`, { headers: { Origin: `http://127.0.0.1:${bridge.port}` } })
  await new Promise((r, j) => ws.once('open', r).once('error', j))
  const reply = new Promise<any>((r) => ws.once('message', (m) => r(decodeWire(m.toString()))))
  ws.send(encodeWire({ id: 1, method: 'getInfo', args: [] }))
  expect((await reply).result.version).toMatch(/\d/)
  ws.close()
  expect((await fetch(`http://127.0.0.1:${bridge.port}/`)).status).toBe(200)
}

/** A sample of the named oversized frame: the header declares it, the body is cut short. */
const oversized = (mb: number): Buffer => frame({ opcode: 2, length: mb * 1024 * 1024, payload: Buffer.alloc(65536) }).subarray(0, 14 + 65536)

describe('the bridge under hostile input', () => {
  it('answers malformed request paths with 400, on plain requests and upgrades', async () => {
    const port = bridge.port
    for (const path of ['/%', '/%E0%A4%A', '//', '/%ff', '/..%2f..%2fetc%2fpasswd%']) {
      expect(await rawHttpStatus(port, getRequest(path, port)), path).toBe(400)
    }
    expect(await rawHttpStatus(port, `GET // HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`)).toBe(400)
    expect(await rawHttpStatus(port, 'GARBAGE\r\n\r\n')).toBe(400)
    await stillServes()
  })

  const cases: [string, () => Buffer, number][] = [
    ['invalid UTF-8 in a text frame', () => frame({ opcode: 1, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }), 1007],
    ['an unmasked client frame', () => frame({ opcode: 1, masked: false, payload: Buffer.from('{}') }), 1002],
    ['a reserved opcode', () => frame({ opcode: 3, payload: Buffer.from('{}') }), 1002],
    ['RSV1 set without an extension', () => frame({ opcode: 1, rsv1: true, payload: Buffer.from('{}') }), 1002],
    ['a 17 MB frame', () => oversized(17), 1009],
    ['a 100 MB frame', () => oversized(100), 1009],
  ]
  for (const [name, bytes, code] of cases) {
    it(`closes the socket with ${code} on ${name}, and keeps serving`, async () => {
      expect(await closeCodeFor(bridge.port, bridge.token, bytes())).toBe(code)
      await stillServes()
    })
  }

  it('adds no listener to the service per connection (no MaxListenersExceededWarning at 300 sockets)', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error): void => void warnings.push(w.name)
    process.on('warning', onWarning)
    const origin = `http://127.0.0.1:${bridge.port}`
    const sockets = await Promise.all(
      Array.from({ length: 300 }, () => {
        const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/ws?token=${bridge.token}`, { headers: { Origin: origin } })
        return new Promise<WebSocket>((r, j) => ws.once('open', () => r(ws)).once('error', j))
      }),
    )
    const eventsListeners = (service as unknown as { events: { listenerCount(e: string): number } }).events.listenerCount('event')
    for (const ws of sockets) ws.close()
    await new Promise((r) => setTimeout(r, 200))
    process.off('warning', onWarning)
    expect(warnings).not.toContain('MaxListenersExceededWarning')
    expect(eventsListeners).toBeLessThan(10)
  })
})
