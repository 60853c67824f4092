/**
 * A trainer child process as the service sees it. Plain Node forks with child_process;
 * Electron's main process supplies a utilityProcess-backed implementation of the same shape.
 */
import { fork } from 'node:child_process'
import type { HostToTrainer, TrainerToHost } from '../trainer/protocol'

export interface TrainerProcess {
  send(msg: HostToTrainer): void
  onMessage(cb: (msg: TrainerToHost) => void): void
  onExit(cb: (code: number | null) => void): void
  kill(): void
}

export type SpawnTrainer = () => TrainerProcess

export interface NodeTrainerOptions {
  /** The trainer entry module: out/main/trainer.js when built, electron/trainer/entry.ts under tsx. */
  entry: string
  execArgv?: string[]
}

export function nodeTrainerSpawner(o: NodeTrainerOptions): SpawnTrainer {
  return () => {
    // 'advanced' serialization carries Float64Array columns as they are.
    const child = fork(o.entry, [], { serialization: 'advanced', execArgv: o.execArgv ?? [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    return {
      send: (m) => {
        if (child.connected) child.send(m)
      },
      onMessage: (cb) => child.on('message', (m) => cb(m as TrainerToHost)),
      onExit: (cb) => child.on('exit', (code) => cb(code)),
      kill: () => child.kill('SIGKILL'),
    }
  }
}
