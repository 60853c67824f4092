/**
 * JSON encoding for the WebSocket bridge that keeps typed arrays exact (NaN and ±Infinity
 * included): a Float64Array travels as base64 of its bytes. Electron IPC needs none of
 * this; structured clone carries typed arrays as they are.
 */
const TAG = '__f64'

// Node's Buffer is fast where it exists; the browser falls back to btoa/atob.
type NodeBufferLike = { from(data: unknown, encodingOrOffset?: unknown, length?: number): Uint8Array & { toString(enc: string): string } }
const NodeBuffer = (globalThis as { Buffer?: NodeBufferLike }).Buffer

function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}

function fromBase64(b64: string): Uint8Array {
  if (NodeBuffer) {
    const b = NodeBuffer.from(b64, 'base64')
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
  }
  // Native decoding where the engine has it (Chromium 140+): several times faster than atob.
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64
  if (native) return native(b64)
  const s = atob(b64)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (v instanceof Float64Array) return { [TAG]: toBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) }
    if (typeof v === 'number' && !Number.isFinite(v)) return { [TAG + 'n']: String(v) }
    return v
  })
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      if (typeof v[TAG] === 'string') {
        const bytes = fromBase64(v[TAG])
        // A buffer of its own is aligned already; otherwise copy (the bytes may start at any offset).
        if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.byteLength % 8 === 0) return new Float64Array(bytes.buffer)
        const out = new Float64Array(bytes.byteLength / 8)
        new Uint8Array(out.buffer).set(bytes)
        return out
      }
      if (typeof v[TAG + 'n'] === 'string') return Number(v[TAG + 'n'])
    }
    return v
  })
}
