/**
 * Raw bytes to the bridge over a plain TCP socket: malformed HTTP request lines and hand-made
 * WebSocket frames that no well-behaved client library would send.
 */
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

/** Send `request` and resolve with the HTTP status of the answer (0 when the connection closed without one). */
export function rawHttpStatus(port: number, request: string, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer to ${JSON.stringify(request.split('\r\n')[0])} in ${timeoutMs} ms`))
    }, timeoutMs)
    const done = (): void => {
      clearTimeout(timer)
      socket.destroy()
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data)
      resolve(m ? Number(m[1]) : 0)
    }
    socket.on('data', (d) => {
      data += d.toString('latin1')
      if (data.includes('\r\n')) done()
    })
    socket.on('error', done)
    socket.on('close', done)
    socket.write(request)
  })
}

export const getRequest = (path: string, port: number): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`

/** An open WebSocket connection made by hand (handshake done), for sending raw frames. */
export interface RawWs {
  socket: Socket
  /** Bytes the server sent after the handshake. */
  received(): Buffer
  /** Resolves once the server closed the TCP connection (or after timeoutMs). */
  closed: Promise<void>
}

export function rawWebSocket(port: number, token: string, timeoutMs = 10_000): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let buf = Buffer.alloc(0)
    let open = false
    let onClosed!: () => void
    const closed = new Promise<void>((r) => (onClosed = r))
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('handshake timed out'))
    }, timeoutMs)
    socket.on('close', () => onClosed())
    socket.on('error', () => onClosed())
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      if (open) return
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return
      const head = buf.subarray(0, end).toString('latin1')
      clearTimeout(timer)
      if (!head.startsWith('HTTP/1.1 101')) {
        socket.destroy()
        reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`))
        return
      }
      open = true
      buf = buf.subarray(end + 4)
      resolve({ socket, received: () => buf, closed })
    })
    socket.write(
      `GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
    )
  })
}

/**
 * A WebSocket frame header (and payload when given). `length` may exceed the payload's: the
 * server must refuse a frame by its declared size before the bytes arrive.
 */
export function frame(o: { opcode?: number; fin?: boolean; rsv1?: boolean; masked?: boolean; payload?: Buffer; length?: number }): Buffer {
  const payload = o.payload ?? Buffer.alloc(0)
  const length = o.length ?? payload.length
  const masked = o.masked ?? true
  const first = (o.fin === false ? 0 : 0x80) | (o.rsv1 ? 0x40 : 0) | (o.opcode ?? 1)
  let header: Buffer
  if (length < 126) header = Buffer.from([first, (masked ? 0x80 : 0) | length])
  else if (length < 65536) {
    header = Buffer.from([first, (masked ? 0x80 : 0) | 126, 0, 0])
    header.writeUInt16BE(length, 2)
  } else {
    header = Buffer.from([first, (masked ? 0x80 : 0) | 127, 0, 0, 0, 0, 0, 0, 0, 0])
    header.writeBigUInt64BE(BigInt(length), 2)
  }
  if (!masked) return Buffer.concat([header, payload])
  const mask = randomBytes(4)
  const body = Buffer.from(payload)
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!
  return Buffer.concat([header, mask, body])
}

/** The status code of the first close frame in `data` (server frames are unmasked), or null. */
export function closeCode(data: Buffer): number | null {
  let pos = 0
  while (pos + 2 <= data.length) {
    const opcode = data[pos]! & 0x0f
    let len = data[pos + 1]! & 0x7f
    let off = pos + 2
    if (len === 126) {
      len = data.readUInt16BE(off)
      off += 2
    } else if (len === 127) {
      len = Number(data.readBigUInt64BE(off))
      off += 8
    }
    if (opcode === 8) return len >= 2 ? data.readUInt16BE(off) : 1005
    pos = off + len
  }
  return null
}

/** Send `bytes` on a fresh connection; resolves with the close code the server answered with. */
export async function closeCodeFor(port: number, token: string, bytes: Buffer | Buffer[], timeoutMs = 20_000): Promise<number | null> {
  const ws = await rawWebSocket(port, token)
  for (const b of Array.isArray(bytes) ? bytes : [bytes]) ws.socket.write(b)
  const deadline = Date.now() + timeoutMs
  while (closeCode(ws.received()) === null && Date.now() < deadline) {
    const settled = await Promise.race([ws.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))])
    if (settled) break
  }
  ws.socket.destroy()
  return closeCode(ws.received())
}
