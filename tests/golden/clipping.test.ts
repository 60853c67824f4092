/**
 * Clipping against PyTorch 1.13 (clipping.json): clip_grad_norm_ (2-norm and inf-norm, with
 * its 1e-6) and clip_grad_value_, within rel 1e-5 + abs 1e-6, including the returned total norm.
 * Norms before/after and the "acted" flag are checked against float64 math on the same data.
 */
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { close, readGolden } from './golden-dir'
import { selectBackend } from '../../electron/trainer/backend'
import { clipGradients, globalNorm } from '../../electron/trainer/clipping'
import { ClippingSchema, type ClippingConfig } from '../../shared/clipping-config'

type Nested = number | Nested[]
interface ClippingCase {
  id: string
  kind: 'norm' | 'value'
  max_norm?: number
  norm_type?: number | string
  clip_value?: number
  total_norm?: number
  grads: Nested[]
  clipped: Nested[]
}

const REL = 1e-5
const ABS = 1e-6
const golden = readGolden<{ cases: ClippingCase[] }>('clipping.json')

function flat(a: Nested): number[] {
  return Array.isArray(a) ? a.flatMap(flat) : [a]
}

/** readGolden turns "inf" into Infinity; PyTorch's norm_type is a float or inf. */
function configOf(c: ClippingCase): ClippingConfig {
  if (c.kind === 'value') return ClippingSchema.parse({ mode: 'value', clipValue: c.clip_value })
  const p = c.norm_type === Infinity || c.norm_type === 'inf' ? 'inf' : Number(c.norm_type ?? 2)
  return ClippingSchema.parse({ mode: 'norm', maxNorm: c.max_norm, normType: p })
}

function l2(values: number[]): number {
  return Math.sqrt(values.reduce((s, v) => s + v * v, 0))
}

function mismatches(actual: ArrayLike<number>, expected: number[], what: string): string[] {
  if (actual.length !== expected.length) return [`${what}: ${actual.length} values, PyTorch ${expected.length}`]
  const out: string[] = []
  for (let j = 0; j < expected.length; j++) {
    if (!close(actual[j]!, expected[j]!, REL, ABS)) out.push(`${what}[${j}]: got ${actual[j]}, PyTorch ${expected[j]}`)
  }
  return out
}

describe.each(['auto', 'cpu'] as const)('clipping vs PyTorch on the %s backend', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend)
  })

  it('has cases', () => {
    expect(golden.cases.length).toBeGreaterThan(0)
  })

  for (const c of golden.cases) {
    it(c.id, () => {
      const cfg = configOf(c)
      const grads = c.grads.map((g) => tf.tensor(g as number[]))
      const result = clipGradients(grads, cfg)
      const problems: string[] = []
      result.grads.forEach((g, i) => {
        expect(g.shape, `${c.id} tensor ${i} shape`).toEqual(grads[i]!.shape)
        problems.push(...mismatches(g.dataSync(), flat(c.clipped[i]!), `tensor ${i}`))
      })
      expect(result.grads.length).toBe(c.clipped.length)
      if (c.kind === 'norm' && c.total_norm !== undefined && cfg.mode === 'norm') {
        const total = globalNorm(grads, cfg.normType)
        problems.push(...mismatches(total.dataSync(), [c.total_norm], 'total_norm'))
        total.dispose()
      }
      const before = l2(c.grads.flatMap(flat))
      const after = l2(c.clipped.flatMap(flat))
      problems.push(...mismatches(result.normBefore.dataSync(), [before], 'normBefore'))
      problems.push(...mismatches(result.normAfter.dataSync(), [after], 'normAfter'))
      const expectActed = c.kind === 'norm' ? c.max_norm! / (c.total_norm! + 1e-6) < 1 : c.grads.flatMap(flat).some((v) => Math.abs(v) > c.clip_value!)
      expect(result.acted.dataSync()[0], `${c.id} acted`).toBe(expectActed ? 1 : 0)
      tf.dispose([...grads, ...result.grads, result.normBefore, result.normAfter, result.acted])
      expect(problems, c.id).toEqual([])
    })
  }
})
