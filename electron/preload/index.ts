/**
 * The only bridge between the sandboxed renderer and the main process: one typed object,
 * `window.lrlab`, whose functions each invoke one named channel. ipcRenderer itself is never exposed.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import { API_METHODS } from '../../shared/api-methods'
import type { ElectronBridge, ServiceEvent, ShellAction } from '../../shared/api'
import { EVENT_CHANNEL, SHELL_ACTION_CHANNEL, SHELL_CHANNELS } from '../shell/ipc-channels'

const invokers = Object.fromEntries([...API_METHODS, ...SHELL_CHANNELS].map((name) => [name, (...args: unknown[]) => ipcRenderer.invoke(`lrlab:${name}`, ...args)])) as unknown as Omit<
  ElectronBridge,
  'onEvent' | 'onShellAction' | 'pathForFile'
>

function listen<T>(channel: string, listener: (v: T) => void): () => void {
  const handler = (_e: IpcRendererEvent, v: T): void => listener(v)
  ipcRenderer.on(channel, handler)
  return () => void ipcRenderer.off(channel, handler)
}

const bridge: ElectronBridge = {
  ...invokers,
  onEvent: (l) => listen<ServiceEvent>(EVENT_CHANNEL, l),
  onShellAction: (l) => listen<ShellAction>(SHELL_ACTION_CHANNEL, l),
  pathForFile: (file) => webUtils.getPathForFile(file),
}

contextBridge.exposeInMainWorld('lrlab', bridge)
