/** A minimal API client over the bridge's WebSocket, as the page uses it (token, origin, wire encoding). */
import WebSocket from 'ws'
import type { ServiceEvent } from '../../shared/api'
import { decodeWire, encodeWire } from '../../shared/wire'

export interface WsApi {
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>
  events: ServiceEvent[]
  close(): void
}

export function connectApi(pageUrl: string): Promise<WsApi> {
  const u = new URL(pageUrl)
  const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token')}`, { headers: { Origin: u.origin } })
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>()
  const events: ServiceEvent[] = []
  let next = 1
  ws.on('message', (raw) => {
    const m = decodeWire(raw as Buffer) as any
    if (m.event) events.push(m.event)
    else if (pending.has(m.id)) {
      const p = pending.get(m.id)!
      pending.delete(m.id)
      if (m.error) p.reject(new Error(m.error.message))
      else p.resolve(m.result)
    }
  })
  return new Promise((resolve, reject) => {
    ws.on('error', reject)
    ws.on('open', () =>
      resolve({
        events,
        call: (method, ...args) =>
          new Promise((res, rej) => {
            const id = next++
            pending.set(id, { resolve: res, reject: rej })
            ws.send(encodeWire({ id, method, args }))
          }),
        close: () => ws.close(),
      }),
    )
  })
}
