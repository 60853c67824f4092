import { afterEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RunStore } from '../../electron/storage'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

interface Log {
  id: string | null
  flushed: number
  /** [rows appended, ms since the writer started] */
  appended: Array<[number, number]>
}

/** Start the writer fixture, SIGKILL it `killAfterMs` after it reports its run id, return its log. */
async function runAndKill(dataDir: string, killAfterMs: number): Promise<{ log: Log; killedAtMs: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../fixtures/storage/writer.ts'), dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const log: Log = { id: null, flushed: 0, appended: [] }
  let buffered = ''
  let startedAt = 0
  let killedAtMs = 0
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.on('exit', () => reject(new Error('writer exited early')))
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        const [kind, a, b] = line.split(' ')
        if (kind === 'id') {
          log.id = a!
          startedAt = Date.now()
          setTimeout(() => {
            killedAtMs = Date.now() - startedAt
            child.kill('SIGKILL')
            resolve()
          }, killAfterMs)
        } else if (kind === 'flushed') log.flushed = Number(a)
        else if (kind === 'appended') log.appended.push([Number(a), Number(b)])
      }
    })
  })
  await exited
  return { log, killedAtMs }
}

describe('crash safety', () => {
  it('SIGKILL at a random moment loses at most about a second and damages nothing written before', async () => {
    // A seeded choice of moments so a failure reproduces; several rounds hit different phases of the flush timer.
    const moments = [1700, 2350, 3100]
    for (const killAfterMs of moments) {
      const dataDir = mkdtempSync(join(tmpdir(), 'lrlab-crash-'))
      dirs.push(dataDir)
      const { log } = await runAndKill(dataDir, killAfterMs)
      expect(log.id).not.toBeNull()
      expect(log.flushed).toBeGreaterThan(0)
      const store = new RunStore(dataDir)
      const before = store.load(log.id!)
      expect(before.manifest.status).toBe('running')

      expect(store.recoverInterrupted()).toEqual([log.id])
      expect(store.recoverInterrupted()).toEqual([]) // once is enough
      const run = store.load(log.id!)
      expect(run.manifest.status).toBe('interrupted')
      expect(run.manifest.writerPid).toBeUndefined()
      // Only a torn tail may be reported.
      for (const d of run.damage) expect(d).toMatch(/incomplete/)
      const step = run.steps.step!
      expect(step.length).toBeGreaterThanOrEqual(log.flushed)
      for (let i = 0; i < step.length; i++) if (step[i] !== i || run.steps.loss![i] !== 1 / (i + 1)) throw new Error(`row ${i} is wrong`)
      // At most ~1 s lost: every row appended more than 1.5 s before the last log line is on disk.
      const lastMs = log.appended[log.appended.length - 1]![1]
      const old = log.appended.filter(([, ms]) => ms <= lastMs - 1500).pop()
      if (old) expect(step.length).toBeGreaterThanOrEqual(old[0])
      expect(run.manifest.summary.steps).toBe(step.length)
      expect(run.events.at(-1)!.kind).toBe('interrupted')
      const list = store.list()
      expect(list.map((r) => r.status)).toEqual(['interrupted'])
    }
  }, 60_000)
})
