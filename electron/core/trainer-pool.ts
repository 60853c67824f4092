/**
 * The one scheduling point for trainer processes: at most `size` jobs run at once, the rest wait
 * in submission order. A job holds its slot until the promise it returns settles (its trainer
 * process has exited). Jobs carry an owner (a sweep's id) so an owner's waiting jobs can be
 * held back (pause) or dropped (stop) without touching anyone else's. Written so the service's
 * run queue can submit plain runs here too.
 */
import { availableParallelism } from 'node:os'

export interface PoolTicket {
  /** True while the job waits for a slot. */
  readonly queued: boolean
  /** Drop the job if it has not started; false when it already has. */
  cancel(): boolean
}

interface Entry {
  owner: string | null
  run: () => Promise<unknown>
  state: 'queued' | 'running' | 'done' | 'cancelled'
}

export class TrainerPool {
  private readonly waiting: Entry[] = []
  private running = 0
  private readonly held = new Set<string>()
  private readonly idleWaiters: (() => void)[] = []

  constructor(private slots: number = availableParallelism()) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`a pool needs at least one slot (got ${slots})`)
  }

  get size(): number {
    return this.slots
  }

  /** More slots start waiting jobs now; fewer let running jobs finish and start none until under the limit. */
  setSize(slots: number): void {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`a pool needs at least one slot (got ${slots})`)
    this.slots = slots
    this.pump()
  }

  get active(): number {
    return this.running
  }

  get pending(): number {
    return this.waiting.length
  }

  submit(run: () => Promise<unknown>, owner: string | null = null): PoolTicket {
    const e: Entry = { owner, run, state: 'queued' }
    this.waiting.push(e)
    queueMicrotask(() => this.pump())
    return {
      get queued() {
        return e.state === 'queued'
      },
      cancel: () => {
        if (e.state !== 'queued') return false
        e.state = 'cancelled'
        this.waiting.splice(this.waiting.indexOf(e), 1)
        this.notifyIdle()
        return true
      },
    }
  }

  /** Start none of this owner's waiting jobs until release(owner). */
  hold(owner: string): void {
    this.held.add(owner)
  }

  release(owner: string): void {
    this.held.delete(owner)
    this.pump()
  }

  /** Drop every waiting job of this owner; returns how many. */
  cancelOwner(owner: string): number {
    const dropped = this.waiting.filter((e) => e.owner === owner)
    for (const e of dropped) {
      e.state = 'cancelled'
      this.waiting.splice(this.waiting.indexOf(e), 1)
    }
    this.notifyIdle()
    return dropped.length
  }

  /** Resolves when nothing runs and nothing that can start waits. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((r) => this.idleWaiters.push(r))
  }

  private isIdle(): boolean {
    return this.running === 0 && this.waiting.every((e) => e.owner !== null && this.held.has(e.owner))
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return
    for (const r of this.idleWaiters.splice(0)) r()
  }

  private pump(): void {
    while (this.running < this.slots) {
      const i = this.waiting.findIndex((e) => e.owner === null || !this.held.has(e.owner))
      if (i < 0) break
      const e = this.waiting.splice(i, 1)[0]!
      e.state = 'running'
      this.running++
      // A job's failure is its owner's to report; the slot is freed either way.
      void Promise.resolve()
        .then(e.run)
        .catch(() => {})
        .finally(() => {
          e.state = 'done'
          this.running--
          this.pump()
          this.notifyIdle()
        })
    }
  }
}
