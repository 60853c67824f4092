import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { describeBackend, selectBackend } from '../../electron/trainer/backend'

describe('selectBackend', () => {
  it('answers each request once and makes its answer the active backend again when asked again', async () => {
    const auto = await selectBackend('auto')
    expect(['tensorflow', 'wasm', 'cpu']).toContain(auto.name)
    expect(tf.getBackend()).toBe(auto.name)
    const cpu = await selectBackend('cpu')
    expect([cpu.name, cpu.requested, tf.getBackend()]).toEqual(['cpu', 'cpu', 'cpu'])
    // Asked again after another caller switched: the same answer, active again.
    expect(await selectBackend('auto')).toBe(auto)
    expect(tf.getBackend()).toBe(auto.name)
    expect(describeBackend(auto)).toMatch(new RegExp(`^backend ${auto.name}`))
  })

  it('takes LRLAB_BACKEND as a forced backend (npm run test:tensorflow runs the training tests so)', async () => {
    const forced = process.env.LRLAB_BACKEND
    const auto = await selectBackend('auto')
    if (forced) expect([auto.name, auto.requested]).toEqual([forced, forced])
    else expect(auto.requested).toBe('auto')
    console.log(`training tests in this process run on the ${auto.name} backend${forced ? ` (LRLAB_BACKEND=${forced})` : ''}`)
  })
})
