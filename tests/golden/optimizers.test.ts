/**
 * Our optimizers against PyTorch 1.13 trajectories (optimizers.json): 200 steps from the same
 * start with the same gradients, every parameter at every step within rel 1e-4 + abs 1e-5.
 * Cases are mapped from PyTorch's constructor arguments generically, so other trace files of
 * the same format (LRLAB_GOLDEN_DIR) run through the same code.
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { close, readGolden } from './golden-dir'
import { selectBackend } from '../../electron/trainer/backend'
import { createOptimizer, disposeOptimizerState } from '../../electron/trainer/optimizers'
import { fromTorchOptimizer, OptimizerSchema, type OptimizerInput } from '../../shared/optimizer-config'

interface OptimizerCase {
  id: string
  optimizer: string
  params: Record<string, unknown>
  lr_per_step?: number[]
  trajectory: number[][]
}
interface OptimizerGolden {
  init: number[]
  grads: number[][]
  cases: OptimizerCase[]
}

const REL = 1e-4
const ABS = 1e-5
const golden = readGolden<OptimizerGolden>('optimizers.json')

/** Run a case and return the first disagreement with PyTorch, or null. */
function firstMismatch(c: OptimizerCase): string | null {
  const cfg = fromTorchOptimizer(c.optimizer, c.params)
  const p = tf.variable(tf.tensor1d(golden.init))
  const optimizer = createOptimizer(cfg, [{ vars: [p] }])
  try {
    for (let t = 0; t < c.trajectory.length; t++) {
      const grad = tf.tensor1d(golden.grads[t]!)
      optimizer.step([[grad]], [{ lr: c.lr_per_step?.[t] ?? cfg.lr }])
      grad.dispose()
      const actual = p.dataSync()
      const expected = c.trajectory[t]!
      for (let j = 0; j < expected.length; j++) {
        if (!close(actual[j]!, expected[j]!, REL, ABS)) {
          return `step ${t} parameter ${j}: got ${actual[j]}, PyTorch ${expected[j]}`
        }
      }
    }
    return null
  } finally {
    optimizer.dispose()
    p.dispose()
  }
}

describe.each(['auto', 'cpu'] as const)('optimizers vs PyTorch on the %s backend', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend)
  })

  it('has cases', () => {
    expect(golden.cases.length).toBeGreaterThan(0)
  })

  for (const c of golden.cases) {
    it(c.id, () => {
      expect(c.trajectory.length).toBeLessThanOrEqual(golden.grads.length)
      expect(firstMismatch(c), `${c.id} (${tf.getBackend()})`).toBeNull()
    })
  }
})

/**
 * NAdam's two code paths in PyTorch 1.13 (p = 1, g = 1 every step, lr 0.01, float32): the
 * default single-tensor path and `foreach=True` (_multi_tensor_nadam) differ in the momentum
 * term's denominator. Written here so the check needs no trace file.
 */
describe.each(['auto', 'cpu'] as const)('NAdam foreach on the %s backend', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend)
  })

  const PYTORCH = {
    single: [0.9895046949386597, 0.9817171096801758, 0.9744241833686829, 0.9671298265457153, 0.9596783518791199],
    foreach: [0.9894354939460754, 0.9815986752510071, 0.9742764830589294, 0.9669659733772278, 0.9595059752464294],
  }

  function run(foreach: boolean | undefined): number[] {
    const cfg = fromTorchOptimizer('NAdam', { lr: 0.01, ...(foreach === undefined ? {} : { foreach }) })
    const p = tf.variable(tf.tensor1d([1]))
    const opt = createOptimizer(cfg, [{ vars: [p] }])
    const out: number[] = []
    for (let t = 0; t < 5; t++) {
      const g = tf.tensor1d([1])
      opt.step([[g]], [{ lr: cfg.lr }])
      g.dispose()
      out.push(p.dataSync()[0]!)
    }
    opt.dispose()
    p.dispose()
    return out
  }
  const near = (a: number[], e: number[]) => e.forEach((v, t) => expect(Math.abs(a[t]! - v), `step ${t}: ${a[t]} vs PyTorch ${v}`).toBeLessThan(1e-6))

  it('foreach=True follows _multi_tensor_nadam (0.989435 after step 0)', () => near(run(true), PYTORCH.foreach))
  it('foreach=False and None (the default) follow the single-tensor path (0.989505)', () => {
    near(run(false), PYTORCH.single)
    near(run(undefined), PYTORCH.single)
  })
  it('foreach is a NAdam field; other optimizers ignore it, as their paths agree', () => {
    expect(OptimizerSchema.parse({ type: 'nadam', lr: 0.01 })).toMatchObject({ foreach: false })
    expect(fromTorchOptimizer('Adam', { lr: 0.01, foreach: true })).not.toHaveProperty('foreach')
    expect(OptimizerSchema.safeParse({ type: 'adam', lr: 0.01, foreach: true }).success).toBe(false)
  })
})

