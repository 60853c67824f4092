/**
 * The app's commands, one list for both shells: Electron's menu bar is built from it
 * (electron/shell/menu.ts) and the browser mode's command menu shows the same entries.
 * Accelerators follow the renderer's own shortcuts (App.svelte's key handler) wherever a
 * command has one, so a menu never advertises a key that does something else.
 */
export const MENUS = ['file', 'run', 'view', 'help'] as const
export type MenuId = (typeof MENUS)[number]
export const MENU_LABELS: Record<MenuId, string> = { file: 'File', run: 'Run', view: 'View', help: 'Help' }

export interface CommandSpec {
  id: string
  label: string
  menu: MenuId
  /** Electron accelerator syntax ("CmdOrCtrl+Enter"); the key shown in the browser's menu derives from it. */
  accelerator?: string
  /** Only a desktop window can do it (a native dialog or the OS file manager). */
  desktopOnly?: boolean
  /** Only the browser mode needs it (what one native dialog does takes two browser choosers). */
  browserOnly?: boolean
  /** The label in the browser's menu when it differs from the desktop's. */
  browserLabel?: string
  /** Needs a focused run; the menu greys it out otherwise. */
  needsRun?: boolean
  /** A separator goes before this entry. */
  groupStart?: boolean
  /**
   * The page's own key handler owns this key (it knows when the user is typing in a field):
   * the menu shows the key but does not register it, or a bare "E" in a text box would export.
   */
  pageKey?: boolean
}

export const COMMANDS = [
  { id: 'new-experiment', label: 'New experiment', menu: 'file', accelerator: 'CmdOrCtrl+N' },
  { id: 'open-run', label: 'Open run… (folder or .zip)', browserLabel: 'Open run .zip…', menu: 'file', accelerator: 'CmdOrCtrl+O', groupStart: true },
  { id: 'open-run-folder', label: 'Open run folder…', menu: 'file', browserOnly: true },
  { id: 'import-csv', label: 'Import CSV dataset…', menu: 'file' },
  { id: 'export-csv', label: 'Export run CSV…', menu: 'file', accelerator: 'E', needsRun: true, groupStart: true, pageKey: true },
  { id: 'export-report', label: 'Export comparison report…', menu: 'file' },
  { id: 'export-zip', label: 'Export run as .zip', menu: 'file', needsRun: true },
  { id: 'open-data-folder', label: 'Open data folder', menu: 'file', desktopOnly: true, groupStart: true },
  { id: 'start-run', label: 'Start', menu: 'run', accelerator: 'CmdOrCtrl+Enter', pageKey: true },
  { id: 'pause-resume', label: 'Pause / Resume', menu: 'run', accelerator: 'Space', needsRun: true, pageKey: true },
  { id: 'stop-run', label: 'Stop', menu: 'run', accelerator: 'Escape', needsRun: true, pageKey: true },
  { id: 'find-lr', label: 'Find LR', menu: 'run', groupStart: true },
  { id: 'view-dashboard', label: 'Dashboard', menu: 'view', accelerator: '1', pageKey: true },
  { id: 'view-library', label: 'Library', menu: 'view', accelerator: '2', pageKey: true },
  { id: 'view-finder', label: 'LR finder', menu: 'view', accelerator: '3', pageKey: true },
  { id: 'cycle-theme', label: 'Theme: system → light → dark', menu: 'view', accelerator: 'T', groupStart: true, pageKey: true },
  { id: 'zoom-in', label: 'Zoom in', menu: 'view', accelerator: 'CmdOrCtrl+=', desktopOnly: true, groupStart: true },
  { id: 'zoom-out', label: 'Zoom out', menu: 'view', accelerator: 'CmdOrCtrl+-', desktopOnly: true },
  { id: 'zoom-reset', label: 'Actual size', menu: 'view', accelerator: 'CmdOrCtrl+0', desktopOnly: true },
  { id: 'shortcuts', label: 'Keyboard shortcuts', menu: 'help', accelerator: 'Shift+/', pageKey: true },
  { id: 'about', label: 'About LR Lab', menu: 'help' },
] as const satisfies readonly CommandSpec[]

export type CommandId = (typeof COMMANDS)[number]['id']
export const COMMAND_IDS = COMMANDS.map((c) => c.id) as CommandId[]

export function isCommandId(v: unknown): v is CommandId {
  return typeof v === 'string' && (COMMAND_IDS as string[]).includes(v)
}

/** Single keys the page handles itself; a menu must not register them globally or typing in a field would trigger them. */
export function isBareKey(accelerator: string): boolean {
  return !/(CmdOrCtrl|CommandOrControl|Ctrl|Control|Cmd|Command|Alt|Option|Super)\+/.test(accelerator)
}

/** The key as the browser's menu shows it ("Ctrl+Enter", "Space", "?"). */
export function keyLabel(accelerator: string, mac = false): string {
  if (accelerator === 'Shift+/') return '?'
  if (accelerator === 'Escape') return 'Esc'
  return accelerator.replace('CmdOrCtrl', mac ? '⌘' : 'Ctrl')
}

/** How the window stands, as far as the menu's enabled states and the Recent runs list go. */
export interface CommandState {
  hasFocusedRun: boolean
  focusedRunLive: boolean
  desktop: boolean
}

export function commandEnabled(c: CommandSpec, s: CommandState): boolean {
  if (c.desktopOnly && !s.desktop) return false
  if (c.browserOnly && s.desktop) return false
  if (c.id === 'pause-resume' || c.id === 'stop-run') return s.focusedRunLive
  if (c.needsRun) return s.hasFocusedRun
  return true
}

/** The commands a shell shows: desktop-only ones are left out of the browser's menu, browser-only ones out of the menu bar. */
export function visibleCommands(desktop: boolean): CommandSpec[] {
  return COMMANDS.filter((c: CommandSpec) => (desktop ? !c.browserOnly : !c.desktopOnly))
}

/** A command's label in one shell or the other. */
export function commandLabel(c: CommandSpec, desktop: boolean): string {
  return (!desktop && c.browserLabel) || c.label
}
