/** The shell's own IPC channels (beside one per API method), dependency-free for the sandboxed preload. */
export const SHELL_CHANNELS = ['saveTextFile', 'pickFolder', 'pickRunToOpen', 'pickCsvFile', 'saveRunZip', 'openDataFolder', 'setMenuState'] as const
export type ShellChannel = (typeof SHELL_CHANNELS)[number]
/** Main → page: menu commands, second launches, notification clicks. */
export const SHELL_ACTION_CHANNEL = 'lrlab:shell-action'
export const EVENT_CHANNEL = 'lrlab:event'
