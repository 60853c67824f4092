/**
 * The browser bridge: serves the built renderer over HTTP and the service API over a
 * WebSocket at /ws, on loopback. A connection must carry the session token and come from
 * the page's own origin; anything else is refused before the upgrade.
 */
import { createReadStream, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { WebSocketServer, type WebSocket } from 'ws'
import { z } from 'zod'
import { ApiError, API_METHODS, errorPayload, type WsResponse } from '../../shared/api'
import { decodeWire, encodeFrame } from '../../shared/wire'
import type { LrLabService } from '../core/service'
import { bridgeConnectSources, contentSecurityPolicy } from '../shell/security'

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

/** The request's URL, or null when it does not parse (e.g. `//`). */
function parseUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://x')
  } catch {
    return null
  }
}

/** The decoded path of a request, or null when it is malformed (`/%`, a cut UTF-8 sequence). */
function requestPath(raw: string | undefined): string | null {
  const url = parseUrl(raw)
  if (url === null) return null
  try {
    return decodeURIComponent(url.pathname)
  } catch {
    return null
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile()
  } catch {
    return false
  }
}

const STATUS_TEXT = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden' } as const

function refuse(socket: Socket, code: keyof typeof STATUS_TEXT, reason: string): void {
  socket.end(`HTTP/1.1 ${code} ${STATUS_TEXT[code]}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`)
}

export async function startBridge(o: BridgeOptions): Promise<RunningBridge> {
  const host = o.host ?? '127.0.0.1'
  const token = o.token ?? randomBytes(24).toString('base64url')
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
  let port = 0
  const allowedHosts = (): string[] => [`${host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`]

  const server: Server = createServer((req, res) => {
    // Nothing a request carries may end the process: a malformed path is a 400, a failed read a 500.
    res.on('error', () => res.destroy())
    const path = requestPath(req.url)
    if (path === null) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('malformed request path')
      return
    }
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      res.writeHead(403).end('forbidden host')
      return
    }
    // The page asks here when its socket is refused: a browser cannot see the 401 of a WebSocket
    // upgrade, and a stale link (serve restarted with another token) must say so, not retry forever.
    if (path === '/token-check') {
      const given = new URL(req.url ?? '/', 'http://x').searchParams.get('token')
      res.writeHead(sameToken(given, token) ? 204 : 401, { 'Cache-Control': 'no-store' }).end()
      return
    }
    const rel = path === '/' || path === '' ? '/index.html' : path
    const file = normalize(join(o.rendererDir, rel))
    if (!file.startsWith(normalize(o.rendererDir) + sep) || !isFile(file)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found')
      return
    }
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': contentSecurityPolicy(bridgeConnectSources(host, port)),
    })
    const stream = createReadStream(file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  })
  // Malformed HTTP (bad headers, oversized requests) and sockets reset mid-request: answer or drop that connection only.
  server.on('clientError', (_err, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
    else socket.destroy()
  })
  wss.on('error', () => {}) // errors of a handshake in progress; the socket's own handler closes it

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const url = parseUrl(req.url)
    if (url === null) return refuse(socket, 400, 'malformed request path')
    if (url.pathname !== '/ws') return refuse(socket, 403, 'unknown path')
    if (!sameToken(url.searchParams.get('token'), token)) return refuse(socket, 401, 'missing or wrong token')
    const origin = req.headers.origin
    const okOrigin = origin !== undefined && allowedHosts().some((h) => origin === `http://${h}`)
    if (!okOrigin || !allowedHosts().includes(req.headers.host ?? '')) return refuse(socket, 403, 'cross-origin connection refused')
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws))
  })

  // One subscription for all sockets (not one listener per socket): events are encoded once and
  // a thousand open pages add no listeners to the service. Answers and events that carry typed
  // arrays (metric columns) go as one binary frame the page views in place (shared/wire.ts).
  const clients = new Set<WebSocket>()
  const unsubscribe = o.service.onEvent((event) => {
    if (!clients.size) return
    const frame = encodeFrame({ event } satisfies WsResponse)
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(frame)
  })

  function serveSocket(ws: WebSocket): void {
    const send = (m: WsResponse): void => {
      if (ws.readyState === ws.OPEN) ws.send(encodeFrame(m))
    }
    clients.add(ws)
    ws.on('close', () => clients.delete(ws))
    // A protocol violation (invalid UTF-8, unmasked or oversized frame, reserved opcode or bit):
    // ws closes this socket with the matching code (1007, 1002, 1009); without a listener the
    // 'error' event would end the process.
    ws.on('error', () => {})
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
        send({ id, error: errorPayload(e) })
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
        unsubscribe()
        for (const c of wss.clients) c.terminate()
        wss.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
