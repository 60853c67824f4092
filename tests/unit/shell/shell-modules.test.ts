import { afterAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { restoreBounds, stateToSave, loadWindowState, saveWindowState, DEFAULT_WINDOW } from '../../../electron/shell/window-state'
import { classifyPath, pathsFromArgv, targetsFromArgv } from '../../../electron/shell/open-targets'
import { closeChoice, closeQuestion } from '../../../electron/shell/close-guard'
import { aboutLines } from '../../../electron/shell/about'
import { checkShellArgs, chosenPath, openRunDialogOptions, runDialogKind, saveDialogOptions } from '../../../electron/shell/ipc'
import { SHELL_CHANNELS } from '../../../electron/shell/ipc-channels'
import { runNotice, ServiceNotices, StatusTracker } from '../../../shared/notifications'
import type { SweepInfo } from '../../../shared/sweep'

const tmp = mkdtempSync(join(tmpdir(), 'lrlab-shell-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('window state', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }]
  it('restores saved bounds on a connected display, drops a position that is off every display', () => {
    expect(restoreBounds({ x: 100, y: 50, width: 1200, height: 800, maximized: true }, screen)).toEqual({ x: 100, y: 50, width: 1200, height: 800, maximized: true })
    // A second monitor that is gone: keep the size, let the OS place the window.
    expect(restoreBounds({ x: 2500, y: 100, width: 1200, height: 800, maximized: false }, screen)).toEqual({ width: 1200, height: 800, maximized: false })
    // Bigger than the screen now: shrink to it, never below the minimum.
    expect(restoreBounds({ x: 0, y: 0, width: 4000, height: 3000, maximized: false }, screen)).toMatchObject({ width: 1920, height: 1080 })
    expect(restoreBounds(null, screen)).toEqual(DEFAULT_WINDOW)
  })
  it('saves and reads back; a damaged file gives the defaults', () => {
    const f = join(tmp, 'window.json')
    saveWindowState(f, stateToSave({ x: 10.4, y: 20.6, width: 1300, height: 850 }, false))
    expect(loadWindowState(f)).toEqual({ x: 10, y: 21, width: 1300, height: 850, maximized: false })
    writeFileSync(f, '{"width": "wide"')
    expect(loadWindowState(f)).toBeNull()
    writeFileSync(f, '{"width": 10, "height": 10}')
    expect(loadWindowState(f)).toBeNull()
  })
})

describe('open targets (second launch, open-file, drops)', () => {
  it('classifies folders, zips and CSVs and refuses the rest with the reason', () => {
    const dir = join(tmp, 'run-a')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(tmp, 'r.ZIP'), 'x')
    writeFileSync(join(tmp, 'data.csv'), 'a,b\n1,2\n')
    writeFileSync(join(tmp, 'notes.txt'), 'x')
    expect(classifyPath(dir)).toEqual({ kind: 'run-folder', path: dir })
    expect(classifyPath('r.ZIP', tmp)).toEqual({ kind: 'run-zip', path: join(tmp, 'r.ZIP') })
    expect(classifyPath(join(tmp, 'data.csv')).kind).toBe('csv')
    expect(classifyPath(join(tmp, 'notes.txt'))).toMatchObject({ kind: 'unsupported', reason: /run folders, .zip runs and .csv/ })
    expect(classifyPath(join(tmp, 'missing'))).toMatchObject({ kind: 'unsupported', reason: 'it does not exist' })
  })
  it("takes the user's paths from argv, skipping the executable, the dev entry and switches", () => {
    expect(pathsFromArgv(['/opt/lrlab/lr-lab', '--no-sandbox', 'run.zip'], true)).toEqual(['run.zip'])
    expect(pathsFromArgv(['/usr/bin/electron', 'out/main/index.js', '--inspect=0', '/tmp/x'], false)).toEqual(['/tmp/x'])
    // Playwright puts its switches before the entry script.
    expect(pathsFromArgv(['/usr/bin/electron', '--inspect=0', '--remote-debugging-port=0', 'out/main/index.js'], false)).toEqual([])
    expect(targetsFromArgv(['/opt/lrlab/lr-lab', 'data.csv'], true, tmp)).toEqual([{ kind: 'csv', path: join(tmp, 'data.csv') }])
  })
})

