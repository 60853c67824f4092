/** The API's method names, free of dependencies so the sandboxed preload can import them. */
export const API_METHODS = [
  'getInfo', 'startRun', 'stopRun', 'pauseRun', 'resumeRun',
  'listRuns', 'loadRun', 'loadRunView', 'exportCsv', 'exportComparisonCsv',
  'renameRun', 'setRunTags', 'setRunNotes', 'deleteRun', 'undoDeleteRun',
  'importRun', 'watchFolder', 'unwatchFolder', 'listWatchedFolders',
  'findLr', 'listPresets',
  'openRun', 'openRunUpload', 'keepOpenedRun', 'exportRunZip', 'uploadDataset',
  'startSweep', 'stopSweep', 'pauseSweep', 'resumeSweep', 'listSweeps', 'exportSweepCsv',
] as const
export type ApiMethod = (typeof API_METHODS)[number]
