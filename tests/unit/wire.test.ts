import { describe, expect, it } from 'vitest'
import { decodeWire, encodeFrame, encodeWire } from '../../shared/wire'

describe('wire encoding', () => {
  it('sends a message with columns as one binary frame whose arrays are views of it, exact to the bit', () => {
    const loss = new Float64Array([1.5, NaN, Infinity, -Infinity, -0, 5e-324])
    const rows = new Int32Array([0, 7, 1_000_000])
    const msg = { id: 3, result: { steps: { loss }, rows, n: NaN, name: 'a\nb' } }
    const frame = encodeFrame(msg)
    expect(frame).toBeInstanceOf(Uint8Array)
    // As the page receives it: an ArrayBuffer of its own.
    const buffer = (frame as Uint8Array).slice().buffer
    const back = decodeWire(buffer) as typeof msg
    expect(back.id).toBe(3)
    expect(back.result.name).toBe('a\nb')
    expect(Number.isNaN(back.result.n)).toBe(true)
    expect(back.result.steps.loss).toBeInstanceOf(Float64Array)
    expect(back.result.steps.loss.buffer).toBe(buffer) // no copy
    expect([...back.result.steps.loss].map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(['1.5', 'NaN', 'Infinity', '-Infinity', '-0', '5e-324'])
    expect(back.result.rows).toBeInstanceOf(Int32Array)
    expect([...back.result.rows]).toEqual([0, 7, 1_000_000])
  })

  it('decodes a frame that starts at an unaligned offset (a pooled Node buffer) and subarray columns', () => {
    const col = new Float64Array([1, 2, 3, 4]).subarray(1, 3)
    const frame = encodeFrame({ event: { steps: { x: col } } }) as Uint8Array
    const shifted = new Uint8Array(frame.byteLength + 3)
    shifted.set(frame, 3)
    expect(decodeWire(Buffer.from(shifted.buffer, 3, frame.byteLength))).toEqual(decodeWire(frame))
    const back = decodeWire(shifted.subarray(3)) as { event: { steps: { x: Float64Array } } }
    expect([...back.event.steps.x]).toEqual([2, 3])
  })

  it('keeps messages without arrays as JSON text, and still reads the older base64 text', () => {
    expect(typeof encodeFrame({ id: 1, method: 'listRuns', args: [] })).toBe('string')
    const old = decodeWire(encodeWire({ y: new Float64Array([NaN, 2]) })) as { y: Float64Array }
    expect([...old.y]).toEqual([NaN, 2])
    expect(decodeWire(new TextEncoder().encode('{"a":1}'))).toEqual({ a: 1 })
  })

  it('refuses a frame whose arrays run past its end', () => {
    const frame = encodeFrame({ y: new Float64Array(4) }) as Uint8Array
    expect(() => decodeWire(frame.slice(0, frame.byteLength - 8))).toThrow(/malformed/)
  })
})
