/**
 * A real `serve` process under what a hostile web page or a broken client sends: malformed HTTP,
 * hand-made WebSocket frames, hostile API calls and a thousand connections. Every case must be
 * answered (the right status or close code, or an API error), the process must stay alive, and
 * nothing may be created outside the data dir. The tally is printed for the issue's table.
 * LRLAB_RELIABILITY_ROOT=<checkout> runs another checkout's build (to count old code's failures).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { writeSyntheticRun } from '../../electron/bench/synthetic-runs'
import { startServe, type ServeProcess } from '../e2e/browser'
import { connectApi, type WsApi } from '../e2e/ws-client'
import { closeCodeFor, frame, getRequest, rawHttpStatus } from '../helpers/raw-socket'
import { tempDir } from '../helpers/service'

const ROOT_OVERRIDE = process.env.LRLAB_RELIABILITY_ROOT

type Outcome = 'clear' | 'wrong' | 'crash' | 'hang'
const tally: Record<string, Outcome> = {}

let dataDir: string
let cwd: string
let keptRun: string
let serve: ServeProcess
let port = 0
let token = ''
const rootEntries = (): string[] => ['runs', 'trash'].filter((n) => existsSync(join('/', n)))
let rootBefore: string[]

async function start(): Promise<void> {
  serve = await startServe(dataDir, {}, [], { root: ROOT_OVERRIDE, cwd })
  const u = new URL(serve.url)
  port = Number(u.port)
  token = u.searchParams.get('token')!
}

const alive = (): boolean => serve.proc.exitCode === null && serve.proc.signalCode === null

/** Run one case: its outcome is clear when `check` passes and the process is still alive after. */
async function attempt(name: string, run: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  let outcome: Outcome
  try {
    const ok = await Promise.race([run(), new Promise<'hang'>((r) => setTimeout(() => r('hang'), timeoutMs))])
    await new Promise((r) => setTimeout(r, 50)) // a crash on this input shows as an exit within moments
    outcome = !alive() ? 'crash' : ok === 'hang' ? 'hang' : ok ? 'clear' : 'wrong'
  } catch {
    outcome = alive() ? 'wrong' : 'crash'
  }
  tally[name] = outcome
  if (!alive()) await start() // keep counting the remaining cases
}

beforeAll(async () => {
  dataDir = tempDir('lrlab-rel-serve-')
  cwd = tempDir('lrlab-rel-cwd-')
  keptRun = writeSyntheticRun(new RunStore(dataDir), { steps: 20, name: 'must survive' })
  writeFileSync(join(dataDir, 'user-file.txt'), 'keep me')
  rootBefore = rootEntries()
  await start()
})
afterAll(async () => {
  await serve?.stop()
  const counts = { tried: 0, clear: 0, wrong: 0, crash: 0, hang: 0 }
  for (const o of Object.values(tally)) {
    counts.tried++
    counts[o]++
  }
  console.log(`reliability/serve-attacks: ${JSON.stringify(counts)}`)
  for (const [name, o] of Object.entries(tally)) if (o !== 'clear') console.log(`  ${o}: ${name}`)
})

const status = (path: string, want: number[]) => async () => want.includes(await rawHttpStatus(port, getRequest(path, port)))
/** An upgrade request; TOKEN and ORIGIN are filled in when it is sent (a restart changes both). */
const upgrade = (path: string, headers: string, want: number) => async () =>
  (await rawHttpStatus(
    port,
    `GET ${path.replace('TOKEN', token)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers.replace('ORIGIN', `http://127.0.0.1:${port}`)}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.alloc(16, 1).toString('base64')}\r\n\r\n`,
  )) === want
const closes = (bytes: () => Buffer | Buffer[], code: number) => async () => (await closeCodeFor(port, token, bytes())) === code
const oversized = (mb: number): Buffer => frame({ opcode: 2, length: mb * 1024 * 1024, payload: Buffer.alloc(65536) }).subarray(0, 14 + 65536)

