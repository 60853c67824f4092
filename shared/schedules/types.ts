/** The scheduler contract shared by the trainer and the renderer's preview, and its two plain shapes. */

export interface ScheduleContext {
  /** The optimizer's configured learning rate (PyTorch's base_lr / initial_lr). */
  baseLr: number
  /** The optimizer's configured momentum or beta1, when it has one. */
  baseMomentum?: number
  /** How many times step() will be called over the whole run. */
  totalSteps: number
}

export interface Hyper {
  lr: number
  /** Set only by schedules that cycle momentum / beta1. */
  momentum?: number
}

export interface LrScheduler {
  /** Hyperparameters for the next optimizer step. */
  current(): Hyper
  /** Advance one unit; `metric` feeds reduce-on-plateau. */
  step(metric?: number): void
  /** True when the schedule restarted (warm restart or new cycle) at the last step(). */
  restarted(): boolean
}

/**
 * PyTorch's chainable form: the value at t is computed from the value at t − 1, exactly as
 * `get_lr()` does inside `scheduler.step()`, so rounding follows PyTorch's too.
 */
export function recursiveScheduler(first: number, next: (lr: number, t: number) => number): LrScheduler {
  let lr = first
  let t = 0
  return {
    current: () => ({ lr }),
    step: () => {
      t++
      lr = next(lr, t)
    },
    restarted: () => false,
  }
}

/** A schedule that is a pure function of the step counter. */
export function closedFormScheduler(at: (t: number) => Hyper): LrScheduler {
  let t = 0
  let value = at(0)
  return {
    current: () => value,
    step: () => {
      t++
      value = at(t)
    },
    restarted: () => false,
  }
}
