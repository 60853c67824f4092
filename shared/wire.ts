/**
 * Encoding for the WebSocket bridge that keeps typed arrays exact (NaN and ±Infinity
 * included). Electron IPC needs none of this; structured clone carries typed arrays as they are.
 *
 * - A message without typed arrays is JSON text (non-finite numbers tagged).
 * - A message with typed arrays is one binary frame: the JSON with each array replaced by a
 *   reference, then the arrays' raw bytes (little-endian, as every platform LR Lab runs on
 *   stores them), each at a multiple of 8 bytes, so the page views them in place (no copy,
 *   no base64). Layout: "LRB1" · u32 LE header length · header JSON · zero padding · buffers.
 * - JSON with base64 arrays (`{"__f64": "…"}`, the older text encoding) is still decoded.
 */
const TAG = '__f64'
const NONFINITE = TAG + 'n'
const REF = '__buf'
const MAGIC = [0x4c, 0x52, 0x42, 0x31] // "LRB1": cannot start JSON text
const KINDS = { f64: Float64Array, i32: Int32Array } as const
type Kind = keyof typeof KINDS
type WireArray = Float64Array | Int32Array

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error("LR Lab's wire format assumes a little-endian platform")

// Node's Buffer is fast where it exists; the browser falls back to atob.
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
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64
  if (native) return native(b64)
  const s = atob(b64)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

function kindOf(v: unknown): Kind | null {
  if (v instanceof Float64Array) return 'f64'
  if (v instanceof Int32Array) return 'i32'
  return null
}

/** JSON text; typed arrays as base64 (for small messages and tools; the bridge sends encodeFrame). */
export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (v instanceof Float64Array) return { [TAG]: toBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) }
    if (typeof v === 'number' && !Number.isFinite(v)) return { [NONFINITE]: String(v) }
    return v
  })
}

const pad8 = (n: number): number => (n + 7) & ~7

/** What the bridge sends: JSON text, or one binary frame when the message carries typed arrays. */
export function encodeFrame(value: unknown): string | Uint8Array {
  const arrays: WireArray[] = []
  const kinds: Kind[] = []
  const json = JSON.stringify(value, (_k, v) => {
    const kind = kindOf(v)
    if (kind) {
      arrays.push(v as WireArray)
      kinds.push(kind)
      return { [REF]: arrays.length - 1 }
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return { [NONFINITE]: String(v) }
    return v
  })
  if (arrays.length === 0) return json
  const header = new TextEncoder().encode(JSON.stringify({ kinds, lengths: arrays.map((a) => a.length) }) + '\n' + json)
  let size = pad8(8 + header.byteLength)
  const offsets = arrays.map((a) => {
    const at = size
    size += pad8(a.byteLength)
    return at
  })
  const out = new Uint8Array(size)
  out.set(MAGIC, 0)
  new DataView(out.buffer).setUint32(4, header.byteLength, true)
  out.set(header, 8)
  arrays.forEach((a, i) => out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offsets[i]))
  return out
}

function isBinaryFrame(b: Uint8Array): boolean {
  return b.byteLength >= 8 && b[0] === MAGIC[0] && b[1] === MAGIC[1] && b[2] === MAGIC[2] && b[3] === MAGIC[3]
}

/** Decodes text or a frame (an ArrayBuffer in the page, a Buffer in Node); arrays of a frame are views into it. */
export function decodeWire(data: string | ArrayBuffer | Uint8Array): unknown {
  if (typeof data === 'string') return decodeText(data, [])
  let bytes = data instanceof Uint8Array ? data : new Uint8Array(data)
  if (!isBinaryFrame(bytes)) return decodeText(new TextDecoder().decode(bytes), [])
  // Views need 8-byte alignment: a frame that starts elsewhere (Node's pooled buffers) is copied once.
  if (bytes.byteOffset % 8 !== 0) {
    // Not bytes.slice(): on a Node Buffer that is a view of the same memory.
    const copy = new Uint8Array(bytes.byteLength)
    copy.set(bytes)
    bytes = copy
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getUint32(0, true)
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))
  const split = header.indexOf('\n')
  const layout = JSON.parse(header.slice(0, split)) as { kinds: Kind[]; lengths: number[] }
  let at = pad8(8 + headerLength)
  const arrays = layout.kinds.map((kind, i) => {
    const Ctor = KINDS[kind]
    const n = layout.lengths[i]!
    if (!Ctor || at + n * Ctor.BYTES_PER_ELEMENT > bytes.byteLength) throw new SyntaxError('malformed binary frame')
    const view = new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset + at, n)
    at += pad8(n * Ctor.BYTES_PER_ELEMENT)
    return view
  })
  return decodeText(header.slice(split + 1), arrays)
}

function decodeText(text: string, arrays: WireArray[]): unknown {
  return JSON.parse(text, (_k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      if (typeof v[REF] === 'number') {
        const a = arrays[v[REF]]
        if (!a) throw new SyntaxError('malformed binary frame: a reference to a missing array')
        return a
      }
      if (typeof v[TAG] === 'string') {
        const bytes = fromBase64(v[TAG])
        if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.byteLength % 8 === 0) return new Float64Array(bytes.buffer)
        const out = new Float64Array(bytes.byteLength / 8)
        new Uint8Array(out.buffer).set(bytes)
        return out
      }
      if (typeof v[NONFINITE] === 'string') return Number(v[NONFINITE])
    }
    return v
  })
}
