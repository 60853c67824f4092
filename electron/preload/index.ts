/**
 * The only bridge between the sandboxed renderer and the main process: one typed object,
 * `window.lrlab`, whose functions each invoke one named channel. ipcRenderer itself is never exposed.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { API_METHODS } from '../../shared/api-methods'
import type { ElectronBridge, ServiceEvent } from '../../shared/api'

const api = Object.fromEntries(
  API_METHODS.map((method) => [method, (...args: unknown[]) => ipcRenderer.invoke(`lrlab:${method}`, ...args)]),
) as unknown as Omit<ElectronBridge, 'onEvent' | 'saveTextFile' | 'pickFolder'>

const bridge: ElectronBridge = {
  ...api,
  onEvent(listener) {
    const handler = (_e: IpcRendererEvent, event: ServiceEvent): void => listener(event)
    ipcRenderer.on('lrlab:event', handler)
    return () => void ipcRenderer.off('lrlab:event', handler)
  },
  saveTextFile: (suggestedName, text) => ipcRenderer.invoke('lrlab:saveTextFile', suggestedName, text),
  pickFolder: (title) => ipcRenderer.invoke('lrlab:pickFolder', title),
}

contextBridge.exposeInMainWorld('lrlab', bridge)
