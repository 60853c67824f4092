import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../shared/config'
import { expandSweep, logspace, memberTags, parseSweepSpec, sweepId, sweepMemberOf } from '../../shared/sweep'

const base = { data: { kind: 'linreg' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 10 }

function problems(input: unknown): string[] {
  try {
    expandSweep(parseSweepSpec(input))
  } catch (e) {
    if (e instanceof ConfigError) return e.problems
    throw e
  }
  return []
}

describe('sweep spec', () => {
  it("expands the issue's grid as a Cartesian product, last axis fastest", () => {
    const spec = parseSweepSpec({ base, grid: { 'optimizer.lr': [0.001, 0.01, 0.1], schedule: [{ type: 'constant' }, { type: 'cosine', tMax: 6 }] } })
    const members = expandSweep(spec)
    expect(members).toHaveLength(6)
    expect(members.map((m) => [m.config.optimizer.lr, m.config.schedule.type])).toEqual([
      [0.001, 'constant'],
      [0.001, 'cosine'],
      [0.01, 'constant'],
      [0.01, 'cosine'],
      [0.1, 'constant'],
      [0.1, 'cosine'],
    ])
    expect(members.map((m) => m.index)).toEqual([0, 1, 2, 3, 4, 5])
    expect(members[3]!.label).toBe('lr=0.01 schedule=cosine')
    expect(members[3]!.axes).toEqual({ 'optimizer.lr': 0.01, schedule: { type: 'cosine', tMax: 6 } })
    // Each member is a full run config: defaults filled, base untouched.
    expect(members[1]!.config.schedule).toEqual({ type: 'cosine', tMax: 6, etaMin: 0, stepUnit: 'epoch' })
    expect(spec.base.optimizer).toEqual({ type: 'sgd', lr: 0.01 })
  })

  it('reads a log grid with both ends included', () => {
    expect(logspace(1e-4, 1, 9)).toEqual([0.0001, 0.000316227766017, 0.001, 0.00316227766017, 0.01, 0.0316227766017, 0.1, 0.316227766017, 1])
    const spec = parseSweepSpec({ base, grid: { 'optimizer.lr': { logspace: [1e-4, 1, 5] } } })
    expect(expandSweep(spec).map((m) => m.config.optimizer.lr)).toEqual([0.0001, 0.001, 0.01, 0.1, 1])
  })

  it('repeats each point per seed and samples points reproducibly', () => {
    const seeded = expandSweep(parseSweepSpec({ base, grid: { 'optimizer.lr': [0.01, 0.1] }, seeds: [0, 1, 2] }))
    expect(seeded.map((m) => [m.config.optimizer.lr, m.config.seed])).toEqual([
      [0.01, 0],
      [0.01, 1],
      [0.01, 2],
      [0.1, 0],
      [0.1, 1],
      [0.1, 2],
    ])
    expect(seeded[4]!.label).toBe('lr=0.1 seed=1')
    const spec = { base, grid: { 'optimizer.lr': { logspace: [1e-4, 1, 9] }, 'optimizer.type': ['sgd', 'adam'] }, sample: 5, seed: 7 }
    const a = expandSweep(parseSweepSpec(spec))
    expect(a).toHaveLength(5)
    expect(expandSweep(parseSweepSpec(spec)).map((m) => m.label)).toEqual(a.map((m) => m.label))
    expect(new Set(a.map((m) => m.label)).size).toBe(5)
    const other = expandSweep(parseSweepSpec({ ...spec, seed: 8 })).map((m) => m.label)
    expect(other).not.toEqual(a.map((m) => m.label))
  })

  it('names the field of a bad spec', () => {
    expect(problems({ base, grid: { 'optimizer.lr': [] } })).toEqual(['grid.optimizer.lr: an axis needs at least one value'])
    expect(problems({ base, grid: { 'optimizer.lr': { logspace: [0, 1, 9] } } })).toEqual(['grid.optimizer.lr.logspace.0: from must be > 0'])
    expect(problems({ base, grid: { 'optimizer.lr': 0.1 } })[0]).toMatch(/^grid\.optimizer\.lr: an axis is a list of values or/)
    expect(problems({ base, grid: { 'optimizer lr': [1] } })[0]).toMatch(/grid.*path into the run config/)
    expect(problems({ base, grid: { 'optimizer.lr': [0.1, 1] }, sample: 3 })).toEqual(["sample: 3 is more than the grid's 2 points"])
    expect(problems({ base, grid: {}, extra: 1 })[0]).toMatch(/Unrecognized key.*extra/)
    expect(problems({ grid: {} })[0]).toMatch(/^base: /)
  })

  it('names the member and the field of a bad member config', () => {
    const p = problems({ base, grid: { 'optimizer.lr': [0.01, -1], 'optimizer.momentum': [0, 2] } })
    expect(p[0]).toMatch(/^member 1 \(lr=0\.01 momentum=2\): optimizer\.momentum: /)
    expect(p.some((x) => x.startsWith('member 2 (lr=-1 momentum=0): optimizer.lr: '))).toBe(true)
    expect(
      p
        .filter((x) => x.startsWith('member 3 '))
        .map((x) => x.split(': ')[1])
        .sort(),
    ).toEqual(['optimizer.lr', 'optimizer.momentum'])
    expect(problems({ base, grid: { 'epochs.x': [1] } })).toEqual(['member 0 (x=1): base.epochs is not an object, so epochs.x cannot be set'])
  })

  it('labels same-typed schedules by their fields and tags members so they can be found again', () => {
    const spec = parseSweepSpec({
      name: 'My race',
      base,
      grid: {
        schedule: [
          { type: 'cosine', tMax: 5 },
          { type: 'cosine', tMax: 10 },
        ],
      },
    })
    const members = expandSweep(spec)
    expect(members.map((m) => m.label)).toEqual(['schedule=cosine(tMax=5)', 'schedule=cosine(tMax=10)'])
    expect(members[0]!.config.name).toBe('My race · schedule=cosine(tMax=5)')
    const id = sweepId(spec)
    expect(id).toMatch(/^my-race-[0-9a-f]{14}$/)
    expect(
      sweepId(
        parseSweepSpec({
          grid: {
            schedule: [
              { tMax: 5, type: 'cosine' },
              { type: 'cosine', tMax: 10 },
            ],
          },
          base,
          name: 'My race',
        }),
      ),
    ).toBe(id)
    const tags = memberTags(id, spec, members[1]!)
    expect(tags).toEqual([`sweep:${id}`, 'member:1', 'schedule=cosine(tMax=10)'])
    expect(sweepMemberOf(tags)).toEqual({ sweepId: id, member: 1 })
    expect(sweepMemberOf(['x'])).toBeNull()
  })
})

describe('sweep presets', () => {
  it("article-race races the article's seven demos, each exactly its preset", async () => {
    const { findSweepPreset } = await import('../../shared/sweep-presets')
    const { PRESETS } = await import('../../shared/presets')
    const { parseRunnableConfig } = await import('../../shared/run-plan')
    const members = expandSweep(parseSweepSpec(findSweepPreset('article-race')!.spec))
    const demos = PRESETS.filter((p) => p.name.startsWith('article-') && p.name !== 'article-range-test')
    expect(members).toHaveLength(7)
    for (const [i, m] of members.entries()) {
      const own = parseRunnableConfig({ ...demos[i]!.config, preset: `${demos[i]!.name}@${demos[i]!.version}` })
      expect({ ...m.config, name: undefined }).toEqual({ ...own, name: undefined })
      expect(m.label).toBe(demos[i]!.config.name)
    }
  })

  it('digits-lr-sweep is 9 log-spaced LRs × constant, cosine and one-cycle', async () => {
    const { findSweepPreset } = await import('../../shared/sweep-presets')
    const members = expandSweep(parseSweepSpec(findSweepPreset('digits-lr-sweep')!.spec))
    expect(members).toHaveLength(27)
    expect([...new Set(members.map((m) => m.config.optimizer.lr))]).toEqual(logspace(1e-4, 1, 9))
    expect([...new Set(members.map((m) => m.config.schedule.type))]).toEqual(['constant', 'cosine', 'one-cycle'])
    expect(members.every((m) => m.config.data.kind === 'digits' && m.config.model.kind === 'mlp')).toBe(true)
  })
})

describe('axis labels', () => {
  it('names a schedule by its type unless two different ones share it', async () => {
    const { formatAxisValue } = await import('../../shared/sweep')
    const constant = { type: 'constant' }
    expect(formatAxisValue(constant, [constant, { type: 'constant' }, { type: 'cosine' }])).toBe('constant')
    expect(
      formatAxisValue({ type: 'cosine', tMax: 5 }, [
        { type: 'cosine', tMax: 5 },
        { type: 'cosine', tMax: 9 },
      ]),
    ).toBe('cosine(tMax=5)')
    // The bare one beside a variant of its kind: its name, never "constant()".
    const both = [{ type: 'constant' }, { type: 'constant', stepUnit: 'batch' }]
    expect(both.map((v) => formatAxisValue(v, both))).toEqual(['constant', 'constant(stepUnit=batch)'])
  })
})

describe('race loss charts', () => {
  it('cut members that blow up at ten times the highest starting loss, and say where they were last drawn', async () => {
    const { clipCurve, lossCeiling } = await import('../../renderer/src/lib/race-math')
    const x = [0, 1, 2, 3]
    const calm = [4, 3, 2, 1]
    const blowsUp = [5, 30, 400, NaN]
    const ceiling = lossCeiling([[NaN, 2], calm, blowsUp])
    expect(ceiling).toBe(50)
    const cut = clipCurve(x, blowsUp, ceiling)
    expect(Array.from(cut.y)).toEqual([5, 30, NaN, NaN])
    expect(cut).toMatchObject({ last: { x: 1, y: 30 }, clipped: true })
    expect(clipCurve(x, calm, ceiling)).toMatchObject({ last: { x: 3, y: 1 }, clipped: false })
    // Not finite from the start (the first step diverged): nothing to draw, nowhere to mark.
    expect(clipCurve([0], [Infinity], ceiling)).toMatchObject({ last: null, clipped: true })
    expect(lossCeiling([])).toBeNull()
  })
})
