import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ServiceEvent } from '../../shared/api'
import type { RunStatus } from '../../shared/run'
import { createNodeService } from '../../electron/core/node-host'
import type { LrLabService } from '../../electron/core/service'

export function tempDir(prefix = 'lrlab-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function newService(dataDir = tempDir()): Promise<LrLabService> {
  return createNodeService(dataDir)
}

const FINAL: RunStatus[] = ['finished', 'stopped', 'diverged', 'failed', 'interrupted']

/** Resolve with the final status event of a run. */
export function waitForEnd(service: LrLabService, runId: string, timeoutMs = 120_000): Promise<Extract<ServiceEvent, { type: 'status' }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`run ${runId} did not end within ${timeoutMs} ms`)), timeoutMs)
    const off = service.onEvent((e) => {
      if (e.type === 'status' && e.runId === runId && FINAL.includes(e.status)) {
        clearTimeout(timer)
        off()
        resolve(e)
      }
    })
  })
}