describe('closing while runs train', () => {
  it('closes at once when nothing trains, else asks stop-or-keep naming the runs', () => {
    expect(closeQuestion([])).toBeNull()
    const q = closeQuestion([
      { id: 'r1', name: 'r1' },
      { id: 'r2', name: 'Adam sweep' },
    ])!
    expect(q.message).toBe('2 runs are still training.')
    expect(q.detail).toContain('• r1')
    expect(q.detail).toContain('• Adam sweep (r2)')
    expect(q.buttons).toEqual(['Stop runs and quit', 'Keep training'])
    // Escape / closing the box keeps the runs.
    expect(closeChoice(q.cancelId)).toBe('keep-training')
    expect(closeChoice(q.defaultId)).toBe('keep-training')
    expect(closeChoice(0)).toBe('stop-and-quit')
    expect(closeChoice(-1)).toBe('keep-training')
    const many = closeQuestion(Array.from({ length: 8 }, (_, i) => ({ id: `r${i}`, name: `r${i}` })))!
    expect(many.detail).toContain('and 3 more')
  })
})

describe('notifications', () => {
  it('announce finished, diverged and failed runs once, only while the window is not focused', () => {
    expect(runNotice({ runId: 'r', before: 'running', after: 'finished' }, false)).toEqual({ runId: 'r', title: 'Run finished', body: 'r' })
    expect(runNotice({ runId: 'r', name: 'Adam', before: 'running', after: 'diverged', message: 'loss is NaN' }, false)?.body).toBe('Adam: loss is NaN')
    expect(runNotice({ runId: 'r', before: 'running', after: 'finished' }, true)).toBeNull()
    expect(runNotice({ runId: 'r', before: 'running', after: 'stopped' }, false)).toBeNull()
    expect(runNotice({ runId: 'r', before: 'finished', after: 'finished' }, false)).toBeNull()
    const t = new StatusTracker()
    expect(t.change('a', 'running')).toBeUndefined()
    expect(t.change('a', 'running')).toBe('running')
    t.change('b', 'paused')
    expect(t.live().sort()).toEqual(['a', 'b'])
  })
})

describe('sweep notifications', () => {
  const sweep = (status: SweepInfo['status'], members: [string, string | null, string?][]): SweepInfo => ({
    id: 'race-1',
    name: 'race',
    createdAt: '',
    axes: ['optimizer.lr'],
    status,
    backend: 'wasm',
    members: members.map(([st, runId, error], index) => ({ index, label: `lr=${index}`, axes: {}, status: st as never, runId, ...(error && { error }) })),
  })
  it('announce a sweep that finished or failed while unfocused, once; its members are not announced one by one', () => {
    const n = new ServiceNotices()
    expect(
      n.notice(
        {
          type: 'sweep',
          sweep: sweep('running', [
            ['running', 'r0'],
            ['queued', null],
          ]),
        },
        false,
      ),
    ).toBeNull()
    // A member's own end is its sweep's news, not a notification of its own; a plain run still gets one.
    expect(n.notice({ type: 'status', runId: 'r0', status: 'running' }, false)).toBeNull()
    expect(n.notice({ type: 'status', runId: 'r0', status: 'diverged' }, false)).toBeNull()
    expect(n.notice({ type: 'status', runId: 'solo', status: 'running' }, false)).toBeNull()
    expect(n.notice({ type: 'status', runId: 'solo', status: 'finished' }, false)).toMatchObject({ runId: 'solo', title: 'Run finished' })
    const done = sweep('done', [
      ['diverged', 'r0'],
      ['finished', 'r1'],
    ])
    expect(n.notice({ type: 'sweep', sweep: done }, false)).toEqual({ sweepId: 'race-1', title: 'Sweep finished', body: 'race: 2 members, 1 diverged' })
    expect(n.notice({ type: 'sweep', sweep: done }, false)).toBeNull()

    const f = new ServiceNotices()
    f.notice(
      {
        type: 'sweep',
        sweep: sweep('running', [
          ['running', 'r0'],
          ['queued', null],
        ]),
      },
      false,
    )
    expect(
      f.notice(
        {
          type: 'sweep',
          sweep: sweep('incomplete', [
            ['finished', 'r0'],
            ['pending', null, 'the trainer could not start: out of memory'],
          ]),
        },
        false,
      ),
    ).toEqual({ sweepId: 'race-1', title: 'Sweep failed', body: 'race: 1 of 2 members did not finish (the trainer could not start: out of memory)' })
    // Focused, stopped by the user, or never seen running here: no notification.
    const g = new ServiceNotices()
    g.notice({ type: 'sweep', sweep: sweep('running', [['running', 'r0']]) }, true)
    expect(g.notice({ type: 'sweep', sweep: sweep('done', [['finished', 'r0']]) }, true)).toBeNull()
    g.notice({ type: 'sweep', sweep: sweep('running', [['running', 'r0']]) }, false)
    expect(g.notice({ type: 'sweep', sweep: sweep('stopped', [['stopped', 'r0']]) }, false)).toBeNull()
    expect(new ServiceNotices().notice({ type: 'sweep', sweep: done }, false)).toBeNull()
  })
})

