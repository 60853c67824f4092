/**
 * One run end to end: create the run folder, train, write metrics and events as they come,
 * and report to whoever hosts the trainer (a parent process, or the CLI in-process).
 */
import type { RunConfig } from '../../shared/config'
import { describeChoice, type BackendInfo } from '../../shared/run'
import { version as lrlabVersion } from '../../package.json'
import { RunStore } from '../storage'
import type { TrainerToHost } from './protocol'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../../shared/config'
import { parseRunnableConfig } from '../../shared/run-plan'
import { findPreset } from '../../shared/presets'
import { MODEL_DIR } from './model-io'
import { epochColumns, prepareTraining, train, type TrainResult } from './train'
import { STEP_COLUMNS } from '../../shared/metrics'

export interface RunTrainingOptions {
  config: RunConfig
  backend: BackendInfo
  dataDir: string
  name?: string
  /** A queued run's id: train into its folder instead of making a new one. */
  runId?: string
  /** Library tags the run starts with (a sweep member's). */
  tags?: readonly string[]
  tfVersion: string
  send(m: TrainerToHost): void
  control: {
    stopRequested(): boolean
    /** True when the host process ended: a stop then ends the run 'interrupted', not 'stopped'. */
    hostGone?(): boolean
    isPaused(): boolean
    waitIfPaused(): Promise<void>
  }
}

/**
 * The model.json a fine-tuning config starts from (undefined when it trains from scratch); trains
 * the preset's backbone first when none is saved. Runs and range tests both start from it.
 */
export async function resolveInitModel(o: RunTrainingOptions, store: RunStore = new RunStore(o.dataDir)): Promise<string | undefined> {
  const from = o.config.model.kind === 'mlp' ? o.config.model.initFrom : undefined
  if (!from) return undefined
  if ('modelJson' in from) return from.modelJson
  const modelOf = (id: string): string => join(store.runDir(id), MODEL_DIR, 'model.json')
  if ('run' in from) {
    if (!existsSync(modelOf(from.run))) throw new ConfigError([`model.initFrom.run: run ${from.run} has no saved model (only finished or stopped runs save one)`])
    return modelOf(from.run)
  }
  const ofPreset = (id: string): boolean => {
    try {
      return store.loadManifest(id).config.preset?.startsWith(`${from.preset}@`) ?? false
    } catch {
      return false // unreadable runs are not candidates
    }
  }
  const found = store.list().find((r) => r.status === 'finished' && ofPreset(r.id) && existsSync(modelOf(r.id)))
  if (found) return modelOf(found.id)
  const preset = findPreset(from.preset)
  if (!preset) throw new ConfigError([`model.initFrom.preset: no preset named "${from.preset}"`])
  o.send({ type: 'notice', runId: '', level: 'info', message: `no saved ${from.preset} run: training its backbone first` })
  const first = await runTraining({ ...o, name: undefined, runId: undefined, tags: undefined, config: parseRunnableConfig({ ...preset.config, preset: `${preset.name}@${preset.version}` }) })
  if (first.status !== 'finished') throw new Error(`the ${from.preset} backbone run ended ${first.status}; cannot fine-tune from it`)
  return modelOf(first.runId)
}

export async function runTraining(o: RunTrainingOptions): Promise<TrainResult & { runId: string }> {
  const store = new RunStore(o.dataDir)
  const initModelJson = await resolveInitModel(o, store)
  // The data, the model and saved weights are checked before a run folder exists, so a config
  // refused here (a ConfigError naming the field) leaves no failed run behind.
  const prepared = prepareTraining(o.config, { initModelJson })
  let writer
  try {
    writer = store.createRun({
      id: o.runId,
      config: o.config,
      name: o.name ?? o.config.name,
      tags: o.tags,
      backend: o.backend,
      stepColumns: STEP_COLUMNS,
      epochColumns: epochColumns(o.config),
      versions: { lrlab: lrlabVersion, tfjs: o.tfVersion, node: process.versions.node },
    })
  } catch (e) {
    prepared.model.dispose()
    throw e
  }
  const runId = writer.id
  o.send({ type: 'created', runId, backend: o.backend })
  const fallback = o.backend.fallbackReasons.length ? `; fell back: ${o.backend.fallbackReasons.join('; ')}` : ''
  writer.event({ kind: 'start', step: 0, message: `training on backend ${describeChoice(o.backend) ?? o.backend.name}${fallback}` })
  try {
    const result = await train(
      o.config,
      {
        metrics(steps, epochs) {
          writer.appendSteps(steps)
          writer.appendEpochs(epochs)
          o.send({ type: 'metrics', runId, steps, epochs })
        },
        progress(progress) {
          o.send({ type: 'progress', runId, progress })
        },
        event(kind, step, message, data) {
          writer.event({ kind, step, message, data })
          if (kind === 'data' || kind === 'warning') o.send({ type: 'notice', runId, level: kind === 'data' ? 'info' : 'warning', message })
          if (kind === 'restart') o.send({ type: 'restart', runId, step, message })
        },
      },
      {
        stopRequested: () => o.control.stopRequested(),
        async waitIfPaused() {
          // The loop's awaits on backend reads resolve as microtasks; yield a macrotask here so
          // stop/pause messages from the host are delivered while training runs.
          await new Promise<void>((r) => setImmediate(r))
          if (!o.control.isPaused()) return
          writer.event({ kind: 'pause', step: -1, message: 'paused by the user' })
          writer.update({ status: 'paused' })
          o.send({ type: 'status', runId, status: 'paused' })
          await o.control.waitIfPaused()
          writer.event({ kind: 'resume', step: -1, message: 'resumed' })
          writer.update({ status: 'running' })
          o.send({ type: 'status', runId, status: 'running' })
        },
      },
      { prepared, saveModelDir: join(writer.dir, MODEL_DIR) },
    )
    if (result.status === 'stopped' && o.control.hostGone?.()) {
      result.status = 'interrupted'
      writer.event({ kind: 'interrupted', step: result.summary.steps, message: 'the host process (LR Lab or its serve process) ended; the trainer saved the run and stopped' })
    } else writer.event({ kind: 'finish', step: result.summary.steps, message: `run ${result.status}` })
    writer.close({ status: result.status, summary: result.summary })
    o.send({ type: 'done', runId, status: result.status, summary: result.summary })
    return { ...result, runId }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    writer.event({ kind: 'error', step: -1, message })
    writer.close({ status: 'failed', summary: { error: message } })
    o.send({ type: 'error', runId, message })
    throw e
  }
}