describe('serve under hostile input', () => {
  it('answers every malformed HTTP request and upgrade, and lives', async () => {
    const cases: [string, () => Promise<boolean>][] = [
      ['GET /%', status('/%', [400])],
      ['GET /%E0%A4%A', status('/%E0%A4%A', [400])],
      ['GET //', status('//', [400])],
      ['GET /%ff', status('/%ff', [400])],
      ['GET /%00', status('/%00', [404])],
      ['GET /../../etc/passwd', status('/../../etc/passwd', [404])],
      ['GET /..%2f..%2fetc%2fpasswd', status('/..%2f..%2fetc%2fpasswd', [404])],
      // Absolute form: the Host header (checked) is ours, the path is /, so the page itself is fine to serve.
      ['GET http://evil.example/ (absolute form)', status('http://evil.example/', [200, 403, 400])],
      ['garbage request line', async () => (await rawHttpStatus(port, 'GARBAGE\r\n\r\n')) === 400],
      ['100 KB header', async () => [400, 431].includes(await rawHttpStatus(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX: ${'a'.repeat(100_000)}\r\n\r\n`))],
      ['foreign Host header', async () => (await rawHttpStatus(port, 'GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n')) === 403],
      ['upgrade //ws', upgrade('//ws', '', 403)],
      ['upgrade //', upgrade('//', '', 400)],
      ['upgrade /%', upgrade('/%', '', 403)],
      ['upgrade without token', upgrade('/ws', 'Origin: ORIGIN\r\n', 401)],
      ['upgrade with a foreign origin', upgrade('/ws?token=TOKEN', 'Origin: http://evil.example\r\n', 403)],
      ['upgrade with a malformed token', upgrade('/ws?token=%', 'Origin: ORIGIN\r\n', 401)],
    ]
    for (const [name, run] of cases) await attempt(`http: ${name}`, run)
  })

  it('closes a socket that breaks the WebSocket protocol with the right code, and lives', async () => {
    const cases: [string, () => Buffer | Buffer[], number][] = [
      ['invalid UTF-8 in a text frame', () => frame({ opcode: 1, payload: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) }), 1007],
      ['unmasked client frame', () => frame({ opcode: 1, masked: false, payload: Buffer.from('{}') }), 1002],
      ['reserved opcode 3', () => frame({ opcode: 3 }), 1002],
      ['reserved control opcode 11', () => frame({ opcode: 11 }), 1002],
      ['RSV1 set', () => frame({ opcode: 1, rsv1: true, payload: Buffer.from('{}') }), 1002],
      ['continuation without a start', () => frame({ opcode: 0, payload: Buffer.from('{}') }), 1002],
      ['fragmented control frame', () => frame({ opcode: 9, fin: false }), 1002],
      ['ping over 125 bytes', () => frame({ opcode: 9, payload: Buffer.alloc(200) }), 1002],
      ['close with an invalid code', () => frame({ opcode: 8, payload: Buffer.from([0x03, 0xe7]) }), 1002],
      ['17 MB frame', () => oversized(17), 1009],
      ['100 MB frame', () => oversized(100), 1009],
      ['2^53 byte frame', () => frame({ opcode: 2, length: Number.MAX_SAFE_INTEGER }), 1009],
      ['17 MB in 1 MB fragments', () => Array.from({ length: 17 }, (_, i) => frame({ opcode: i ? 0 : 1, fin: i === 16, payload: Buffer.alloc(1 << 20, 0x20) })), 1009],
    ]
    for (const [name, bytes, code] of cases) await attempt(`ws: ${name}`, closes(bytes, code))
  })

  it('answers hostile API calls with errors and touches nothing outside the runs', async () => {
    const api: WsApi = await connectApi(`http://127.0.0.1:${port}/?token=${token}`)
    const fifo = join(tempDir('lrlab-rel-fifo-'), 'data.csv')
    execFileSync('mkfifo', [fifo])
    const refused =
      (method: string, ...args: unknown[]) =>
      () =>
        api.call(method, ...args).then(
          () => false,
          () => true,
        )
    const cases: [string, () => Promise<boolean>][] = [
      ...['.', '..', '../..', '.hidden', 'a/b'].flatMap((id): [string, () => Promise<boolean>][] => [
        [`deleteRun(${id})`, refused('deleteRun', id)],
        [`undoDeleteRun(${id})`, refused('undoDeleteRun', id)],
        [`loadRun(${id})`, refused('loadRun', id)],
        [`exportCsv(${id})`, refused('exportCsv', id)],
        [`renameRun(${id})`, refused('renameRun', id, 'x')],
      ]),
      ['watchFolder(/proc)', refused('watchFolder', '/proc')],
      ['watchFolder(/)', refused('watchFolder', '/')],
      ['importRun(/)', refused('importRun', '/')],
      ['importRun(/proc/self)', refused('importRun', '/proc/self')],
      ['startRun(data.path /dev/zero)', refused('startRun', { data: { kind: 'csv', path: '/dev/zero', target: 'y' }, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 })],
      ['startRun(data.path FIFO)', refused('startRun', { data: { kind: 'csv', path: fifo, target: 'y' }, optimizer: { type: 'sgd', lr: 0.1 }, epochs: 1 })],
      [
        'startRun(initFrom /etc/passwd)',
        async () => {
          const r = await api
            .call<{ runId: string }>('startRun', {
              data: { kind: 'linreg' },
              model: { kind: 'mlp', hidden: [4], initFrom: { modelJson: '/etc/passwd' } },
              optimizer: { type: 'sgd', lr: 0.1 },
              epochs: 1,
            })
            .then(
              (ok) => ok,
              (e: Error) => e,
            )
          if (r instanceof Error) return !/root:/.test(r.message)
          // Started: the failure arrives as the run's status message; it must not quote the file.
          for (let i = 0; i < 600; i++) {
            const end = api.events.find((e) => e.type === 'status' && e.runId === r.runId && ['failed', 'finished'].includes(e.status))
            if (end && end.type === 'status') return end.status === 'failed' && !/root:/.test(end.message ?? '')
            await new Promise((res) => setTimeout(res, 100))
          }
          return false
        },
      ],
      [
        'binary frame',
        () =>
          new Promise<boolean>((resolve) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, { headers: { Origin: `http://127.0.0.1:${port}` } })
            ws.on('open', () => ws.send(Buffer.from([1, 2, 3])))
            // Service events (other runs' status) may come first: wait for the reply.
            ws.on('message', (m) => {
              if (!/binary frames are not accepted/.test(m.toString())) return
              resolve(true)
              ws.close()
            })
            ws.on('error', () => resolve(false))
          }),
      ],
    ]
    for (const [name, run] of cases) await attempt(`api: ${name}`, run, 120_000)
    api.close()
    expect(existsSync(join(dataDir, 'runs', keptRun, 'manifest.json'))).toBe(true)
    expect(existsSync(join(dataDir, 'user-file.txt'))).toBe(true)
  })

  it('serves a thousand connections with no listener leak', async () => {
    await attempt(
      '1,000 simultaneous connections, no MaxListenersExceededWarning',
      async () => {
        const origin = `http://127.0.0.1:${port}`
        const sockets: WebSocket[] = []
        for (let batch = 0; batch < 10; batch++) {
          sockets.push(
            ...(await Promise.all(
              Array.from({ length: 100 }, () => {
                const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, { headers: { Origin: origin } })
                return new Promise<WebSocket>((r, j) => ws.once('open', () => r(ws)).once('error', j))
              }),
            )),
          )
        }
        for (const ws of sockets) ws.close()
        await new Promise((r) => setTimeout(r, 500))
        return !/MaxListenersExceededWarning/.test(serve.stderr())
      },
      120_000,
    )
  })

  it('every case was answered, the process lives, and nothing was created outside the data dir', () => {
    const bad = Object.entries(tally).filter(([, o]) => o !== 'clear')
    expect(bad).toEqual([])
    expect(alive()).toBe(true)
    expect(readdirSync(cwd)).toEqual([])
    expect(rootEntries()).toEqual(rootBefore)
    // Inside the data dir only LR Lab's own files: the runs and trash, the page's token, the
    // session's opened runs and the backend choice cache (when a run measured one), and the user's file.
    const own = ['backend-choice.json', 'opened', 'runs', 'serve-token', 'sweeps', 'trash', 'user-file.txt']
    const entries = readdirSync(dataDir).sort()
    expect(entries.filter((e) => !own.includes(e))).toEqual([])
    expect(entries).toEqual(expect.arrayContaining(['runs', 'trash', 'user-file.txt']))
  })
})
