/**
 * The renderer's only door to the service. Picks the Electron bridge when the preload
 * exposed `window.lrlab`, else the local WebSocket bridge; components never know which.
 */
import { ServiceError, unwrapReply, type ApiMethod, type ElectronBridge, type ExportOptions, type IpcReply, type LrLabApi, type ServiceEvent, type WsResponse } from '../../../shared/api'

import { API_METHODS } from '../../../shared/api-methods'
import { decodeWire, encodeWire } from '../../../shared/wire'
import { downloadBlob } from './download'

export type EventListener = (event: ServiceEvent) => void
/** 'unauthorized': the link's token is wrong or stale (the service was restarted with another); no retrying helps. */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'unauthorized'

export interface ClientApi extends LrLabApi {
  onEvent(listener: EventListener): () => void
  /** Fetches the CSV and hands it to the user (save dialog in Electron, a download in the browser). */
  downloadCsv(runId: string, options?: Partial<ExportOptions>): Promise<string | null>
  /** WebSocket link state (always 'open' over Electron IPC). */
  onConnection(listener: (state: ConnectionState) => void): () => void
}

declare global {
  interface Window {
    lrlab?: ElectronBridge
  }
}

let client: Promise<ClientApi> | null = null

export function getApi(): Promise<ClientApi> {
  client ??= Promise.resolve(window.lrlab ? electronClient(window.lrlab) : webSocketClient())
  return client
}

/** Every API method forwarded through `invoke`, so a method added to the API needs no change here. */
function forwardAll(invoke: (method: ApiMethod, args: unknown[]) => Promise<unknown>): LrLabApi {
  return Object.fromEntries(API_METHODS.map((m) => [m, (...args: unknown[]) => invoke(m, args)])) as unknown as LrLabApi
}

function electronClient(bridge: ElectronBridge): ClientApi {
  return {
    ...forwardAll(async (m, args) => unwrapReply(await (bridge[m] as (...a: unknown[]) => Promise<IpcReply>)(...args))),
    onEvent: (l) => bridge.onEvent(l),
    onConnection: (l) => {
      l('open')
      return () => {}
    },
    async downloadCsv(runId, options) {
      const { filename, csv } = unwrapReply(await bridge.exportCsv(runId, options)) as Awaited<ReturnType<LrLabApi['exportCsv']>>
      return bridge.saveTextFile(filename, csv)
    },
  }
}

interface Pending {
  resolve: (v: unknown) => void
  reject: (e: Error) => void
}

function webSocketClient(): ClientApi {
  const token = new URLSearchParams(location.search).get('token') ?? ''
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`
  const listeners = new Set<EventListener>()
  const connListeners = new Set<(s: ConnectionState) => void>()
  const pending = new Map<number, Pending>()
  // Requests made while the socket is down wait here and go out on (re)connect.
  const queue: string[] = []
  let nextId = 1
  let socket: WebSocket | null = null
  let state: ConnectionState = 'connecting'
  let retryMs = 250

  const setState = (s: ConnectionState) => {
    state = s
    for (const l of connListeners) l(s)
  }

  const connect = () => {
    setState('connecting')
    const ws = new WebSocket(url)
    // Binary frames arrive as one ArrayBuffer whose columns decodeWire views in place.
    ws.binaryType = 'arraybuffer'
    socket = ws
    ws.onopen = () => {
      retryMs = 250
      setState('open')
      for (const frame of queue.splice(0)) ws.send(frame)
    }
    ws.onmessage = (m) => {
      const msg = decodeWire(m.data as string | ArrayBuffer) as WsResponse
      if ('event' in msg) {
        for (const l of listeners) l(msg.event)
        return
      }
      const p = pending.get(msg.id)
      if (!p) return
      pending.delete(msg.id)
      if ('error' in msg) p.reject(new ServiceError(msg.error.message, msg.error.code))
      else p.resolve(msg.result)
    }
    ws.onclose = () => {
      socket = null
      // In-flight calls cannot be answered by a new connection: fail them now.
      for (const [id, p] of pending) {
        pending.delete(id)
        p.reject(new ServiceError('connection to the LR Lab service was lost', 'internal'))
      }
      setState('closed')
      void tokenRefused().then((refused) => {
        if (refused) setState('unauthorized')
        else setTimeout(connect, retryMs)
      })
      retryMs = Math.min(retryMs * 2, 5000)
    }
  }
  /** True when the service answers and refuses this page's token (false when it is unreachable: retry then). */
  const tokenRefused = async (): Promise<boolean> => {
    try {
      const r = await fetch(`/token-check?token=${encodeURIComponent(token)}`, { cache: 'no-store' })
      return r.status === 401
    } catch {
      return false
    }
  }
  connect()

  const call = <T>(method: ApiMethod, ...args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      const frame = encodeWire({ id, method, args })
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(frame)
      else queue.push(frame)
    })

  const api: ClientApi = {
    ...forwardAll((m, args) => call(m, ...args)),
    exportCsv: (id, o) => call('exportCsv', id, o ?? {}),
    onEvent(l) {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    onConnection(l) {
      connListeners.add(l)
      l(state)
      return () => connListeners.delete(l)
    },
    async downloadCsv(runId, options) {
      const { filename, csv } = await api.exportCsv(runId, options)
      downloadBlob(filename, new Blob([csv], { type: 'text/csv' }))
      return filename
    },
  }
  return api
}
