/**
 * Loads the tfjs backends: tensorflow (tfjs-node's libtensorflow), wasm (with LR Lab's tuned
 * kernels) and cpu. tfjs-node is an optional dependency whose native download fails on
 * locked-down machines, so each can fail; the reasons are kept and shown to the user.
 * Which backend a run on `auto` uses is measured per model (./backend-choice.ts); without a
 * model, auto prefers wasm, which the measurements found faster for every preset.
 */
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { BACKEND_NAMES, describeChoice, type BackendInfo, type BackendName } from '../../shared/run'
import { applyWasmTuning } from './wasm-tuning'
import { asarUnpacked } from '../core/paths'

const requireModule = createRequire(import.meta.url)
/** auto's order when no model is measured: wasm (tuned) was faster for every preset; cpu is the last resort. */
const ORDER: BackendName[] = ['wasm', 'tensorflow', 'cpu']

function errorLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e)
  return msg.split('\n')[0]!.slice(0, 300)
}

async function registerTensorflow(): Promise<void> {
  // TensorFlow's C++ start-up notes (oneDNN, CPU features) would land on the CLI's stderr; errors still show.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2'
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
  if ((BACKEND_NAMES as readonly string[]).includes(env)) return env as BackendName
  throw new Error(`LRLAB_BACKEND must be one of auto, tensorflow, wasm, cpu (got "${process.env.LRLAB_BACKEND}")`)
}

/** Each request's answer, initialised once per process. */
const selections = new Map<'auto' | BackendName, BackendInfo>()
/** Each backend's load outcome: null when it loaded, else why not. Loaded once per process. */
const loads = new Map<BackendName, string | null>()

function loadFailure(name: BackendName, e: unknown): string {
  return name === 'tensorflow' && /Cannot find module|can not be found/.test(errorLine(e))
    ? 'tensorflow: @tensorflow/tfjs-node or its native libtensorflow is not installed (its download failed or was skipped at npm install; "npm run install:tensorflow" builds it from a pip index)'
    : `${name}: ${errorLine(e)}`
}

/**
 * Make `name` the active backend, loading it on first use; wasm gets LR Lab's tuned kernels.
 * Returns null and the tuning when it is active, or why it cannot be used.
 */
export async function activateBackend(name: BackendName): Promise<{ failure: string | null; tuning: string[] }> {
  const known = loads.get(name)
  if (known) return { failure: known, tuning: [] }
  try {
    if (known === undefined) {
      if (name === 'tensorflow') await registerTensorflow()
      if (name === 'wasm') await registerWasm()
      if (!tf.findBackendFactory(name)) throw new Error('backend is not registered')
    }
    // setBackend resolves false (it does not throw) when initialisation fails.
    if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error('backend failed to initialise')
    await tf.ready()
    loads.set(name, null)
    const report = name === 'wasm' ? applyWasmTuning() : null
    return { failure: null, tuning: report?.applied ? report.kernels : [] }
  } catch (e) {
    const reason = loadFailure(name, e)
    loads.set(name, reason)
    return { failure: reason, tuning: [] }
  }
}

/**
 * Initialise a backend once per process and make it the active one. A forced backend that
 * fails is an error, not a silent fallback: the user asked for it by name. Asking again
 * re-activates the earlier answer (a test may have switched to cpu in between).
 */
export async function selectBackend(request: 'auto' | BackendName = 'auto'): Promise<BackendInfo> {
  const requested = requestedBackend(request)
  const known = selections.get(requested)
  if (known) {
    if (tf.getBackend() !== known.name) await activateBackend(known.name)
    return known
  }
  const candidates = requested === 'auto' ? ORDER : [requested]
  const fallbackReasons: string[] = []
  for (const name of candidates) {
    const { failure, tuning } = await activateBackend(name)
    if (failure === null) {
      const info: BackendInfo = { name, requested, fallbackReasons, ...(tuning.length && { tuning }) }
      selections.set(requested, info)
      return info
    }
    if (requested !== 'auto') throw new Error(`The ${name} backend was requested but cannot be used: ${failure}`)
    fallbackReasons.push(failure)
  }
  throw new Error(`No tfjs backend could be initialised:\n  ${fallbackReasons.join('\n  ')}`)
}

export function describeBackend(info: BackendInfo): string {
  const why = info.fallbackReasons.length && !info.choice?.unmeasured ? ` (fell back: ${info.fallbackReasons.join('; ')})` : ''
  const chosen = describeChoice(info)
  if (chosen) return `backend ${chosen}${why}`
  const tuned = info.tuning?.length ? ` [tuned: ${info.tuning.join(', ')}]` : ''
  return `backend ${info.name}${info.requested !== 'auto' ? ' (forced)' : ''}${tuned}${why}`
}