/** Behaviour the traces do not cover: groups, per-step overrides, snapshots, memory. */
describe.each(['auto', 'cpu'] as const)('optimizer mechanics on the %s backend', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend)
  })

  const values = (v: tf.Tensor): number[] => Array.from(v.dataSync())
  const near = (actual: number[], expected: number[], tol = 1e-6) =>
    expected.forEach((e, j) => expect(Math.abs(actual[j]! - e), `index ${j}: ${actual[j]} vs ${e}`).toBeLessThanOrEqual(tol * (1 + Math.abs(e))))

  it('applies each group its own lr (SGD)', () => {
    const a = tf.variable(tf.tensor1d([1, 2]))
    const b = tf.variable(tf.tensor1d([3]))
    const opt = createOptimizer(fromTorchOptimizer('SGD', { lr: 0.5 }), [{ vars: [a] }, { vars: [b] }])
    const ga = tf.tensor1d([0.5, -1])
    const gb = tf.tensor1d([2])
    opt.step([[ga], [gb]], [{ lr: 0.1 }, { lr: 0.01 }])
    near(values(a), [1 - 0.1 * 0.5, 2 + 0.1 * 1])
    near(values(b), [3 - 0.01 * 2])
    tf.dispose([a, b, ga, gb])
    opt.dispose()
  })

  it('applies each group its own lr (Adam: first step is lr·g/(|g| + eps))', () => {
    const a = tf.variable(tf.tensor1d([1, 2]))
    const b = tf.variable(tf.tensor2d([[3, 4]]))
    const opt = createOptimizer(fromTorchOptimizer('Adam', { lr: 0.5 }), [{ vars: [a] }, { vars: [b] }])
    const ga = tf.tensor1d([0.5, -1])
    const gb = tf.tensor2d([[2, -0.25]])
    opt.step([[ga], [gb]], [{ lr: 0.1 }, { lr: 0.01 }])
    near(values(a), [1 - 0.1, 2 + 0.1])
    near(values(b), [3 - 0.01, 4 + 0.01])
    tf.dispose([a, b, ga, gb])
    opt.dispose()
  })

  it('takes the momentum override for SGD', () => {
    const lr = 0.1
    const run = (override?: number): number[] => {
      const p = tf.variable(tf.tensor1d([1]))
      const opt = createOptimizer(fromTorchOptimizer('SGD', { lr, momentum: 0.9 }), [{ vars: [p] }])
      for (const g of [1, 2]) {
        const grad = tf.tensor1d([g])
        opt.step([[grad]], [{ lr, momentum: override }])
        grad.dispose()
      }
      const out = values(p)
      p.dispose()
      opt.dispose()
      return out
    }
    // b1 = g1 (first step copies), b2 = μ·b1 + g2.
    near(run(), [1 - lr * 1 - lr * (0.9 * 1 + 2)])
    near(run(0.5), [1 - lr * 1 - lr * (0.5 * 1 + 2)])
  })

  it('takes the beta1 override for Adam, with the bias correction of the current beta1', () => {
    const lr = 0.1
    const beta2 = 0.999
    const grads = [1, -3]
    const run = (override?: number): number => {
      const p = tf.variable(tf.tensor1d([0]))
      const opt = createOptimizer(fromTorchOptimizer('Adam', { lr, betas: [0.9, beta2] }), [{ vars: [p] }])
      for (const g of grads) {
        const grad = tf.tensor1d([g])
        opt.step([[grad]], [{ lr, momentum: override }])
        grad.dispose()
      }
      const out = values(p)[0]!
      p.dispose()
      opt.dispose()
      return out
    }
    const expected = (b1: number): number => {
      let p = 0
      let m = 0
      let v = 0
      grads.forEach((g, t) => {
        const k = t + 1
        m = b1 * m + (1 - b1) * g
        v = beta2 * v + (1 - beta2) * g * g
        p -= ((lr / (1 - b1 ** k)) * m) / (Math.sqrt(v) / Math.sqrt(1 - beta2 ** k) + 1e-8)
      })
      return p
    }
    near([run()], [expected(0.9)])
    near([run(0.5)], [expected(0.5)])
    expect(Math.abs(expected(0.5) - expected(0.9))).toBeGreaterThan(1e-3)
  })

  it('restores a snapshot exactly (Adam, mid-trajectory) and the snapshot survives restoring', () => {
    const c = golden.cases.find((x) => x.optimizer === 'Adam') ?? golden.cases[0]!
    const cfg = fromTorchOptimizer(c.optimizer, c.params)
    const p = tf.variable(tf.tensor1d(golden.init))
    const opt = createOptimizer(cfg, [{ vars: [p] }])
    const stepAt = (t: number) => {
      const grad = tf.tensor1d(golden.grads[t]!)
      opt.step([[grad]], [{ lr: c.lr_per_step?.[t] ?? cfg.lr }])
      grad.dispose()
    }
    for (let t = 0; t < 20; t++) stepAt(t)
    const weights = tf.clone(p)
    const saved = opt.saveState()
    const runFrom20 = (): number[] => {
      for (let t = 20; t < 30; t++) stepAt(t)
      return values(p)
    }
    const first = runFrom20()
    for (let round = 0; round < 2; round++) {
      p.assign(weights)
      opt.loadState(saved)
      expect(runFrom20()).toEqual(first)
    }
    disposeOptimizerState(saved)
    tf.dispose([p, weights])
    opt.dispose()
  })

  it('drops slots created after the snapshot (SGD momentum buffer starts over)', () => {
    const lr = 0.1
    const p = tf.variable(tf.tensor1d([1]))
    const opt = createOptimizer(fromTorchOptimizer('SGD', { lr, momentum: 0.9 }), [{ vars: [p] }])
    const saved = opt.saveState()
    const grad = tf.tensor1d([1])
    opt.step([[grad]], [{ lr }])
    opt.step([[grad]], [{ lr }])
    tf.tidy(() => p.assign(tf.tensor1d([1])))
    opt.loadState(saved)
    opt.step([[grad]], [{ lr }])
    // Without the reset the buffer would be 0.9·1.9 + 1, not 1.
    near(values(p), [1 - lr])
    disposeOptimizerState(saved)
    tf.dispose([p, grad])
    opt.dispose()
  })

  it('rejects gradients that do not match the groups', () => {
    const p = tf.variable(tf.tensor1d([1, 2]))
    const opt = createOptimizer(fromTorchOptimizer('SGD', { lr: 0.1 }), [{ vars: [p] }])
    const wrong = tf.tensor1d([1, 2, 3])
    expect(() => opt.step([[wrong]], [{ lr: 0.1 }])).toThrow(/shape/)
    expect(() => opt.step([], [])).toThrow(/groups/)
    expect(() => opt.step([[p]], [{ lr: NaN }])).toThrow(/lr/)
    tf.dispose([p, wrong])
    opt.dispose()
  })

  it('keeps the tensor count flat across steps, snapshots and dispose, for every optimizer', () => {
    const configs: OptimizerInput[] = [
      { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
      { type: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0.5 },
      { type: 'adagrad', lr: 0.1, lrDecay: 0.01, weightDecay: 0.01, initialAccumulatorValue: 0.1 },
      { type: 'rmsprop', lr: 0.01, momentum: 0.5, centered: true, weightDecay: 0.01 },
      { type: 'adadelta', weightDecay: 0.01 },
      { type: 'adam', lr: 0.01, amsgrad: true, weightDecay: 0.01 },
      { type: 'adamw', lr: 0.01, amsgrad: true },
      { type: 'adamax', lr: 0.01, weightDecay: 0.01 },
      { type: 'nadam', lr: 0.01, weightDecay: 0.01 },
    ]
    for (const input of configs) {
      const before = tf.memory().numTensors
      const vars = tf.tidy(() => [tf.variable(tf.randomNormal([3, 2])), tf.variable(tf.randomNormal([2]))])
      const grads = vars.map((v) => tf.onesLike(v))
      const opt = createOptimizer(OptimizerSchema.parse(input), [{ vars: [vars[0]!] }, { vars: [vars[1]!] }])
      const step = () => opt.step([[grads[0]!], [grads[1]!]], [{ lr: 0.01, momentum: 0.8 }, { lr: 0.02 }])
      step()
      step()
      const settled = tf.memory().numTensors
      for (let i = 0; i < 5; i++) step()
      expect(tf.memory().numTensors, `${input.type} steps`).toBe(settled)
      const saved = opt.saveState()
      step()
      opt.loadState(saved)
      disposeOptimizerState(saved)
      expect(tf.memory().numTensors, `${input.type} snapshot`).toBe(settled)
      opt.dispose()
      tf.dispose([...vars, ...grads])
      expect(tf.memory().numTensors, `${input.type} dispose`).toBe(before)
    }
  })

  it('reports the momentum a schedule may cycle', () => {
    const p = tf.variable(tf.tensor1d([1]))
    const base = (input: OptimizerInput) => {
      const opt = createOptimizer(OptimizerSchema.parse(input), [{ vars: [p] }])
      const m = opt.baseMomentum()
      opt.dispose()
      return m
    }
    expect(base({ type: 'sgd', lr: 1, momentum: 0.7 })).toBe(0.7)
    expect(base({ type: 'rmsprop', lr: 1, momentum: 0.3 })).toBe(0.3)
    expect(base({ type: 'adam', lr: 1, beta1: 0.85 })).toBe(0.85)
    expect(base({ type: 'nadam', lr: 1 })).toBe(0.9)
    expect(base({ type: 'adagrad', lr: 1 })).toBeUndefined()
    expect(base({ type: 'adadelta' })).toBeUndefined()
    p.dispose()
  })
})
