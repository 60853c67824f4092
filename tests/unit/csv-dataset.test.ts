import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, parseRunConfig } from '../../shared/config'
import { loadDataset } from '../../electron/trainer/data'
import { tempDir } from '../helpers/service'

const dir = tempDir('lrlab-csv-')
function csv(name: string, text: string): string {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}
const load = (data: Record<string, unknown>) => loadDataset(parseRunConfig({ data: { kind: 'csv', ...data }, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 }).data, 0)
const problems = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join('\n')
    throw e
  }
  throw new Error('expected a ConfigError')
}

describe('CSV datasets', () => {
  it('are parsed once per file version: a run asking twice gets the same rows, a changed file is read again', () => {
    const path = csv('once.csv', 'a,y\n1,2\n2,4\n3,6\n')
    const first = load({ path, target: 'y' })
    expect(load({ path, target: 'y' })).toBe(first)
    // Other settings are another dataset.
    expect(load({ path, target: 'a' })).not.toBe(first)
    writeFileSync(path, 'a,y\n1,3\n2,5\n3,7\n4,9\n')
    const changed = load({ path, target: 'y' })
    expect(Array.from(changed.y)).toEqual([3, 5, 7, 9])
  })

  it('reads a regression file and says what it detected', () => {
    const d = load({ path: csv('reg.csv', 'a,b,price\n1,2,3.5\n2,3,4.25\n3,4,5.125\n4,5,6\n5,6,7\n'), target: 'price' })
    expect([d.rows, d.features, d.classes]).toEqual([5, 2, undefined])
    expect(Array.from(d.y)).toEqual([3.5, 4.25, 5.125, 6, 7])
    expect(Array.from(d.x.subarray(0, 4))).toEqual([1, 2, 2, 3])
    expect(d.description).toMatch(/target "price": regression \(detected\)/)
  })

  it('detects classification from few whole-number labels and maps them to 0..k−1', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${i * 2},${[2, 5, 9][i % 3]}`).join('\n')
    const d = load({ path: csv('cls.csv', `x1,x2,label\n${rows}\n`), target: 'label' })
    expect(d.classes).toBe(3)
    expect(Array.from(d.y.subarray(0, 3))).toEqual([0, 1, 2])
    expect(d.description).toMatch(/classification with 3 classes \(2, 5, 9\)/)
  })

  it('reports rows with missing or non-numeric values by line number, and drops them only when asked', () => {
    const path = csv('bad.csv', 'x,y\n1,2\n,3\n4,5\n6,seven\n8,9\n')
    const p = problems(() => load({ path, target: 'y' }))
    expect(p).toMatch(/2 row\(s\)/)
    expect(p).toMatch(/line 3: x is missing/)
    expect(p).toMatch(/line 5: y is "seven" \(not a number\)/)
    const d = load({ path, target: 'y', dropInvalidRows: true })
    expect(d.rows).toBe(3)
    expect(d.warnings!.join()).toMatch(/dropped 2 row\(s\).*line 3.*line 5/)
  })

  it('counts file lines, not records: a quoted field over two lines and blank lines keep later line numbers right; extra values are reported', () => {
    const path = csv('lines.csv', 'x,note,y\n1,"two\nlines",2\n\n3,4,oops\n5,6,7,8\n9,10,11\n')
    const p = problems(() => load({ path, target: 'y' }))
    expect(p).toContain('line 2: note is "two\\nlines" (not a number)') // escaped: one line per problem
    expect(p).toMatch(/line 5: y is "oops" \(not a number\)/)
    expect(p).toMatch(/line 6: 4 values where the header has 3 columns/)
    expect(p).toMatch(/3 row\(s\)/)
  })

  it('names the missing target column and an unreadable file', () => {
    expect(problems(() => load({ path: csv('t.csv', 'a,b\n1,2\n3,4\n'), target: 'c' }))).toMatch(/data\.target: no column "c".*columns: a, b/)
    expect(problems(() => load({ path: join(dir, 'nope.csv'), target: 'y' }))).toMatch(/data\.path: cannot read .*ENOENT/)
  })

  it('the CLI trains on a CSV file and prints the detected task', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i / 10},${(2 * i) / 10 + 1}`).join('\n')
    const path = csv('line.csv', `x,y\n${rows}\n`)
    const cfg = join(dir, 'cfg.json')
    writeFileSync(cfg, JSON.stringify({ data: { kind: 'csv', path, target: 'y' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 20 }))
    const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(__dirname, '../../electron/cli/cli.ts'), 'train', '--config', cfg, '--data-dir', dir, '--json'], {
      encoding: 'utf8',
      cwd: resolve(__dirname, '../..'),
    })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/60 rows, 1 feature, target "y": regression \(detected\)/)
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ data: { kind: 'csv', path: csv('b2.csv', 'x,y\n1,\n'), target: 'y' }, optimizer: { type: 'sgd', lr: 0.01 }, epochs: 2 }))
    const b = spawnSync(process.execPath, ['--import', 'tsx', resolve(__dirname, '../../electron/cli/cli.ts'), 'train', '--config', bad, '--data-dir', join(dir, 'bad-runs')], {
      encoding: 'utf8',
      cwd: resolve(__dirname, '../..'),
    })
    expect(b.status).toBe(2)
    expect(b.stderr).toMatch(/line 2: y is missing/)
  })
})
