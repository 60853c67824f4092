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
import { createOptimizer } from '../../electron/trainer/optimizers'
import { fromTorchOptimizer } from '../../shared/optimizer-config'

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
    // selectBackend caches its choice, so switch back explicitly after the cpu pass.
    const name = backend === 'auto' ? (await selectBackend('auto')).name : 'cpu'
    await tf.setBackend(name)
    await tf.ready()
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
