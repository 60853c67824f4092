/** Files between the page and the service in browser mode: picking, base64 for uploads, downloads. */
import { zipSync, type Zippable } from 'fflate'
import { downloadBlob } from './download'

/** Opens the browser's chooser (a hidden file input set up by `setUp`); resolves with the files chosen, or null when cancelled. */
function choose(setUp: (input: HTMLInputElement) => void): Promise<File[] | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input')
    input.type = 'file'
    input.style.display = 'none'
    setUp(input)
    const done = (files: File[] | null): void => {
      resolve(files?.length ? files : null)
      input.remove()
    }
    input.addEventListener('change', () => done(input.files ? [...input.files] : null))
    input.addEventListener('cancel', () => done(null))
    document.body.append(input)
    input.click()
  })
}

/** One file of the kinds `accept` names, or null. */
export async function chooseFile(accept: string): Promise<File | null> {
  const files = await choose((input) => {
    input.accept = accept
    input.dataset['testid'] = 'file-chooser'
  })
  return files?.[0] ?? null
}

/** A folder's files (each with its webkitRelativePath), or null. */
export function chooseFolder(): Promise<File[] | null> {
  return choose((input) => {
    input.webkitdirectory = true
    input.dataset['testid'] = 'folder-chooser'
  })
}

/** A file of a folder handed to the page, with its path inside that folder ("run/steps.arrow"). */
export interface FolderFile {
  path: string
  file: File
}

/** The files of a dropped folder, walked through the entries API (a drop carries no paths otherwise). */
export async function droppedFolderFiles(entry: FileSystemDirectoryEntry): Promise<FolderFile[]> {
  const out: FolderFile[] = []
  const walk = async (dir: FileSystemDirectoryEntry, prefix: string): Promise<void> => {
    const reader = dir.createReader()
    // readEntries hands over a batch at a time (100 in Chromium) until an empty one.
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej))
      if (!batch.length) break
      for (const e of batch) {
        if (e.isDirectory) await walk(e as FileSystemDirectoryEntry, `${prefix}${e.name}/`)
        else out.push({ path: `${prefix}${e.name}`, file: await new Promise<File>((res, rej) => (e as FileSystemFileEntry).file(res, rej)) })
      }
    }
  }
  await walk(entry, `${entry.name}/`)
  return out
}

/**
 * A run folder handed to the page, as the .zip the service opens (one top folder, as
 * "Export run as .zip" writes): a browser gives the page a folder's files, never its path,
 * so they travel the same way as a chosen .zip and are checked by the same code.
 */
export async function zipFolderFiles(files: FolderFile[]): Promise<{ name: string; base64: string }> {
  if (!files.length) throw new Error('the folder is empty')
  const tree: Zippable = {}
  for (const f of files) tree[f.path] = [new Uint8Array(await f.file.arrayBuffer()), { level: 0 }]
  return { name: `${files[0]!.path.split('/')[0]}.zip`, base64: bytesToBase64(zipSync(tree)) }
}

/** The files a folder chooser returned, with their paths inside the chosen folder. */
export function chosenFolderFiles(files: File[]): FolderFile[] {
  return files.map((file) => ({ path: file.webkitRelativePath || file.name, file }))
}

export async function fileToBase64(file: File): Promise<string> {
  return bytesToBase64(new Uint8Array(await file.arrayBuffer()))
}

function bytesToBase64(bytes: Uint8Array): string {
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
