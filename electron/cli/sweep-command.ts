/**
 * `lrlab sweep`: run a sweep's members in a pool of trainer processes (the service's own code),
 * list its members, or run one member alone (`--member K`) so an array scheduler (Slurm, a
 * Kubernetes indexed Job, GNU parallel) can spread a sweep over processes and machines that all
 * write into one runs folder.
 */
import { readFileSync } from 'node:fs'
import * as tf from '@tensorflow/tfjs'
import { ConfigError, type RunConfig } from '../../shared/config'
import type { BackendName, RunManifest } from '../../shared/run'
import { expandSweep, memberIsDone, memberTags, parseSweepSpec, type SweepInfo, type SweepSpec } from '../../shared/sweep'
import { createNodeService } from '../core/node-host'
import { findSweepPreset, SWEEP_PRESETS } from '../../shared/sweep-presets'
import { memberRuns, readSweep, saveSweep, saveSweepBackend } from '../core/sweeps'
import { RunStore } from '../storage'
import { describeBackend } from '../trainer/backend'
import { backendForRun } from '../trainer/backend-choice'
import { runTraining } from '../trainer/run-training'

export interface SweepCommandOptions {
  config?: string
  preset?: string
  dataDir: string
  parallel?: number
  json?: boolean
  list?: boolean
  member?: number
}

function readSpec(o: { config?: string; preset?: string }): SweepSpec {
  if (!!o.config === !!o.preset) throw new ConfigError([`give exactly one of --config SPEC.json or --preset NAME (${SWEEP_PRESETS.map((p) => p.name).join(', ')})`])
  if (o.preset) {
    const preset = findSweepPreset(o.preset)
    if (!preset) throw new ConfigError([`--preset: no sweep preset named "${o.preset}" (${SWEEP_PRESETS.map((p) => p.name).join(', ')})`])
    return parseSweepSpec(preset.spec)
  }
  const path = o.config!
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new ConfigError([`${path}: ${e instanceof Error ? e.message : String(e)}`])
  }
  return parseSweepSpec(raw)
}

const f = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toPrecision(5))

/** The metric columns of a member's result, for the progress lines and the table. */
function resultCells(m: RunManifest | null, status: string): string[] {
  if (!m) return [status, '', '', '', '']
  const s = m.summary
  const metric = s.finalValMetric === null ? '—' : `${s.valMetricName ? `${s.valMetricName} ` : ''}${f(s.finalValMetric)}`
  return [m.status, f(s.finalLoss), f(s.finalValLoss), metric, s.divergedAtStep === null ? '' : `diverged at step ${s.divergedAtStep}`]
}

/** A member's result in one line, each figure named. */
function resultLine(m: RunManifest): string {
  const s = m.summary
  const parts = [m.status, `loss ${f(s.finalLoss)}`, `val loss ${f(s.finalValLoss)}`]
  if (s.finalValMetric !== null) parts.push(`val ${s.valMetricName ?? 'metric'} ${f(s.finalValMetric)}`)
  if (s.divergedAtStep !== null) parts.push(`diverged at step ${s.divergedAtStep}`)
  return `${parts.join(' · ')} (${s.durationSec.toFixed(1)} s)`
}

function memberSummary(info: SweepInfo, store: RunStore): Record<string, unknown>[] {
  return info.members.map((m) => {
    const man = m.runId ? store.reportManifest(m.runId) : null
    const s = man?.summary
    return {
      member: m.index,
      label: m.label,
      axes: m.axes,
      status: m.status,
      runId: m.runId,
      finalLoss: s?.finalLoss ?? null,
      bestLoss: s?.bestLoss ?? null,
      finalValLoss: s?.finalValLoss ?? null,
      finalValMetric: s?.finalValMetric ?? null,
      valMetricName: s?.valMetricName ?? null,
      divergedAtStep: s?.divergedAtStep ?? null,
      steps: s?.steps ?? 0,
      durationSec: s?.durationSec ?? 0,
    }
  })
}

function printTable(info: SweepInfo, store: RunStore): void {
  const rows = info.members.map((m) => [String(m.index), m.label, ...resultCells(m.runId ? store.reportManifest(m.runId) : null, m.status)])
  const head = ['member', 'axes', 'status', 'final loss', 'final val loss', 'val metric', '']
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  console.log(line(head))
  for (const r of rows) console.log(line(r))
}

