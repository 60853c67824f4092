/**
 * Schedules made of schedules: a linear warm-up followed by any schedule, and PyTorch's
 * SequentialLR (each child starts from its own step 0 at its milestone, as 1.13's
 * `scheduler.step(0)` does). Children follow the parent's stepUnit.
 */
import type { ScheduleConfig, SequentialConfig, WarmupConfig } from './schema'
import type { Hyper, LrScheduler, ScheduleContext } from './types'

export type Build = (cfg: ScheduleConfig, ctx: ScheduleContext) => LrScheduler

/** The context the warm-up's follower sees: the steps left after the warm-up. */
export function warmupChildContext(c: WarmupConfig, ctx: ScheduleContext): ScheduleContext {
  return { ...ctx, totalSteps: Math.max(0, ctx.totalSteps - c.warmupSteps) }
}

/** Each child's context: its own segment of the run between milestones. */
export function sequentialChildContexts(c: SequentialConfig, ctx: ScheduleContext): ScheduleContext[] {
  const starts = [0, ...c.milestones]
  return c.schedules.map((_, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]! : ctx.totalSteps
    return { ...ctx, totalSteps: Math.max(0, Math.min(end, ctx.totalSteps) - starts[i]!) }
  })
}

export function createWarmup(c: WarmupConfig, ctx: ScheduleContext, build: Build): LrScheduler {
  const follower = c.schedule ? build(c.schedule, warmupChildContext(c, ctx)) : null
  const W = c.warmupSteps
  let t = 0
  let restarted = false
  return {
    current: (): Hyper => {
      if (t >= W) return follower ? follower.current() : { lr: ctx.baseLr }
      const lr = ctx.baseLr * (c.startFactor + ((1 - c.startFactor) * t) / W)
      // A momentum-cycling follower's starting momentum already applies during the warm-up.
      const momentum = follower?.current().momentum
      return momentum === undefined ? { lr } : { lr, momentum }
    },
    step: (metric?: number) => {
      restarted = false
      if (t >= W && follower) {
        follower.step(metric)
        restarted = follower.restarted()
      }
      t++
    },
    restarted: () => restarted,
  }
}

export function createSequential(c: SequentialConfig, ctx: ScheduleContext, build: Build): LrScheduler {
  const contexts = sequentialChildContexts(c, ctx)
  const children = c.schedules.map((s, i) => build(s, contexts[i]!))
  let t = 0
  let active = 0
  let restarted = false
  // PyTorch leaves momentum where the last cycling child put it; so do we.
  let lastMomentum: number | undefined
  const remember = (): void => {
    const m = children[active]!.current().momentum
    if (m !== undefined) lastMomentum = m
  }
  remember()
  return {
    current: (): Hyper => {
      const h = children[active]!.current()
      return h.momentum !== undefined || lastMomentum === undefined ? h : { ...h, momentum: lastMomentum }
    },
    step: (metric?: number) => {
      t++
      let idx = 0
      while (idx < c.milestones.length && c.milestones[idx]! <= t) idx++
      restarted = false
      if (idx > 0 && c.milestones[idx - 1] === t)
        active = idx // fresh child at its step 0
      else {
        active = idx
        children[idx]!.step(metric)
        restarted = children[idx]!.restarted()
      }
      remember()
    },
    restarted: () => restarted,
  }
}
