import { describe, expect, it } from 'vitest'
import { buildMenuTemplate, MAX_RECENT, type MenuAction, type MenuItem, type MenuState } from '../../../electron/shell/menu'
import { COMMANDS, commandEnabled, isBareKey, visibleCommands, type CommandSpec } from '../../../shared/commands'

const base: MenuState = { platform: 'linux', recentRuns: [], devTools: false, desktop: true, hasFocusedRun: false, focusedRunLive: false }

function flat(items: MenuItem[]): MenuItem[] {
  return items.flatMap((i) => [i, ...flat(i.submenu ?? [])])
}
function byId(items: MenuItem[], id: string): MenuItem {
  const found = flat(items).find((i) => i.id === id)
  if (!found) throw new Error(`no menu item ${id}`)
  return found
}

describe('menu template (state in, template out)', () => {
  it('has the File, Edit, Run, View and Help menus with every command, in order', () => {
    const t = buildMenuTemplate(base, () => {})
    expect(t.map((m) => m.label)).toEqual(['File', 'Edit', 'Run', 'View', 'Help'])
    const file = t[0]!.submenu!.filter((i) => i.type !== 'separator').map((i) => i.label)
    expect(file).toEqual([
      'New experiment',
      'Open run… (folder or .zip)',
      'Import CSV dataset…',
      'Export run CSV…',
      'Export comparison report…',
      'Export run as .zip',
      'Open data folder',
      'Recent runs',
      'Quit',
    ])
    expect(t[2]!.submenu!.filter((i) => i.type !== 'separator').map((i) => i.label)).toEqual(['Start', 'Pause / Resume', 'Stop', 'Find LR'])
    expect(t[4]!.submenu!.map((i) => i.label)).toEqual(['Keyboard shortcuts', 'About LR Lab'])
    for (const c of visibleCommands(true)) expect(byId(t, c.id).label).toBe(c.label)
    // The browser's second chooser has no place in the menu bar, whose dialog takes a folder or a .zip.
    expect(JSON.stringify(t)).not.toContain('open-run-folder')
  })

  it('on macOS puts the app menu first and leaves Quit to it', () => {
    const t = buildMenuTemplate({ ...base, platform: 'darwin' }, () => {})
    expect(t[0]!.role).toBe('appMenu')
    expect(flat(t).some((i) => i.role === 'quit')).toBe(false)
  })

  it('greys out run commands without a focused run and live-run commands unless it trains', () => {
    let t = buildMenuTemplate(base, () => {})
    expect(byId(t, 'export-csv').enabled).toBe(false)
    expect(byId(t, 'stop-run').enabled).toBe(false)
    expect(byId(t, 'start-run').enabled).toBe(true)
    t = buildMenuTemplate({ ...base, hasFocusedRun: true }, () => {})
    expect(byId(t, 'export-zip').enabled).toBe(true)
    expect(byId(t, 'pause-resume').enabled).toBe(false)
    t = buildMenuTemplate({ ...base, hasFocusedRun: true, focusedRunLive: true }, () => {})
    expect(byId(t, 'pause-resume').enabled).toBe(true)
    expect(byId(t, 'stop-run').enabled).toBe(true)
  })

  it('dispatches the command id on click; zoom items use Electron roles', () => {
    const got: MenuAction[] = []
    const t = buildMenuTemplate(base, (a) => got.push(a))
    byId(t, 'open-run').click!()
    byId(t, 'about').click!()
    expect(got).toEqual([{ command: 'open-run' }, { command: 'about' }])
    expect(byId(t, 'zoom-in').role).toBe('zoomIn')
    expect(byId(t, 'zoom-in').click).toBeUndefined()
  })

  it('lists recent runs (at most MAX_RECENT) and opens the one clicked', () => {
    const got: MenuAction[] = []
    const runs = Array.from({ length: 14 }, (_, i) => ({ id: `run-${i}`, name: i === 0 ? 'run-0' : `Adam ${i}` }))
    const t = buildMenuTemplate({ ...base, recentRuns: runs }, (a) => got.push(a))
    const recent = byId(t, 'recent-runs').submenu!
    expect(recent).toHaveLength(MAX_RECENT)
    expect(recent[0]!.label).toBe('run-0')
    expect(recent[1]!.label).toBe('Adam 1 (run-1)')
    recent[1]!.click!()
    expect(got).toEqual([{ openRun: 'run-1' }])
    const empty = byId(
      buildMenuTemplate(base, () => {}),
      'recent-runs',
    ).submenu!
    expect(empty).toEqual([{ label: 'No runs yet', enabled: false }])
  })

  it("shows the renderer's shortcuts and registers none the page handles itself (typing in a field must not trigger them)", () => {
    const t = buildMenuTemplate(base, () => {})
    expect(byId(t, 'start-run').accelerator).toBe('CmdOrCtrl+Enter')
    expect(byId(t, 'export-csv').accelerator).toBe('E')
    expect(byId(t, 'view-library').accelerator).toBe('2')
    for (const c of COMMANDS as readonly CommandSpec[]) {
      if (!c.accelerator) continue
      const item = byId(t, c.id)
      // Every bare key is the page's; a registered bare key would fire while typing.
      if (isBareKey(c.accelerator)) expect(c.pageKey, c.id).toBe(true)
      expect(item.registerAccelerator, c.id).toBe(c.pageKey ? false : undefined)
    }
  })

  it('the browser shows the same commands less the desktop-only ones', () => {
    const browser = visibleCommands(false).map((c) => c.id)
    expect(browser).toContain('open-run')
    expect(browser).toContain('export-zip')
    expect(browser).not.toContain('open-data-folder')
    expect(browser).not.toContain('zoom-in')
    const openData = COMMANDS.find((c) => c.id === 'open-data-folder')!
    expect(commandEnabled(openData, { ...base, desktop: false })).toBe(false)
  })
})