export async function sweepCommand(o: SweepCommandOptions): Promise<number> {
  const spec = readSpec(o)
  const members = expandSweep(spec)
  if (o.list) {
    if (o.json) console.log(JSON.stringify(members.map(({ index, label, axes, config }) => ({ index, label, axes, config }))))
    else for (const m of members) console.log(`${String(m.index).padStart(String(members.length - 1).length)}  ${m.label}`)
    return 0
  }
  if (o.member !== undefined) return runOneMember(spec, o)

  const service = await createNodeService(o.dataDir, 'browser-bridge', o.parallel === undefined ? {} : { maxParallel: o.parallel })
  const store = service.store
  const reported = new Set<number>()
  let total = members.length
  const off = service.onEvent((e) => {
    if (e.type !== 'sweep' || e.sweep.members.length !== members.length) return
    for (const m of e.sweep.members) {
      if (reported.has(m.index) || !m.runId || !['finished', 'diverged', 'stopped', 'failed', 'interrupted'].includes(m.status)) continue
      reported.add(m.index)
      if (o.json) continue
      console.error(`[${String(reported.size).padStart(String(total).length)}/${total}] member ${m.index} ${m.label}: ${resultLine(store.reportManifest(m.runId))}`)
    }
  })
  let stopping = false
  const started = await service.startSweep(spec, { parallel: o.parallel })
  total = started.toRun
  process.once('SIGINT', () => {
    stopping = true
    void service.stopSweep(started.sweepId).catch(() => {})
  })
  if (!o.json) console.error(`sweep ${started.sweepId}: ${started.members} members, ${started.toRun} to run, ${service.queue.limitFor(started.sweepId)} at a time · ${o.dataDir}`)
  await service.sweepSettled(started.sweepId)
  off()
  const info = (await service.listSweeps()).find((s) => s.id === started.sweepId)!
  await service.shutdown()
  if (o.json) console.log(JSON.stringify({ sweepId: info.id, status: info.status, members: memberSummary(info, store) }))
  else printTable(info, store)
  return stopping ? 4 : info.members.every((m) => memberIsDone(m.status)) ? 0 : 1
}

/** One member in this process, as `lrlab train` runs a config; skipped when it already has a result. */
async function runOneMember(spec: SweepSpec, o: SweepCommandOptions): Promise<number> {
  const members = expandSweep(spec)
  const member = members[o.member!]
  if (!member) throw new ConfigError([`--member: ${o.member} is not a member of this sweep (0–${members.length - 1})`])
  const { id } = saveSweep(o.dataDir, spec)
  const store = new RunStore(o.dataDir)
  const done = memberRuns(id, store.list()).get(member.index)
  if (done && memberIsDone(done.status)) {
    if (o.json) console.log(JSON.stringify({ sweepId: id, member: member.index, runId: done.id, status: done.status, skipped: true }))
    else console.error(`sweep ${id} member ${member.index} (${member.label}) already ${done.status} as run ${done.id}; skipped`)
    return 0
  }
  // The sweep's one backend: recorded by whichever member chose first, else chosen here (forced, or auto's pick).
  const forceOn = (name: BackendName): RunConfig => (member.config.backend === 'auto' ? { ...member.config, backend: name } : member.config)
  const recorded = readSweep(o.dataDir, id).backend
  let config = recorded ? forceOn(recorded) : member.config
  let backend = await backendForRun(config, o.dataDir)
  const agreed = saveSweepBackend(o.dataDir, id, backend.name)
  if (agreed !== backend.name) {
    config = forceOn(agreed)
    backend = await backendForRun(config, o.dataDir)
  }
  if (!o.json) console.error(`sweep ${id} member ${member.index}/${members.length}: ${member.label} · ${describeBackend(backend)}`)
  let stop = false
  process.once('SIGINT', () => {
    stop = true
  })
  const result = await runTraining({
    config,
    backend,
    dataDir: o.dataDir,
    tags: memberTags(id, spec, member),
    tfVersion: tf.version.tfjs,
    send(m) {
      if (m.type === 'notice' && !o.json) console.error(`${m.level === 'warning' ? 'warning: ' : ''}${m.message}`)
    },
    control: { stopRequested: () => stop, isPaused: () => false, waitIfPaused: async () => {} },
  })
  const man = store.reportManifest(result.runId)
  if (o.json)
    console.log(JSON.stringify({ sweepId: id, member: member.index, runId: result.runId, status: result.status, finalLoss: man.summary.finalLoss, finalValMetric: man.summary.finalValMetric }))
  else console.log(`member ${member.index} ${member.label}: ${resultLine(man)}, run ${result.runId}`)
  return result.status === 'finished' || result.status === 'diverged' ? 0 : 4
}
