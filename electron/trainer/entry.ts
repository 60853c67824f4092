/**
 * Trainer child-process entry. The same module runs under Electron's utilityProcess
 * (process.parentPort) and under Node's child_process.fork (process.send); it imports no
 * Electron. One process trains one run, writes its run folder, streams metrics, and exits.
 */
import * as tf from '@tensorflow/tfjs'
import { parseRunnableConfig } from '../../shared/run-plan'
import { ConfigError } from '../../shared/config'
import type { HostToTrainer, TrainerToHost } from './protocol'
import { backendForRun } from './backend-choice'
import { resolveInitModel, runTraining } from './run-training'
import { runRangeTest } from './lr-finder'

interface ParentPort {
  postMessage(m: unknown): void
  on(ev: 'message', cb: (e: { data: unknown }) => void): void
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort

const send = (m: TrainerToHost): void => {
  if (parentPort) parentPort.postMessage(m)
  // With a callback a failed send (the host died: EPIPE) is reported there instead of as an
  // 'error' event on process, which nothing handles and which would kill the trainer mid-flush.
  else if (process.connected) process.send?.(m, undefined, undefined, () => {})
}
const onMessage = (cb: (m: HostToTrainer) => void): void => {
  if (parentPort) parentPort.on('message', (e) => cb(e.data as HostToTrainer))
  else process.on('message', (m) => cb(m as HostToTrainer))
}

let stop = false
let paused: { resolve: () => void; promise: Promise<void> } | null = null
let started = false
/** The host (serve, the app) ended: stop, write what is buffered, mark the run interrupted, exit. */
let hostGone = false

// Node's fork: the IPC channel closes when the parent dies (even kill -9) or disconnects.
process.on('disconnect', () => {
  hostGone = true
  stop = true
  paused?.resolve()
  paused = null
  if (!started) process.exit(0)
})

onMessage((msg) => {
  switch (msg.type) {
    case 'start':
      if (started) return
      started = true
      void start(msg)
      break
    case 'find-lr':
      if (started) return
      started = true
      void findLr(msg)
      break
    case 'stop':
      stop = true
      paused?.resolve()
      break
    case 'pause':
      if (!paused) {
        let resolve!: () => void
        const promise = new Promise<void>((r) => (resolve = r))
        paused = { resolve, promise }
      }
      break
    case 'resume':
      paused?.resolve()
      paused = null
      break
  }
})

async function start(msg: Extract<HostToTrainer, { type: 'start' }>): Promise<void> {
  try {
    const config = parseRunnableConfig(msg.config)
    const backend = await backendForRun(config, msg.dataDir)
    await runTraining({
      config,
      backend,
      dataDir: msg.dataDir,
      name: msg.name,
      tags: msg.tags,
      tfVersion: tf.version.tfjs,
      runId: msg.runId,
      send,
      control: {
        stopRequested: () => stop,
        hostGone: () => hostGone,
        isPaused: () => paused !== null,
        waitIfPaused: async () => {
          while (paused) await paused.promise
        },
      },
    })
    exitSoon(0)
  } catch (e) {
    send({ type: 'error', runId: null, message: e instanceof Error ? e.message : String(e), badConfig: e instanceof ConfigError })
    exitSoon(1)
  }
}

async function findLr(msg: Extract<HostToTrainer, { type: 'find-lr' }>): Promise<void> {
  try {
    const config = parseRunnableConfig(msg.config)
    const backend = await backendForRun(config, msg.dataDir)
    // A fine-tuning config sweeps from its pretrained weights, as its run would start.
    const initModelJson = await resolveInitModel({
      config,
      backend,
      dataDir: msg.dataDir,
      tfVersion: tf.version.tfjs,
      send,
      control: { stopRequested: () => stop, isPaused: () => false, waitIfPaused: async () => {} },
    })
    const result = await runRangeTest(config, msg.options, (done, total) => send({ type: 'find-lr-progress', done, total }), { initModelJson })
    send({ type: 'find-lr-done', result })
    exitSoon(0)
  } catch (e) {
    send({ type: 'error', runId: null, message: e instanceof Error ? e.message : String(e) })
    exitSoon(1)
  }
}

/** Let the last IPC messages drain before exiting. */
function exitSoon(code: number): void {
  setTimeout(() => process.exit(code), 50)
}
