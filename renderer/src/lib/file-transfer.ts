/** Files between the page and the service in browser mode: picking, base64 for uploads, downloads. */
import { downloadBlob } from './download'

/** Opens the browser's file chooser; resolves with the chosen file, or null when cancelled. */
export function chooseFile(accept: string): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input')
    input.type = 'file'
    input.accept = accept
    input.dataset['testid'] = 'file-chooser'
    input.style.display = 'none'
    input.addEventListener('change', () => {
      resolve(input.files?.[0] ?? null)
      input.remove()
    })
    input.addEventListener('cancel', () => {
      resolve(null)
      input.remove()
    })
    document.body.append(input)
    input.click()
  })
}

export async function fileToBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  const native = (bytes as unknown as { toBase64?: () => string }).toBase64
  if (native) return native.call(bytes)
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}

export function downloadBase64(filename: string, base64: string, mime: string): void {
  const s = atob(base64)
  const bytes = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i)
  downloadBlob(filename, new Blob([bytes], { type: mime }))
}

/** What a dropped or chosen file is for, by its name. */
export function fileKind(name: string): 'run-zip' | 'csv' | null {
  const n = name.toLowerCase()
  return n.endsWith('.zip') ? 'run-zip' : n.endsWith('.csv') ? 'csv' : null
}
