/**
 * Argument checks for the shell's IPC channels and the dialogs they open. Every channel's
 * arguments pass a zod tuple (a bad call is refused naming the argument), and the options
 * handed to Electron's dialogs are built here, from checked values only.
 */
import { z } from 'zod'
import { RunIdSchema } from '../../shared/api'
import { formatIssues } from '../../shared/config'
import type { ShellChannel } from './ipc-channels'

/** A CSV written through the save dialog; far above any export, far below what would hurt. */
export const MAX_SAVED_TEXT = 512 * 1024 * 1024

const FileNameSchema = z
  .string()
  .trim()
  .min(1, 'a file name is required')
  .max(200, 'a file name is at most 200 characters')
  .transform((s) => s.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_'))

export const SHELL_ARGS = {
  saveTextFile: z.tuple([FileNameSchema, z.string().max(MAX_SAVED_TEXT, 'the text is too large to save')]),
  pickFolder: z.tuple([z.string().max(200).default('Choose a folder')]),
  pickRunToOpen: z.tuple([]),
  pickCsvFile: z.tuple([]),
  saveRunZip: z.tuple([RunIdSchema]),
  openDataFolder: z.tuple([]),
  setMenuState: z.tuple([z.object({ hasFocusedRun: z.boolean(), focusedRunLive: z.boolean() }).strict()]),
} as const satisfies Record<ShellChannel, z.ZodType>

export type ShellArgs = { [K in ShellChannel]: z.output<(typeof SHELL_ARGS)[K]> }

export class IpcArgumentError extends Error {
  constructor(channel: string, problems: string[]) {
    super(`${channel}: ${problems.join('; ')}`)
    this.name = 'IpcArgumentError'
  }
}

export function checkShellArgs<K extends ShellChannel>(channel: K, args: unknown[]): ShellArgs[K] {
  const parsed = SHELL_ARGS[channel].safeParse(args)
  if (!parsed.success) throw new IpcArgumentError(channel, formatIssues(parsed.error))
  return parsed.data as ShellArgs[K]
}

type FileFilter = { name: string; extensions: string[] }

export interface SaveDialogOptions {
  title: string
  defaultPath: string
  filters: FileFilter[]
}
export interface OpenDialogOptions {
  title: string
  defaultPath?: string
  properties: ('openFile' | 'openDirectory')[]
  filters?: FileFilter[]
}

/** The save dialog for a file the page names: the name only (no folders), in the user's chosen folder. */
export function saveDialogOptions(fileName: string, kind: 'csv' | 'zip', folder?: string): SaveDialogOptions {
  const name = FileNameSchema.parse(fileName)
  return {
    title: kind === 'csv' ? 'Export CSV' : 'Export run as .zip',
    defaultPath: folder ? `${folder.replace(/[\\/]+$/, '')}/${name}` : name,
    filters: kind === 'csv' ? [{ name: 'CSV', extensions: ['csv'] }] : [{ name: 'Zip archive', extensions: ['zip'] }],
  }
}

/**
 * Open run…: a run is a folder or a .zip. macOS's dialog picks either; Linux's and Windows's
 * pick files or folders, not both, so there the user first says which (RUN_KIND_QUESTION).
 */
export function openRunDialogOptions(kind: 'zip' | 'folder' | 'either'): OpenDialogOptions {
  const zip: FileFilter[] = [{ name: 'LR Lab run', extensions: ['zip'] }]
  if (kind === 'either') return { title: 'Open a run (folder or .zip)', properties: ['openFile', 'openDirectory'], filters: zip }
  return kind === 'zip' ? { title: 'Open a run (.zip)', properties: ['openFile'], filters: zip } : { title: 'Open a run folder', properties: ['openDirectory'] }
}

export const RUN_KIND_QUESTION = {
  type: 'question' as const,
  title: 'Open run',
  message: 'Open a run saved as a .zip, or a run folder?',
  buttons: ['.zip file…', 'Folder…', 'Cancel'],
  defaultId: 0,
  cancelId: 2,
}

/** Which open dialog(s) to show: one on macOS, else the answer to RUN_KIND_QUESTION. */
export function runDialogKind(platform: NodeJS.Platform, answer?: number): 'zip' | 'folder' | 'either' | null {
  if (platform === 'darwin') return 'either'
  return answer === 0 ? 'zip' : answer === 1 ? 'folder' : null
}

export const CSV_DIALOG: OpenDialogOptions = { title: 'Import a CSV dataset', properties: ['openFile'], filters: [{ name: 'CSV', extensions: ['csv'] }] }

/** A dialog's answer: the first path, when there is one and it is absolute. */
export function chosenPath(r: { canceled: boolean; filePaths?: string[]; filePath?: string }): string | null {
  if (r.canceled) return null
  const p = r.filePath ?? r.filePaths?.[0]
  if (!p || !(p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p))) return null
  return p
}
