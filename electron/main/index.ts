/**
 * The Electron shell: window, menu, dialogs, and IPC wired to the Electron-free service.
 * Training runs in utility processes forked from the same entry module the Node host uses.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, utilityProcess, type IpcMainInvokeEvent } from 'electron'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { API_METHODS } from '../../shared/api-methods'
import { LrLabService } from '../core/service'
import { quitAfterShutdown } from '../core/quit-gate'
import type { SpawnTrainer } from '../core/trainer-process'
import type { TrainerToHost } from '../trainer/protocol'

app.setName('lr-lab')
const dataDir = process.env.LRLAB_DATA_DIR ?? app.getPath('userData')
const rendererUrl = process.env.ELECTRON_RENDERER_URL // set by electron-vite dev

const spawnUtilityTrainer: SpawnTrainer = () => {
  const child = utilityProcess.fork(join(__dirname, 'trainer.js'), [], { serviceName: 'LR Lab trainer', stdio: 'inherit' })
  return {
    send: (m) => child.postMessage(m),
    onMessage: (cb) => child.on('message', (m: unknown) => cb(m as TrainerToHost)),
    onExit: (cb) => child.on('exit', (code) => cb(code)),
    kill: () => void child.kill(),
  }
}

/** Only our own page may call the API. */
function trustedSender(e: IpcMainInvokeEvent): boolean {
  const url = e.senderFrame?.url
  if (!url) return false
  const u = new URL(url)
  if (rendererUrl) return u.origin === new URL(rendererUrl).origin
  return u.protocol === 'file:'
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 1024,
    minHeight: 700,
    title: 'LR Lab',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  })
  win.once('ready-to-show', () => win.show())
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (e, url) => {
    if (!(rendererUrl && url.startsWith(rendererUrl))) e.preventDefault()
  })
  if (rendererUrl) void win.loadURL(rendererUrl)
  else void win.loadFile(join(__dirname, '../renderer/index.html'))
  return win
}

app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false))
  const service = new LrLabService({ dataDir, host: 'electron', spawnTrainer: spawnUtilityTrainer, backend: null })
  for (const method of API_METHODS) {
    ipcMain.handle(`lrlab:${method}`, (e, ...args) => {
      if (!trustedSender(e)) throw new Error('refused: untrusted sender')
      return service.call(method, args)
    })
  }
  ipcMain.handle('lrlab:saveTextFile', async (e, suggestedName: unknown, text: unknown) => {
    if (!trustedSender(e)) throw new Error('refused: untrusted sender')
    if (typeof suggestedName !== 'string' || typeof text !== 'string') throw new Error('saveTextFile: expected (name: string, text: string)')
    const win = BrowserWindow.fromWebContents(e.sender)
    const r = await dialog.showSaveDialog(win!, { defaultPath: suggestedName.replace(/[\\/]/g, '_'), filters: [{ name: 'CSV', extensions: ['csv'] }] })
    if (r.canceled || !r.filePath) return null
    await writeFile(r.filePath, text, 'utf8')
    return r.filePath
  })
  ipcMain.handle('lrlab:pickFolder', async (e, title: unknown) => {
    if (!trustedSender(e)) throw new Error('refused: untrusted sender')
    const win = BrowserWindow.fromWebContents(e.sender)
    const r = await dialog.showOpenDialog(win!, { title: typeof title === 'string' ? title.slice(0, 200) : 'Choose a folder', properties: ['openDirectory'] })
    return r.canceled ? null : (r.filePaths[0] ?? null)
  })
  const win = createWindow()
  service.onEvent((event) => {
    if (!win.isDestroyed()) win.webContents.send('lrlab:event', event)
  })
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
      { role: 'help', submenu: [{ label: 'Runs folder', click: () => void shell.openPath(join(dataDir, 'runs')) }] },
    ]),
  )
  app.on('before-quit', quitAfterShutdown(() => service.shutdown(), () => app.quit()))
})

app.on('window-all-closed', () => app.quit())
