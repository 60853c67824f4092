/**
 * The menu bar as data: state in, template out. Electron-free, so the whole menu is unit-tested;
 * electron/main only hands the result to Menu.buildFromTemplate. The items are structurally
 * Electron's MenuItemConstructorOptions (label, accelerator, registerAccelerator, enabled,
 * type, role, submenu, click).
 */
import { MENUS, MENU_LABELS, commandEnabled, visibleCommands, type CommandId, type CommandSpec, type CommandState, type MenuId } from '../../shared/commands'

export interface MenuItem {
  id?: string
  label?: string
  accelerator?: string
  registerAccelerator?: boolean
  enabled?: boolean
  type?: 'separator' | 'normal' | 'submenu'
  role?:
    | 'quit'
    | 'undo'
    | 'redo'
    | 'cut'
    | 'copy'
    | 'paste'
    | 'selectAll'
    | 'toggleDevTools'
    | 'togglefullscreen'
    | 'close'
    | 'minimize'
    | 'about'
    | 'hide'
    | 'hideOthers'
    | 'unhide'
    | 'appMenu'
    | 'editMenu'
    | 'windowMenu'
  submenu?: MenuItem[]
  click?: () => void
}

export interface RecentRun {
  id: string
  name: string
}

export interface MenuState extends CommandState {
  platform: NodeJS.Platform
  recentRuns: RecentRun[]
  /** Developer tools only in development builds. */
  devTools: boolean
}

/** What a click does: a command, or opening one of the recent runs. */
export type MenuAction = { command: CommandId } | { openRun: string }

export const MAX_RECENT = 10

/** Electron's zoom roles handle these; routing them through the page would lose Ctrl+scroll parity. */
const ZOOM_ROLES: Partial<Record<CommandId, string>> = { 'zoom-in': 'zoomIn', 'zoom-out': 'zoomOut', 'zoom-reset': 'resetZoom' }

function commandItem(c: CommandSpec, s: MenuState, dispatch: (a: MenuAction) => void): MenuItem {
  const item: MenuItem = { id: c.id, label: c.label, enabled: commandEnabled(c, s), click: () => dispatch({ command: c.id as CommandId }) }
  const role = ZOOM_ROLES[c.id as CommandId]
  if (role) {
    delete item.click
    item.role = role as MenuItem['role']
  }
  if (c.accelerator) {
    item.accelerator = c.accelerator
    if (c.pageKey) item.registerAccelerator = false
  }
  return item
}

function recentSubmenu(s: MenuState, dispatch: (a: MenuAction) => void): MenuItem {
  const runs = s.recentRuns.slice(0, MAX_RECENT)
  return {
    id: 'recent-runs',
    label: 'Recent runs',
    submenu: runs.length
      ? runs.map((r) => ({ id: `recent:${r.id}`, label: r.name === r.id ? r.id : `${r.name} (${r.id})`, click: () => dispatch({ openRun: r.id }) }))
      : [{ label: 'No runs yet', enabled: false }],
  }
}

export function buildMenuTemplate(s: MenuState, dispatch: (a: MenuAction) => void): MenuItem[] {
  const mac = s.platform === 'darwin'
  const menus: MenuItem[] = []
  if (mac) menus.push({ label: 'LR Lab', role: 'appMenu' })
  for (const menu of MENUS) {
    const items: MenuItem[] = []
    for (const c of visibleCommands(true).filter((c) => c.menu === menu)) {
      if ((c as CommandSpec).groupStart && items.length) items.push({ type: 'separator' })
      items.push(commandItem(c, s, dispatch))
    }
    extras(menu, s, dispatch, items)
    menus.push({ label: MENU_LABELS[menu], id: `menu-${menu}`, submenu: items })
    // The edit menu keeps copy/paste (and their shortcuts) working in text fields.
    if (menu === 'file') menus.push({ label: 'Edit', role: 'editMenu' })
  }
  return menus
}

function extras(menu: MenuId, s: MenuState, dispatch: (a: MenuAction) => void, items: MenuItem[]): void {
  const mac = s.platform === 'darwin'
  if (menu === 'file') {
    items.push(recentSubmenu(s, dispatch))
    if (!mac) items.push({ type: 'separator' }, { label: 'Quit', role: 'quit' })
  }
  if (menu === 'view') {
    items.push({ type: 'separator' }, { label: 'Full screen', role: 'togglefullscreen' })
    if (s.devTools) items.push({ label: 'Developer tools', role: 'toggleDevTools' })
  }
}
