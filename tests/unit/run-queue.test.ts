import { describe, expect, it } from 'vitest'
import { RunQueue } from '../../electron/core/run-queue'

/** A job that records when it starts and ends when told to. */
function gate(log: string[], key: string, owner?: string) {
  let release!: () => void
  return {
    job: { key, ...(owner !== undefined && { owner }), start: (r: () => void) => (log.push(`start ${key}`), (release = r)) },
    end: () => (log.push(`end ${key}`), release()),
  }
}

describe('the one run queue', () => {
  it('runs at most limit jobs in submission order; a sweep (owner) gets its own lower limit within it', () => {
    const log: string[] = []
    const q = new RunQueue(3)
    q.setOwnerLimit('s', 2)
    const [s0, s1, s2, s3] = ['s0', 's1', 's2', 's3'].map((k) => gate(log, k, 's'))
    const plain = gate(log, 'run')
    for (const g of [s0, s1, s2, s3]) q.submit(g!.job)
    // Two of the sweep's members run (its limit); the third slot is free for anyone else.
    expect(log).toEqual(['start s0', 'start s1'])
    expect(q.hasFreeSlot).toBe(true)
    expect(q.submit(plain.job)).toBe(true)
    expect(q.hasFreeSlot).toBe(false)
    s0!.end()
    expect(log.slice(-2)).toEqual(['end s0', 'start s2'])
    expect(q.waiting).toEqual(['s3'])
    expect(q.limitFor('s')).toBe(2)
    expect(q.limitFor('other')).toBe(3)
    q.setOwnerLimit('s', 8)
    expect(q.limitFor('s')).toBe(3)
    plain.end()
    expect(log.at(-1)).toBe('start s3')
  })

  it("holds and drops one owner's waiting jobs without touching others; a job that throws frees its slot", async () => {
    const log: string[] = []
    const q = new RunQueue(1)
    const x0 = gate(log, 'x0', 'x')
    const x1 = gate(log, 'x1', 'x')
    const y1 = gate(log, 'y1', 'y')
    q.submit(x0.job)
    q.submit(x1.job)
    q.submit({
      key: 'y0',
      owner: 'y',
      start: () => {
        log.push('y0')
        throw new Error('boom')
      },
    })
    q.submit(y1.job)
    q.hold('x')
    x0.end()
    // x1 waits (held); y0 starts, throws, and y1 takes the slot.
    expect(log).toEqual(['start x0', 'end x0', 'y0', 'start y1'])
    expect(q.waiting).toEqual(['x1'])
    y1.end()
    // Only held jobs wait: the queue is idle and a plain run starts at once.
    await q.idle()
    expect(q.hasFreeSlot).toBe(true)
    expect(q.cancelOwner('x')).toEqual(['x1'])
    q.unhold('x')
    expect(log).not.toContain('start x1')
    expect(q.cancel('x1')).toBe(false)
  })

  it('refuses a limit that is not a whole number ≥ 1', () => {
    expect(() => new RunQueue(0)).toThrow(/≥ 1/)
    expect(() => new RunQueue(2).setOwnerLimit('s', 1.5)).toThrow(/parallel/)
  })
})
