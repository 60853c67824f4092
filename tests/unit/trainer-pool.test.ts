import { describe, expect, it } from 'vitest'
import { TrainerPool } from '../../electron/core/trainer-pool'

/** A job that records when it runs and ends when told to. */
function gate(log: string[], name: string) {
  let open!: () => void
  const done = new Promise<void>((r) => (open = r))
  return { run: () => (log.push(`start ${name}`), done.then(() => log.push(`end ${name}`))), open }
}
const tick = () => new Promise((r) => setTimeout(r, 0))

describe('trainer pool', () => {
  it('runs at most size jobs, in submission order, and starts the next when one ends', async () => {
    const log: string[] = []
    const pool = new TrainerPool(2)
    const jobs = ['a', 'b', 'c', 'd'].map((n) => gate(log, n))
    for (const j of jobs) pool.submit(j.run, 's')
    await tick()
    expect(log).toEqual(['start a', 'start b'])
    expect([pool.active, pool.pending]).toEqual([2, 2])
    jobs[1]!.open()
    await tick()
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c'])
    pool.setSize(3)
    await tick()
    expect(log.at(-1)).toBe('start d')
    for (const j of jobs) j.open()
    await pool.idle()
    expect(pool.active).toBe(0)
  })

  it('holds and drops one owner\'s waiting jobs without touching another\'s; a failing job frees its slot', async () => {
    const log: string[] = []
    const pool = new TrainerPool(1)
    const first = gate(log, 'x0')
    pool.submit(first.run, 'x')
    const x1 = gate(log, 'x1')
    const ticket = pool.submit(x1.run, 'x')
    pool.submit(async () => { log.push('y0'); throw new Error('boom') }, 'y')
    const y1 = gate(log, 'y1')
    pool.submit(y1.run, 'y')
    await tick()
    pool.hold('x')
    first.open()
    await tick()
    // x1 waits (held); y0 runs, fails, and y1 takes the slot.
    expect(log).toEqual(['start x0', 'end x0', 'y0', 'start y1'])
    expect(ticket.queued).toBe(true)
    expect(pool.cancelOwner('x')).toBe(1)
    expect(ticket.cancel()).toBe(false)
    y1.open()
    await pool.idle()
    expect(log).not.toContain('start x1')
  })
})
