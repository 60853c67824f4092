/**
 * The import boundaries of eslint.config.js catch what they are for: Electron outside the
 * shell, Node or either side inside shared/, electron/ inside the renderer, the bench inside
 * production code. Linted as if the text sat at that path in the repo.
 */
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint()

async function ruleHits(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path })
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('import boundaries', () => {
  it('only electron/main and electron/preload import Electron', async () => {
    const code = "import { app } from 'electron'\nexport const v = app\n"
    expect(await ruleHits('electron/main/window.ts', code)).toEqual([])
    expect(await ruleHits('electron/preload/api.ts', code)).toEqual([])
    expect((await ruleHits('electron/core/service-x.ts', code))[0]).toMatch(/Only electron\/main and electron\/preload import Electron/)
    expect(await ruleHits('shared/x.ts', code)).toHaveLength(1)
    expect(await ruleHits('renderer/src/lib/x.ts', code)).toHaveLength(1)
  })

  it('shared/ imports neither side nor Node', async () => {
    expect((await ruleHits('shared/x.ts', "import { RunStore } from '../electron/storage'\nexport const v = RunStore\n"))[0]).toMatch(/imports neither/)
    expect((await ruleHits('shared/x.ts', "import { app } from '../renderer/src/lib/app-state.svelte'\nexport const v = app\n"))[0]).toMatch(/imports neither/)
    expect((await ruleHits('shared/x.ts', "import { readFileSync } from 'node:fs'\nexport const v = readFileSync\n"))[0]).toMatch(/no Node modules/)
    expect(await ruleHits('shared/x.ts', "import { z } from 'zod'\nexport const v = z\n")).toEqual([])
  })

  it('the renderer never imports electron/ or Node, and production code not the bench', async () => {
    expect((await ruleHits('renderer/src/lib/x.ts', "import { RunStore } from '../../../electron/storage'\nexport const v = RunStore\n"))[0]).toMatch(/only through the API/)
    expect(await ruleHits('renderer/src/lib/x.ts', "import { parseRunConfig } from '../../../shared/config'\nexport const v = parseRunConfig\n")).toEqual([])
    expect((await ruleHits('electron/storage/x.ts', "import { writeSyntheticRun } from '../bench/synthetic-runs'\nexport const v = writeSyntheticRun\n"))[0]).toMatch(/bench or the tests/)
  })
}, 60_000)
