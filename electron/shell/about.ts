/** The About panel's text: versions of the app and its engines, and where the data lives. */
import type { BackendInfo } from '../../shared/run'

export interface AboutFacts {
  appVersion: string
  electron?: string
  chrome?: string
  node: string
  tfjs: string
  backend: BackendInfo | null
  dataDir: string
}

export function aboutLines(f: AboutFacts): string[] {
  const backend = f.backend
    ? `${f.backend.name}${f.backend.tuning?.length ? ' (tuned)' : ''}${f.backend.fallbackReasons.length ? `, fell back: ${f.backend.fallbackReasons.join('; ')}` : ''}`
    : 'none could be loaded'
  return [
    `LR Lab ${f.appVersion}`,
    ...(f.electron ? [`Electron ${f.electron}${f.chrome ? ` · Chromium ${f.chrome}` : ''}`] : []),
    `Node ${f.node}`,
    `TensorFlow.js ${f.tfjs}`,
    `Backend: ${backend}`,
    `Data folder: ${f.dataDir}`,
  ]
}
