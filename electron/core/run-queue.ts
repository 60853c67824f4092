/**
 * A pool of trainer slots shared by everything that trains (runs now; a sweep later submits its
 * runs here too): at most `limit` jobs run at once, the rest wait in order of submission and
 * start as slots free up. A waiting job can be cancelled. Electron-free; tested under Node.
 */
import { availableParallelism } from 'node:os'

export interface QueueJob {
  /** Unique among the queue's jobs: a run id, or any token for a job that has none yet. */
  key: string
  /** Start the job; it calls `release` exactly once when its slot is free again (it ended). */
  start(release: () => void): void
}

/** The default limit: LRLAB_MAX_PARALLEL when set to a whole number ≥ 1, else the number of cores. */
export function defaultMaxParallel(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.LRLAB_MAX_PARALLEL)
  return env.LRLAB_MAX_PARALLEL !== undefined && Number.isInteger(n) && n >= 1 ? n : availableParallelism()
}

export class RunQueue {
  private readonly waitingJobs: QueueJob[] = []
  private running = 0

  constructor(readonly limit: number = defaultMaxParallel()) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`max parallel runs must be a whole number ≥ 1 (got ${limit})`)
  }

  get hasFreeSlot(): boolean {
    return this.running < this.limit && this.waitingJobs.length === 0
  }

  /** Keys of the jobs waiting, in the order they will start. */
  get waiting(): string[] {
    return this.waitingJobs.map((j) => j.key)
  }

  get active(): number {
    return this.running
  }

  /** Start the job now if a slot is free (true), else queue it (false). */
  submit(job: QueueJob): boolean {
    if (this.hasFreeSlot) {
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
    return true
  }

  /** Remove every waiting job (shutdown); returns their keys. */
  cancelAll(): string[] {
    return this.waitingJobs.splice(0).map((j) => j.key)
  }

  private run(job: QueueJob): void {
    this.running++
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      this.running--
      const next = this.waitingJobs.shift()
      if (next) this.run(next)
    }
    try {
      job.start(release)
    } catch {
      release()
    }
  }
}
