/**
 * Picks the fastest tfjs backend that loads here: tensorflow (tfjs-node's libtensorflow),
 * else wasm, else cpu. tfjs-node is an optional dependency whose native download fails on
 * locked-down machines, so each step can fail; the reasons are kept and shown to the user.
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { BackendInfo, BackendName } from '../../shared/run'
import { applyWasmTuning } from './wasm-tuning'
import { asarUnpacked } from '../core/paths'

const requireModule = createRequire(import.meta.url)
const ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu']

function errorLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e)
  return msg.split('\n')[0]!.slice(0, 300)
}

async function registerTensorflow(): Promise<void> {
  // tfjs-node registers the 'tensorflow' backend on import; it throws when its native binding is absent.
  requireModule('@tensorflow/tfjs-node')
}

async function registerWasm(): Promise<void> {
  const wasm = requireModule('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm')
  // Point at the package's own .wasm files: bundling moves this module away from them.
  // Packaged, they sit in app.asar.unpacked (electron-builder.json asarUnpack).
  const dist = asarUnpacked(join(dirname(requireModule.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')) + '/'
  wasm.setWasmPaths(dist)
}

/** Read LRLAB_BACKEND (tensorflow | wasm | cpu | auto); config wins over it when not 'auto'. */
export function requestedBackend(fromConfig: 'auto' | BackendName = 'auto'): 'auto' | BackendName {
  if (fromConfig !== 'auto') return fromConfig
  const env = (process.env.LRLAB_BACKEND ?? '').trim().toLowerCase()
  if (env === '' || env === 'auto') return 'auto'
  if ((ORDER as string[]).includes(env)) return env as BackendName
  throw new Error(`LRLAB_BACKEND must be one of auto, tensorflow, wasm, cpu (got "${process.env.LRLAB_BACKEND}")`)
}

/** Each request's answer, initialised once per process. */
const selections = new Map<'auto' | BackendName, BackendInfo>()

/**
 * Initialise a backend once per process and make it the active one. A forced backend that
 * fails is an error, not a silent fallback: the user asked for it by name. Asking again
 * re-activates the earlier answer (a test may have switched to cpu in between).
 */
export async function selectBackend(request: 'auto' | BackendName = 'auto'): Promise<BackendInfo> {
  const requested = requestedBackend(request)
  const known = selections.get(requested)
  if (known) {
    if (tf.getBackend() !== known.name) await tf.setBackend(known.name)
    return known
  }
  const candidates = requested === 'auto' ? ORDER : [requested]
  const fallbackReasons: string[] = []
  for (const name of candidates) {
    try {
      if (name === 'tensorflow') await registerTensorflow()
      if (name === 'wasm') await registerWasm()
      if (!tf.findBackendFactory(name)) throw new Error('backend is not registered')
      // setBackend resolves false (it does not throw) when initialisation fails.
      if (!(await tf.setBackend(name))) throw new Error('backend failed to initialise')
      await tf.ready()
      const report = name === 'wasm' ? applyWasmTuning() : null
      const tuning = report?.applied ? report.kernels : []
      const info: BackendInfo = { name, requested, fallbackReasons, ...(tuning.length && { tuning }) }
      selections.set(requested, info)
      return info
    } catch (e) {
      const reason = name === 'tensorflow' && /Cannot find module|can not be found/.test(errorLine(e))
        ? 'tensorflow: @tensorflow/tfjs-node or its native libtensorflow is not installed (its download failed or was skipped at npm install)'
        : `${name}: ${errorLine(e)}`
      if (requested !== 'auto') throw new Error(`The ${name} backend was requested but cannot be used: ${reason}`)
      fallbackReasons.push(reason)
    }
  }
  throw new Error(`No tfjs backend could be initialised:\n  ${fallbackReasons.join('\n  ')}`)
}

export function describeBackend(info: BackendInfo): string {
  const why = info.fallbackReasons.length ? ` (fell back: ${info.fallbackReasons.join('; ')})` : ''
  const tuned = info.tuning?.length ? ` [tuned: ${info.tuning.join(', ')}]` : ''
  return `backend ${info.name}${info.requested !== 'auto' ? ' (forced)' : ''}${tuned}${why}`
}
