/**
 * The machinery every optimizer shares: per-group step counts, per-variable named state
 * tensors ("slots", PyTorch's state[p]['exp_avg'] etc.) kept as tf.Variables and updated by
 * assign, snapshot/restore, argument checks. Update rules only write the math.
 */
import * as tf from '@tensorflow/tfjs'
import type { GroupHyper, Optimizer, OptimizerState, ParamGroup } from './types'

interface GroupState {
  step: number
  scalars: Record<string, number>
  slots: Array<Map<string, tf.Variable>>
}

/** What an update rule sees for one group at one step. */
export interface GroupStep {
  /** Steps taken including this one (PyTorch's state['step'] after its increment), from 1. */
  k: number
  lr: number
  /** The schedule's momentum/beta1 override for this step, if any. */
  momentum: number | undefined
  /** JS-side scalar state of the group (mutable; saved and restored with the slots). */
  scalars: Record<string, number>
}

/** Free a snapshot returned by saveState. */
export function disposeOptimizerState(state: OptimizerState): void {
  for (const g of state.groups) for (const slots of g.slots) for (const t of Object.values(slots)) t.dispose()
}

export abstract class SlotOptimizer implements Optimizer {
  private readonly state: GroupState[]

  protected constructor(
    private readonly type: string,
    private readonly groups: ParamGroup[],
    initialScalars: Record<string, number> = {},
  ) {
    this.state = groups.map((g) => ({
      step: 0,
      scalars: { ...initialScalars },
      slots: g.vars.map(() => new Map<string, tf.Variable>()),
    }))
  }

  abstract baseMomentum(): number | undefined

  /** Update every variable of group g. Runs inside tf.tidy: temporaries need no disposal. */
  protected abstract updateGroup(g: number, s: GroupStep, vars: tf.Variable[], grads: tf.Tensor[]): void

  protected slot(g: number, i: number, name: string): tf.Variable | undefined {
    return this.state[g]!.slots[i]!.get(name)
  }

  /** Set a slot to `value`, creating it on first use (the variable shares value's data, no copy). */
  protected setSlot(g: number, i: number, name: string, value: tf.Tensor): tf.Variable {
    const slots = this.state[g]!.slots[i]!
    const existing = slots.get(name)
    if (existing) {
      existing.assign(value)
      return existing
    }
    const created = tf.variable(value, false)
    slots.set(name, created)
    return created
  }

  /** The slot, created filled with `fill` in the shape of `like` when absent (PyTorch's lazy state init). */
  protected filledSlot(g: number, i: number, name: string, like: tf.Tensor, fill = 0): tf.Variable {
    return this.slot(g, i, name) ?? this.setSlot(g, i, name, fill === 0 ? tf.zerosLike(like) : tf.fill(like.shape, fill))
  }

  step(grads: tf.Tensor[][], hyper: GroupHyper[]): void {
    if (grads.length !== this.groups.length) throw new Error(`step: got gradients for ${grads.length} groups, expected ${this.groups.length}`)
    if (hyper.length !== this.groups.length) throw new Error(`step: got hyperparameters for ${hyper.length} groups, expected ${this.groups.length}`)
    this.groups.forEach((group, g) => {
      const gs = grads[g]!
      if (gs.length !== group.vars.length) throw new Error(`step: group ${g} has ${group.vars.length} variables but ${gs.length} gradients`)
      gs.forEach((grad, i) => {
        if (!tf.util.arraysEqual(grad.shape, group.vars[i]!.shape)) {
          throw new Error(`step: gradient ${i} of group ${g} has shape [${grad.shape}], its variable [${group.vars[i]!.shape}]`)
        }
      })
      const h = hyper[g]!
      if (!Number.isFinite(h.lr) || h.lr < 0) throw new Error(`step: lr of group ${g} must be a finite number ≥ 0 (got ${h.lr})`)
      if (h.momentum !== undefined && !Number.isFinite(h.momentum)) throw new Error(`step: momentum of group ${g} must be finite (got ${h.momentum})`)
    })
    tf.tidy(() => {
      this.groups.forEach((group, g) => {
        const st = this.state[g]!
        st.step += 1
        const h = hyper[g]!
        this.updateGroup(g, { k: st.step, lr: h.lr, momentum: h.momentum, scalars: st.scalars }, group.vars, grads[g]!)
      })
    })
  }

  saveState(): OptimizerState {
    // Clones share the (immutable) data buffers: cheap, and safe because updates assign new buffers.
    return {
      type: this.type,
      groups: this.state.map((st) => ({
        step: st.step,
        scalars: { ...st.scalars },
        slots: st.slots.map((m) => Object.fromEntries([...m].map(([name, v]) => [name, tf.keep(tf.clone(v))]))),
      })),
    }
  }

  loadState(saved: OptimizerState): void {
    if (saved.type !== this.type) throw new Error(`loadState: state of a ${saved.type} optimizer given to ${this.type}`)
    if (saved.groups.length !== this.groups.length) throw new Error(`loadState: state has ${saved.groups.length} groups, optimizer ${this.groups.length}`)
    saved.groups.forEach((sg, g) => {
      const vars = this.groups[g]!.vars
      if (sg.slots.length !== vars.length) throw new Error(`loadState: group ${g} state has ${sg.slots.length} variables, optimizer ${vars.length}`)
      sg.slots.forEach((slots, i) => {
        for (const [name, t] of Object.entries(slots)) {
          if (!tf.util.arraysEqual(t.shape, vars[i]!.shape)) throw new Error(`loadState: slot ${name} of variable ${i} in group ${g} has shape [${t.shape}], variable [${vars[i]!.shape}]`)
        }
      })
    })
    saved.groups.forEach((sg, g) => {
      const st = this.state[g]!
      st.step = sg.step
      st.scalars = { ...sg.scalars }
      sg.slots.forEach((slots, i) => {
        const mine = st.slots[i]!
        // A slot created after the snapshot (e.g. SGD's momentum buffer) must go: PyTorch would not have it.
        for (const [name, v] of mine) {
          if (!(name in slots)) {
            v.dispose()
            mine.delete(name)
          }
        }
        for (const [name, t] of Object.entries(slots)) this.setSlot(g, i, name, t)
      })
    })
  }

  dispose(): void {
    for (const st of this.state) {
      for (const m of st.slots) {
        for (const v of m.values()) v.dispose()
        m.clear()
      }
    }
  }
}