describe('about', () => {
  it('names the app, Electron, Node, tfjs and backend versions and the data folder', () => {
    const lines = aboutLines({
      appVersion: '0.1.0',
      electron: '45.4.1',
      chrome: '142',
      node: '22.20.0',
      tfjs: '4.22.0',
      backend: { name: 'wasm', requested: 'auto', fallbackReasons: ['tensorflow: no binding'], tuning: ['adam'] },
      dataDir: '/home/u/.config/lr-lab',
    })
    expect(lines).toEqual([
      'LR Lab 0.1.0',
      'Electron 45.4.1 · Chromium 142',
      'Node 22.20.0',
      'TensorFlow.js 4.22.0',
      'Backend: wasm (tuned), fell back: tensorflow: no binding',
      'Data folder: /home/u/.config/lr-lab',
    ])
  })
})

describe('shell IPC arguments and dialogs', () => {
  it('checks every channel with a schema and names the bad argument', () => {
    expect(SHELL_CHANNELS.length).toBe(7)
    expect(checkShellArgs('saveRunZip', ['20260101-abc'])).toEqual(['20260101-abc'])
    expect(() => checkShellArgs('saveRunZip', ['../../etc'])).toThrow(/saveRunZip: 0: a run id is/)
    expect(() => checkShellArgs('saveTextFile', [42, 'x'])).toThrow(/saveTextFile: 0:/)
    expect(() => checkShellArgs('setMenuState', [{ hasFocusedRun: true, focusedRunLive: false, extra: 1 }])).toThrow(/setMenuState/)
    expect(() => checkShellArgs('pickCsvFile', ['surprise'])).toThrow(/pickCsvFile/)
    expect(checkShellArgs('pickFolder', [undefined])).toEqual(['Choose a folder'])
  })
  it('save dialogs get a bare file name in the chosen folder, never a path from the page', () => {
    const o = saveDialogOptions('../../.bashrc', 'csv', '/home/u/Downloads')
    expect(o.defaultPath).toBe('/home/u/Downloads/.._.._.bashrc')
    expect(saveDialogOptions('run.zip', 'zip').filters).toEqual([{ name: 'Zip archive', extensions: ['zip'] }])
    expect(() => saveDialogOptions('', 'csv')).toThrow()
  })
  it('open run: one dialog on macOS, else the kind the user picked', () => {
    expect(runDialogKind('darwin')).toBe('either')
    expect(runDialogKind('linux', 0)).toBe('zip')
    expect(runDialogKind('win32', 1)).toBe('folder')
    expect(runDialogKind('linux', 2)).toBeNull()
    expect(openRunDialogOptions('either').properties).toEqual(['openFile', 'openDirectory'])
    expect(chosenPath({ canceled: true, filePaths: ['/x'] })).toBeNull()
    expect(chosenPath({ canceled: false, filePaths: ['relative/x'] })).toBeNull()
    expect(chosenPath({ canceled: false, filePath: '/home/u/a.csv' })).toBe('/home/u/a.csv')
  })
})

describe('packaged paths', () => {
  it('maps files inside app.asar to app.asar.unpacked, leaves others alone', async () => {
    const { asarUnpacked } = await import('../../../electron/core/paths')
    expect(asarUnpacked('/opt/LR Lab/resources/app.asar/node_modules/@tensorflow/tfjs-backend-wasm/dist')).toBe(
      '/opt/LR Lab/resources/app.asar.unpacked/node_modules/@tensorflow/tfjs-backend-wasm/dist',
    )
    expect(asarUnpacked('C:\\LR Lab\\resources\\app.asar\\node_modules\\x')).toBe('C:\\LR Lab\\resources\\app.asar.unpacked\\node_modules\\x')
    expect(asarUnpacked('/work/lrlab/node_modules/x')).toBe('/work/lrlab/node_modules/x')
    expect(asarUnpacked('/opt/app.asar.unpacked/x')).toBe('/opt/app.asar.unpacked/x')
  })
})
