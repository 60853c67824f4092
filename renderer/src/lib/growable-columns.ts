import type { Columns } from '../../../shared/metrics'
import { columnLength } from '../../../shared/metrics'

/**
 * Column-wise metric storage that grows by doubling, so streaming batches append in
 * amortised O(batch) and charts read zero-copy views (subarray) of the filled part.
 */
export class GrowableColumns {
  private buffers = new Map<string, Float64Array>()
  private capacity = 0
  length = 0

  static from(cols: Columns): GrowableColumns {
    const g = new GrowableColumns()
    g.append(cols)
    return g
  }

  append(batch: Columns): void {
    const n = columnLength(batch)
    if (n === 0) return
    const needed = this.length + n
    if (needed > this.capacity) this.grow(Math.max(needed, this.capacity * 2, 1024))
    for (const name in batch) {
      let buf = this.buffers.get(name)
      if (!buf) {
        // A column that appears late is NaN for the rows before it.
        buf = new Float64Array(this.capacity).fill(NaN)
        this.buffers.set(name, buf)
      }
      buf.set(batch[name]!, this.length)
    }
    for (const [name, buf] of this.buffers) if (!(name in batch)) buf.fill(NaN, this.length, needed)
    this.length = needed
  }

  /** Bytes held (capacity, not just the filled rows). */
  get bytes(): number {
    return this.buffers.size * this.capacity * 8
  }

  has(name: string): boolean {
    return this.buffers.has(name)
  }

  names(): string[] {
    return [...this.buffers.keys()]
  }

  /** A view of the filled rows; valid until the next append. */
  get(name: string): Float64Array | null {
    const buf = this.buffers.get(name)
    return buf ? buf.subarray(0, this.length) : null
  }

  /** True when the column exists and holds at least one finite value. */
  hasFinite(name: string): boolean {
    const col = this.get(name)
    if (!col) return false
    for (let i = 0; i < col.length; i++) if (Number.isFinite(col[i]!)) return true
    return false
  }

  private grow(capacity: number): void {
    for (const [name, buf] of this.buffers) {
      const next = new Float64Array(capacity)
      next.set(buf.subarray(0, this.length))
      this.buffers.set(name, next)
    }
    this.capacity = capacity
  }
}
