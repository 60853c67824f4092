/** Where the golden tests read PyTorch's traces from: the repository, or an override. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { IN_REPO_GOLDEN_DIR, resolveGoldenDir } from './golden-dir'

describe('golden trace folder', () => {
  it('is the in-repo folder when LRLAB_GOLDEN_DIR is unset or empty', () => {
    expect(resolveGoldenDir(undefined)).toBe(IN_REPO_GOLDEN_DIR)
    expect(resolveGoldenDir('')).toBe(IN_REPO_GOLDEN_DIR)
    expect(IN_REPO_GOLDEN_DIR.endsWith(join('tests', 'golden', 'data'))).toBe(true)
  })

  it('is the override folder when it exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lrlab-golden-'))
    expect(resolveGoldenDir(dir)).toBe(dir)
  })

  it('refuses an override that names no folder, naming the variable', () => {
    const missing = join(tmpdir(), 'lrlab-no-such-golden-folder')
    expect(() => resolveGoldenDir(missing)).toThrow(/LRLAB_GOLDEN_DIR names no folder: .*lrlab-no-such-golden-folder/)
  })
})
