/**
 * Every shared module loads when it is the first one imported (as in the trainer process,
 * whose entry reaches shared/config.ts first): an import cycle through a module's top-level
 * schemas shows here as "Cannot access … before initialization".
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'

// The repository's own shared/ (not the reference folder beside the repository).
const REPO = join(__dirname, '..', '..')
const SHARED = join(REPO, 'shared')
const modules = readdirSync(SHARED).filter((f) => f.endsWith('.ts'))

describe('shared modules load in any order', () => {
  it.each(modules)('%s loads first', async (file) => {
    vi.resetModules()
    await expect(import(join(SHARED, file))).resolves.toBeDefined()
  })
})
