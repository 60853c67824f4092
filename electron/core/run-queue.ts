/**
 * The one scheduling point for trainer processes, shared by everything that trains (plain runs
 * and sweep members): at most `limit` jobs run at once, the rest wait in order of submission and
 * start as slots free up. A job may carry an owner (a sweep's id): an owner can have a lower
 * limit of its own (the sweep's parallelism), and its waiting jobs can be held back (pause) or
 * dropped (stop) without touching anyone else's. A waiting job can be cancelled. Electron-free;
 * tested under Node.
 */
import { availableParallelism } from 'node:os'

export interface QueueJob {
  /** Unique among the queue's jobs: a run id, or any token for a job that has none yet. */
  key: string
  /** Whose job this is (a sweep's id), when it belongs to a group limited, held or dropped together. */
  owner?: string
  /** Start the job; it calls `release` exactly once when its slot is free again (it ended). */
  start(release: () => void): void
}

/** The default limit: LRLAB_MAX_PARALLEL when set to a whole number ≥ 1, else the number of cores. */
export function defaultMaxParallel(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.LRLAB_MAX_PARALLEL)
  return env.LRLAB_MAX_PARALLEL !== undefined && Number.isInteger(n) && n >= 1 ? n : availableParallelism()
}

function checkLimit(limit: number, what: string): void {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`${what} must be a whole number ≥ 1 (got ${limit})`)
}

export class RunQueue {
  private readonly waitingJobs: QueueJob[] = []
  private running = 0
  private readonly runningByOwner = new Map<string, number>()
  private readonly ownerLimits = new Map<string, number>()
  private readonly held = new Set<string>()
  private readonly idleWaiters: (() => void)[] = []

  constructor(readonly limit: number = defaultMaxParallel()) {
    checkLimit(limit, 'max parallel runs')
  }

  /** True when a job without an owner would start now. */
  get hasFreeSlot(): boolean {
    return this.running < this.limit && !this.waitingJobs.some((j) => this.canStart(j))
  }

  /** Keys of the jobs waiting, in the order they will start. */
  get waiting(): string[] {
    return this.waitingJobs.map((j) => j.key)
  }

  get active(): number {
    return this.running
  }

  /** Jobs of this owner run at most `limit` at once (and never more than the queue's limit); undefined lifts it. */
  setOwnerLimit(owner: string, limit: number | undefined): void {
    if (limit === undefined) this.ownerLimits.delete(owner)
    else {
      checkLimit(limit, 'parallel')
      this.ownerLimits.set(owner, limit)
    }
    this.pump()
  }

  /** How many of this owner's jobs may run at once. */
  limitFor(owner: string): number {
    return Math.min(this.limit, this.ownerLimits.get(owner) ?? this.limit)
  }

  /** Start the job now if it can (true), else queue it (false). */
  submit(job: QueueJob): boolean {
    if (this.running < this.limit && this.canStart(job) && !this.waitingJobs.some((j) => this.canStart(j))) {
      this.run(job)
      return true
    }
    this.waitingJobs.push(job)
    return false
  }

  /** Remove a waiting job; false when it is not waiting (running already, or unknown). */
  cancel(key: string): boolean {
    const i = this.waitingJobs.findIndex((j) => j.key === key)
    if (i < 0) return false
    this.waitingJobs.splice(i, 1)
    this.notifyIdle()
    return true
  }

  /** Remove every waiting job (shutdown); returns their keys. */
  cancelAll(): string[] {
    const keys = this.waitingJobs.splice(0).map((j) => j.key)
    this.notifyIdle()
    return keys
  }

  /** Start none of this owner's waiting jobs until unhold(owner). */
  hold(owner: string): void {
    this.held.add(owner)
  }

  unhold(owner: string): void {
    this.held.delete(owner)
    this.pump()
  }

  /** Drop every waiting job of this owner; returns their keys. */
  cancelOwner(owner: string): string[] {
    const dropped = this.waitingJobs.filter((j) => j.owner === owner)
    for (const j of dropped) this.waitingJobs.splice(this.waitingJobs.indexOf(j), 1)
    this.notifyIdle()
    return dropped.map((j) => j.key)
  }

  /** Resolves when nothing runs and nothing that could start waits (held jobs may). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((r) => this.idleWaiters.push(r))
  }

  private canStart(job: QueueJob): boolean {
    if (job.owner === undefined) return true
    return !this.held.has(job.owner) && (this.runningByOwner.get(job.owner) ?? 0) < this.limitFor(job.owner)
  }

  private isIdle(): boolean {
    return this.running === 0 && this.waitingJobs.every((j) => j.owner !== undefined && this.held.has(j.owner))
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return
    for (const r of this.idleWaiters.splice(0)) r()
  }

  private pump(): void {
    while (this.running < this.limit) {
      const i = this.waitingJobs.findIndex((j) => this.canStart(j))
      if (i < 0) break
      this.run(this.waitingJobs.splice(i, 1)[0]!)
    }
  }

  private run(job: QueueJob): void {
    this.running++
    const { owner } = job
    if (owner !== undefined) this.runningByOwner.set(owner, (this.runningByOwner.get(owner) ?? 0) + 1)
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      this.running--
      if (owner !== undefined) {
        const n = this.runningByOwner.get(owner)! - 1
        if (n > 0) this.runningByOwner.set(owner, n)
        else this.runningByOwner.delete(owner)
      }
      this.pump()
      this.notifyIdle()
    }
    try {
      job.start(release)
    } catch {
      release()
    }
  }
}
