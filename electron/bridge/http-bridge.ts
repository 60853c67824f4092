/**
 * The browser bridge: serves the built renderer over HTTP and the service API over a
 * WebSocket at /ws, on loopback. A connection must carry the session token and come from
 * the page's own origin; anything else is refused before the upgrade.
 */
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { WebSocketServer, type WebSocket } from 'ws'
import { z } from 'zod'
import { ApiError, API_METHODS, type WsResponse } from '../../shared/api'
import { decodeWire, encodeWire } from '../../shared/wire'
import type { LrLabService } from '../core/service'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
}

const WsRequestSchema = z.object({
  id: z.number().int().nonnegative(),
  method: z.enum(API_METHODS),
  args: z.array(z.unknown()).max(8),
})

/** Frames above this size are refused: no legitimate request comes near it. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024

export interface BridgeOptions {
  service: LrLabService
  rendererDir: string
  host?: string
  port?: number
  token?: string
}

export interface RunningBridge {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

function sameToken(given: string | null, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function refuse(socket: Socket, code: 401 | 403, reason: string): void {
  socket.end(`HTTP/1.1 ${code} ${code === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`)
}

export async function startBridge(o: BridgeOptions): Promise<RunningBridge> {
  const host = o.host ?? '127.0.0.1'
  const token = o.token ?? randomBytes(24).toString('base64url')
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
  let port = 0
  const allowedHosts = (): string[] => [`${host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`]

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      res.writeHead(403).end('forbidden host')
      return
    }
    // The page asks here when its socket is refused: a browser cannot see the 401 of a WebSocket
    // upgrade, and a stale link (serve restarted with another token) must say so, not retry forever.
    if (url.pathname === '/token-check') {
      res.writeHead(sameToken(url.searchParams.get('token'), token) ? 204 : 401, { 'Cache-Control': 'no-store' }).end()
      return
    }
    let rel = decodeURIComponent(url.pathname)
    if (rel === '/' || rel === '') rel = '/index.html'
    const file = normalize(join(o.rendererDir, rel))
    if (!file.startsWith(normalize(o.rendererDir) + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found')
      return
    }
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': `default-src 'self'; connect-src 'self' ws://${host}:${port} ws://127.0.0.1:${port} ws://localhost:${port}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:`,
    })
    createReadStream(file).pipe(res)
  })

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname !== '/ws') return refuse(socket, 403, 'unknown path')
    if (!sameToken(url.searchParams.get('token'), token)) return refuse(socket, 401, 'missing or wrong token')
    const origin = req.headers.origin
    const okOrigin = origin !== undefined && allowedHosts().some((h) => origin === `http://${h}`)
    if (!okOrigin || !allowedHosts().includes(req.headers.host ?? '')) return refuse(socket, 403, 'cross-origin connection refused')
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws))
  })

  function serveSocket(ws: WebSocket): void {
    const send = (m: WsResponse): void => {
      if (ws.readyState === ws.OPEN) ws.send(encodeWire(m))
    }
    const unsubscribe = o.service.onEvent((event) => send({ event }))
    ws.on('close', unsubscribe)
    ws.on('message', async (raw, isBinary) => {
      let id = -1
      try {
        if (isBinary) throw new ApiError('binary frames are not accepted')
        const parsed = WsRequestSchema.safeParse(decodeWire(raw.toString()))
        if (!parsed.success) throw new ApiError(`malformed request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`).join('; ')}`)
        id = parsed.data.id
        const result = await o.service.call(parsed.data.method, parsed.data.args)
        send({ id, result: result ?? null })
      } catch (e) {
        const code = e instanceof ApiError ? e.code : e instanceof SyntaxError ? 'bad-request' : 'internal'
        send({ id, error: { message: e instanceof Error ? e.message : String(e), code } })
      }
    })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, host, () => resolve())
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://${host}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate()
        wss.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
