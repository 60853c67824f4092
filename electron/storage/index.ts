/** Run storage ("run library"): Electron-free, used by the service, the trainer and the CLI. */
export { RunStore, newRunId, type CreateRunInit } from './run-store'
export { RunWriter, FLUSH_INTERVAL_MS, MANIFEST_FILE, STEPS_FILE, EPOCHS_FILE, EVENTS_FILE } from './run-writer'
export { FORMAT_VERSION, NewerFormatError } from './manifest'
export type { WatchEvent, WatchOptions } from './watch'
export { exportRunCsv, writeRunCsv, exportComparisonCsv, csvField, CSV_EOL } from './csv'
export { RunTail, type TailRead } from './run-tail'
export { SUMMARY_FILE } from './step-summary'
