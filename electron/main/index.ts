/**
 * The Electron shell: thin wiring of Electron's objects to Electron-free decisions in
 * electron/shell/* (menus, security policy, IPC argument checks, window state, open targets,
 * notifications, the close question) and to the service. Training runs in utility processes
 * (so the RunAsNode fuse can stay off), forked from the same entry module the Node host uses.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, screen, session, shell, utilityProcess, type IpcMainInvokeEvent } from 'electron'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { API_METHODS } from '../../shared/api-methods'
import { ipcReply, type ShellAction } from '../../shared/api'
import { ServiceNotices } from '../../shared/notifications'
import { LrLabService } from '../core/service'
import { quitAfterShutdown } from '../core/quit-gate'
import type { SpawnTrainer } from '../core/trainer-process'
import type { TrainerToHost } from '../trainer/protocol'
import { buildMenuTemplate, MAX_RECENT, type MenuAction, type RecentRun } from '../shell/menu'
import { allowNavigation, allowPermission, contentSecurityPolicy, externalUrlToOpen, isTrustedSender, type RendererOrigin } from '../shell/security'
import { checkShellArgs, chosenPath, CSV_DIALOG, openRunDialogOptions, RUN_KIND_QUESTION, runDialogKind, saveDialogOptions } from '../shell/ipc'
import { EVENT_CHANNEL, SHELL_ACTION_CHANNEL, SHELL_CHANNELS, type ShellChannel } from '../shell/ipc-channels'
import { loadWindowState, MIN_SIZE, restoreBounds, saveWindowState, stateToSave } from '../shell/window-state'
import { targetsFromArgv, type OpenTarget } from '../shell/open-targets'
import { closeChoice, closeQuestion } from '../shell/close-guard'
import { aboutLines } from '../shell/about'

app.setName('lr-lab')
const dataDir = process.env.LRLAB_DATA_DIR ?? app.getPath('userData')
const devUrl = process.env.ELECTRON_RENDERER_URL // set by electron-vite dev
const indexHtml = join(__dirname, '../renderer/index.html')
const origin: RendererOrigin = devUrl ? { kind: 'dev', url: devUrl } : { kind: 'file', indexPath: indexHtml }
const windowStateFile = join(dataDir, 'window-state.json')

// One app per data folder: a second launch hands its paths to the first and quits.
if (!app.requestSingleInstanceLock()) app.quit()

const spawnUtilityTrainer: SpawnTrainer = () => {
  const child = utilityProcess.fork(join(__dirname, 'trainer.js'), [], { serviceName: 'LR Lab trainer', stdio: 'inherit' })
  return {
    send: (m) => child.postMessage(m),
    onMessage: (cb) => child.on('message', (m: unknown) => cb(m as TrainerToHost)),
    onExit: (cb) => child.on('exit', (code) => cb(code)),
    kill: () => void child.kill(),
  }
}

let win: BrowserWindow | null = null
let service: LrLabService | null = null
let quitting = false
let menuState = { hasFocusedRun: false, focusedRunLive: false }
let recentRuns: RecentRun[] = []
const pendingTargets: OpenTarget[] = targetsFromArgv(process.argv, app.isPackaged, process.cwd())

function act(a: ShellAction): void {
  if (!win || win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  win.show()
  win.focus()
  win.webContents.send(SHELL_ACTION_CHANNEL, a)
}

function openTargets(targets: OpenTarget[]): void {
  for (const t of targets) {
    if (t.kind === 'unsupported') dialog.showErrorBox('LR Lab cannot open this', `${t.path}: ${t.reason}`)
    else act({ openPath: t.path, kind: t.kind })
  }
}

function rebuildMenu(): void {
  const dispatch = (a: MenuAction): void => act(a)
  const template = buildMenuTemplate({ ...menuState, desktop: true, platform: process.platform, recentRuns, devTools: !app.isPackaged }, dispatch)
  Menu.setApplicationMenu(Menu.buildFromTemplate(template satisfies Electron.MenuItemConstructorOptions[]))
}

async function refreshRecent(): Promise<void> {
  recentRuns = (await service!.listRuns())
    .filter((r) => !r.watchedFolder)
    .slice(0, MAX_RECENT)
    .map((r) => ({ id: r.id, name: r.name }))
  rebuildMenu()
}

function trusted(e: IpcMainInvokeEvent): void {
  if (!isTrustedSender(e.senderFrame ? { url: e.senderFrame.url, isMainFrame: e.senderFrame.parent === null } : null, origin)) throw new Error('refused: untrusted sender')
}

async function pickRun(): Promise<string | null> {
  const answer = process.platform === 'darwin' ? undefined : (await dialog.showMessageBox(win!, RUN_KIND_QUESTION)).response
  const kind = runDialogKind(process.platform, answer)
  return kind ? chosenPath(await dialog.showOpenDialog(win!, openRunDialogOptions(kind))) : null
}

const shellHandlers: { [K in ShellChannel]: (args: never) => Promise<unknown> } = {
  saveTextFile: async ([name, text]: [string, string]) => {
    const path = chosenPath(await dialog.showSaveDialog(win!, saveDialogOptions(name, 'csv', app.getPath('downloads'))))
    if (path) await writeFile(path, text, 'utf8')
    return path
  },
  pickFolder: async ([title]: [string]) => chosenPath(await dialog.showOpenDialog(win!, { title, properties: ['openDirectory'] })),
  pickRunToOpen: () => pickRun(),
  pickCsvFile: async () => chosenPath(await dialog.showOpenDialog(win!, CSV_DIALOG)),
  saveRunZip: async ([runId]: [string]) => {
    const bytes = service!.runZip(runId) // before the dialog: a running or unknown run fails at once
    const path = chosenPath(await dialog.showSaveDialog(win!, saveDialogOptions(`${runId}.zip`, 'zip', app.getPath('downloads'))))
    if (path) await writeFile(path, bytes)
    return path
  },
  openDataFolder: async () => void (await shell.openPath(dataDir)),
  setMenuState: async ([s]: [typeof menuState]) => {
    menuState = s
    rebuildMenu()
  },
}

function createWindow(): BrowserWindow {
  const bounds = restoreBounds(
    loadWindowState(windowStateFile),
    screen.getAllDisplays().map((d) => d.workArea),
  )
  const w = new BrowserWindow({
    ...bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'LR Lab',
    icon: join(__dirname, '../../build/icon.png'),
    show: false,
    webPreferences: { preload: join(__dirname, '../preload/index.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, disableBlinkFeatures: 'Auxclick' },
  })
  if (bounds.maximized) w.maximize()
  w.once('ready-to-show', () => {
    w.show()
    openTargets(pendingTargets.splice(0))
  })
  w.on('close', (e) => {
    saveWindowState(windowStateFile, stateToSave(w.getNormalBounds(), w.isMaximized()))
    if (quitting) return
    const q = closeQuestion(service!.liveRuns())
    if (!q) return
    e.preventDefault()
    void dialog.showMessageBox(w, q).then(async ({ response }) => {
      if (closeChoice(response) !== 'stop-and-quit') return
      quitting = true
      await service!.shutdown()
      app.quit()
    })
  })
  if (devUrl) void w.loadURL(devUrl)
  else void w.loadFile(indexHtml)
  return w
}

app.on('second-instance', (_e, argv, cwd) => {
  act({ command: 'view-dashboard' })
  openTargets(targetsFromArgv(argv, app.isPackaged, cwd))
})
app.on('open-file', (e, path) => {
  e.preventDefault()
  const targets = targetsFromArgv(['', path], true, process.cwd())
  if (win) openTargets(targets)
  else pendingTargets.push(...targets)
})

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (e, url) => {
    if (!allowNavigation(url, origin)) e.preventDefault()
  })
  contents.on('will-attach-webview', (e) => e.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrlToOpen(url)
    if (external) void shell.openExternal(external)
    return { action: 'deny' }
  })
})

app.whenReady().then(async () => {
  const ses = session.defaultSession
  ses.setPermissionRequestHandler((wc, permission, cb) => cb(allowPermission(permission, wc.getURL(), origin)))
  ses.setPermissionCheckHandler((wc, permission) => allowPermission(permission, wc?.getURL() ?? '', origin))
  // The meta tag covers file://; the header covers the dev server too.
  ses.webRequest.onHeadersReceived((d, cb) => cb({ responseHeaders: { ...d.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy(devUrl ? [`ws://${new URL(devUrl).host}`] : [])] } }))

  service = new LrLabService({ dataDir, host: 'electron', spawnTrainer: spawnUtilityTrainer, backend: null })
  const info = await service.getInfo()
  app.setAboutPanelOptions({
    applicationName: 'LR Lab',
    applicationVersion: info.version,
    credits: aboutLines({
      appVersion: info.version,
      electron: process.versions.electron,
      chrome: process.versions.chrome,
      node: process.versions.node,
      tfjs: info.versions.tfjs,
      backend: info.backend,
      dataDir,
    }).join('\n'),
  })
  for (const method of API_METHODS) {
    ipcMain.handle(`lrlab:${method}`, (e, ...args) => {
      trusted(e)
      return ipcReply(() => service!.call(method, args)) // the service checks each method's arguments with zod
    })
  }
  for (const channel of SHELL_CHANNELS) {
    ipcMain.handle(`lrlab:${channel}`, (e, ...args) => {
      trusted(e)
      return shellHandlers[channel](checkShellArgs(channel, args) as never)
    })
  }
  win = createWindow()
  const notices = new ServiceNotices()
  service.onEvent((event) => {
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event)
    if (event.type === 'library') void refreshRecent()
    const notice = notices.notice(event, !!win?.isFocused())
    if (notice && Notification.isSupported()) {
      const n = new Notification({ title: notice.title, body: notice.body })
      n.on('click', () => act(notice.runId !== undefined ? { openRun: notice.runId } : { openSweep: notice.sweepId }))
      n.show()
    }
  })
  await refreshRecent()
  app.on(
    'before-quit',
    quitAfterShutdown(
      () => service?.shutdown() ?? Promise.resolve(),
      () => app.quit(),
    ),
  )
})

app.on('window-all-closed', () => app.quit())
