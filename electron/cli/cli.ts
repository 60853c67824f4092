/**
 * `lrlab`: headless training and exports. Writes the same run folders as the app, so a
 * run trained here (on a cluster, say) opens in the desktop app.
 */
import { Command, InvalidArgumentError, Option } from 'commander'
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { ConfigError, type RunConfig } from '../../shared/config'
import { describeSteps, LONG_RUN_STEPS, parseRunnableConfig, planRun } from '../../shared/run-plan'
import { findPreset, PRESETS } from '../../shared/presets'
import { RangeTestSchema } from '../../shared/lr-finder'
import { formatIssues } from '../../shared/config'
import { DEFAULT_EXPORT_OPTIONS, RunIdSchema } from '../../shared/api'
import { runRangeTest } from '../trainer/lr-finder'
import { version } from '../../package.json'
import { defaultDataDir } from '../core/paths'
import { RunStore } from '../storage'
import { exportComparisonCsv, exportRunCsv, writeRunCsv } from '../storage/csv'
import { describeBackend } from '../trainer/backend'
import { backendForRun } from '../trainer/backend-choice'
import { resolveInitModel, runTraining } from '../trainer/run-training'
import { createProgressBar } from './progress-bar'
import { sweepCommand } from './sweep-command'
import { SweepIdSchema } from '../../shared/api'
import { createNodeService } from '../core/node-host'

function stepCount(v: string): number {
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of steps ≥ 1')
  return n
}

/** Exit codes scripts can rely on. */
export const EXIT = { finished: 0, error: 1, badConfig: 2, diverged: 3, stopped: 4 } as const

function readConfigFile(path: string): RunConfig {
  let raw: unknown
  try {
    // A byte-order mark (Windows editors write one) is not part of the JSON.
    raw = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''))
  } catch (e) {
    throw new ConfigError([`${path}: ${e instanceof Error ? e.message : String(e)}`])
  }
  return parseRunnableConfig(raw)
}

/** The config from --config FILE or --preset NAME (exactly one). */
function configFrom(o: { config?: string; preset?: string }): RunConfig {
  if (!!o.config === !!o.preset) throw new ConfigError(['give exactly one of --config FILE or --preset NAME (see "lrlab presets")'])
  if (o.config) return readConfigFile(o.config)
  const preset = findPreset(o.preset!)
  if (!preset) throw new ConfigError([`--preset: no preset named "${o.preset}"; "lrlab presets" lists them`])
  return parseRunnableConfig({ ...preset.config, preset: `${preset.name}@${preset.version}` })
}

/** The effective schedule as one line: defaults the config left out (stepUnit above all) shown. */
function describeEffectiveSchedule(config: RunConfig): string {
  return `schedule: ${JSON.stringify(config.schedule)}`
}

async function trainCommand(o: { config?: string; preset?: string; dataDir: string; json?: boolean; name?: string; maxSteps: number }): Promise<number> {
  const config = configFrom(o)
  const plan = planRun(config)
  // Up front, before any work: a run of days must be asked for, not discovered.
  if (plan && plan.totalSteps > o.maxSteps)
    throw new ConfigError([`epochs: this run takes ${describeSteps(config, plan)}, more than --max-steps ${o.maxSteps.toLocaleString('en-US')}; pass --max-steps ${plan.totalSteps} to run it anyway`])
  const backend = await backendForRun(config, o.dataDir)
  if (!o.json) {
    console.error(`LR Lab ${version} · ${describeBackend(backend)}`)
    console.error(`plan: ${describeSteps(config, plan)} · ${describeEffectiveSchedule(config)}`)
  } else if (backend.fallbackReasons.length) console.error(`LR Lab: ${describeBackend(backend)}`)
  const bar = o.json ? null : createProgressBar()
  let lastLoss: number | undefined
  let stop = false
  // SIGTERM is what kill, systemd and Slurm send: stop like Ctrl-C (flush, 'stopped', exit 4).
  const requestStop = (): void => {
    stop = true
  }
  process.once('SIGINT', requestStop)
  process.once('SIGTERM', requestStop)
  const result = await runTraining({
    config,
    backend,
    dataDir: o.dataDir,
    name: o.name,
    tfVersion: tf.version.tfjs,
    send(m) {
      if (m.type === 'metrics' && m.steps.loss?.length) lastLoss = m.steps.loss[m.steps.loss.length - 1]
      if (m.type === 'progress') bar?.update(m.progress, lastLoss)
      if (m.type === 'notice') console.error(`${m.level === 'warning' ? 'warning: ' : ''}${m.message}`)
    },
    control: { stopRequested: () => stop, isPaused: () => false, waitIfPaused: async () => {} },
  })
  process.off('SIGINT', requestStop)
  process.off('SIGTERM', requestStop)
  bar?.done()
  const s = result.summary
  const summary = {
    runId: result.runId,
    status: result.status,
    backend: backend.name,
    fallbackReasons: backend.fallbackReasons,
    backendChoice: backend.choice ?? null,
    steps: s.steps,
    epochs: s.epochs,
    finalLoss: s.finalLoss,
    bestLoss: s.bestLoss,
    finalValLoss: s.finalValLoss,
    bestValLoss: s.bestValLoss,
    valAccuracy: s.valMetricName === 'accuracy' ? s.finalValMetric : null,
    valR2: s.valMetricName === 'r2' ? s.finalValMetric : null,
    valMae: s.valMetricName === 'mae' ? s.finalValMetric : null,
    divergedAtStep: s.divergedAtStep,
    durationSec: s.durationSec,
  }
  if (o.json) console.log(JSON.stringify(summary))
  else {
    const f = (v: number | null): string => (v === null ? '—' : v.toPrecision(6))
    console.log(`run ${result.runId}: ${result.status} after ${s.steps} steps (${s.epochs} epochs) in ${s.durationSec.toFixed(2)} s on ${backend.name}`)
    console.log(`  loss: final ${f(s.finalLoss)}, best ${f(s.bestLoss)} · validation loss: final ${f(s.finalValLoss)}, best ${f(s.bestValLoss)}`)
    if (s.finalValMetric !== null) console.log(`  validation ${s.valMetricName === 'accuracy' ? 'accuracy' : s.valMetricName === 'mae' ? 'MAE' : 'R²'}: ${f(s.finalValMetric)}`)
    if (s.divergedAtStep !== null) console.log(`  diverged at step ${s.divergedAtStep} (epoch ${s.divergedAtEpoch}): the learning rate is too large`)
    console.log(`  saved in ${new RunStore(o.dataDir).runDir(result.runId)}`)
  }
  return result.status === 'finished' ? EXIT.finished : result.status === 'diverged' ? EXIT.diverged : EXIT.stopped
}

async function findLrCommand(o: { config?: string; preset?: string; dataDir: string; json?: boolean; start?: number; end?: number; iters?: number; mode?: 'exp' | 'linear' }): Promise<number> {
  const config = configFrom(o)
  const preset = o.preset ? findPreset(o.preset) : undefined
  const parsed = RangeTestSchema.safeParse({
    ...preset?.rangeTest,
    ...(o.start !== undefined && { startLr: o.start }),
    ...(o.end !== undefined && { endLr: o.end }),
    ...(o.iters !== undefined && { numIter: o.iters }),
    ...(o.mode !== undefined && { mode: o.mode }),
  })
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error))
  const backend = await backendForRun(config, o.dataDir)
  if (!o.json) console.error(`LR Lab ${version} · range test · ${describeBackend(backend)}`)
  // A fine-tuning config sweeps from its pretrained weights, as its run would start.
  const initModelJson = await resolveInitModel({
    config,
    backend,
    dataDir: o.dataDir,
    tfVersion: tf.version.tfjs,
    send(m) {
      if (m.type === 'notice') console.error(`${m.level === 'warning' ? 'warning: ' : ''}${m.message}`)
    },
    control: { stopRequested: () => false, isPaused: () => false, waitIfPaused: async () => {} },
  })
  if (initModelJson && !o.json) console.error(`starting from ${initModelJson}`)
  const bar = o.json ? null : createProgressBar()
  const t0 = performance.now()
  const r = await runRangeTest(
    config,
    parsed.data,
    (done, total) => bar?.update({ epoch: 0, step: done, totalEpochs: 1, totalSteps: total, stepsPerSec: done / ((performance.now() - t0) / 1000), etaSec: null }),
    { initModelJson },
  )
  bar?.done()
  const summary = {
    backend: backend.name,
    backendChoice: backend.choice ?? null,
    iterations: r.lrs.length,
    stoppedEarly: r.stoppedEarly,
    stopReason: r.stopReason,
    suggestions: r.suggestions.map(({ rule, lr, description }) => ({ rule, lr, description })),
    proposals: r.proposals,
  }
  if (o.json) console.log(JSON.stringify(summary))
  else {
    console.log(`swept ${r.lrs.length} of ${parsed.data.numIter} steps from ${parsed.data.startLr} to ${r.lrs[r.lrs.length - 1]!.toPrecision(3)}${r.stopReason ? ` (stopped: ${r.stopReason})` : ''}`)
    for (const s of r.suggestions) console.log(`  ${s.rule.padEnd(9)} ${s.lr.toPrecision(3).padStart(10)}  ${s.description}`)
    if (r.proposals)
      console.log(`  cyclic: baseLr ${r.proposals.cyclicBaseLr.toPrecision(3)}, maxLr ${r.proposals.cyclicMaxLr.toPrecision(3)} · one-cycle: maxLr ${r.proposals.oneCycleMaxLr.toPrecision(3)}`)
  }
  return EXIT.finished
}

/** Run ids from the command line, checked before any file is touched: a bad one is a usage error (exit 2). */
function checkRunIds(ids: string[]): string[] {
  for (const id of ids) {
    const r = RunIdSchema.safeParse(id)
    if (!r.success) throw new ConfigError([`run id ${JSON.stringify(id)}: ${r.error.issues.map((i) => i.message).join('; ')}`])
  }
  return ids
}

async function exportCommand(runIdArgs: string[], o: { out: string; dataDir: string; level: 'step' | 'epoch'; format: 'wide' | 'long'; compare?: boolean; sweep?: string }): Promise<number> {
  const runIds = checkRunIds(runIdArgs)
  const store = new RunStore(o.dataDir)
  const toStdout = o.out === '-'
  if (o.sweep !== undefined) {
    if (!o.compare) throw new ConfigError(['export --sweep: the sweep report is a comparison; add --compare'])
    if (runIds.length) throw new ConfigError(['export --compare --sweep: give the sweep id, not run ids'])
    const id = SweepIdSchema.safeParse(o.sweep)
    if (!id.success) throw new ConfigError([`--sweep: ${id.error.issues[0]!.message}`])
    const service = await createNodeService(o.dataDir)
    try {
      const { csv } = await service.exportSweepCsv(id.data)
      if (toStdout) process.stdout.write(csv)
      else writeFileSync(o.out, csv)
    } catch (e) {
      throw new ConfigError([`--sweep: ${e instanceof Error ? e.message : String(e)}`])
    } finally {
      await service.shutdown()
    }
  } else if (o.compare) {
    // No ids: every run of the library, in the order `lrlab runs` lists them.
    const ids = runIds.length ? runIds : listRunsOf(store).map((r) => r.id)
    if (!ids.length) throw new ConfigError([`export --compare: there are no runs in ${store.dataDir}`])
    const csv = exportComparisonCsv(ids.map((id) => store.reportManifest(id)))
    if (toStdout) process.stdout.write(csv)
    else writeFileSync(o.out, csv)
  } else {
    if (runIds.length !== 1) {
      throw new ConfigError([`export: give one run id (${runIds.length} given); --compare writes one report row per run for several`])
    }
    const run = store.load(runIds[0]!)
    for (const d of run.damage) console.error(`warning: ${d}`)
    const opts = { level: o.level, format: o.format }
    if (toStdout) process.stdout.write(exportRunCsv(run, opts))
    else writeRunCsv(run, opts, o.out) // streamed: a million rows never sit in one string
  }
  if (!toStdout) console.error(`wrote ${o.out}`)
  return EXIT.finished
}

/** Every run, newest first, after marking runs whose writer died (a kill -9 of a CLI run) as interrupted. */
function listRunsOf(store: RunStore): ReturnType<RunStore['list']> {
  store.recoverInterrupted()
  return store.list()
}

function listCommand(o: { dataDir: string; json?: boolean }): number {
  const runs = listRunsOf(new RunStore(o.dataDir))
  if (o.json) console.log(JSON.stringify(runs))
  else for (const r of runs) console.log(`${r.id}  ${r.status.padEnd(11)} ${r.name}  (${r.optimizer}, ${r.schedule}, ${r.steps} steps)`)
  return EXIT.finished
}

function positiveInt(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1')
  return n
}

function nonNegativeInt(v: string): number {
  const n = Number(v)
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0 (a member index from --list)')
  return n
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.finished
  const dataDirOption = (): Option => new Option('--data-dir <dir>', 'where runs are stored').default(defaultDataDir())
  const program = new Command('lrlab').description('LR Lab: train models and watch what the learning rate does').version(version).exitOverride()
  program
    .command('train')
    .description('train headless from a config file, writing a run folder')
    .option('--config <file>', 'run config (JSON)')
    .option('--preset <name>', 'a named recipe instead of a config file (see "lrlab presets")')
    .option('--name <name>', 'name of the run')
    .addOption(dataDirOption())
    .option('--json', 'print the final summary as one JSON object on the last line of stdout')
    .option('--max-steps <n>', `refuse a run of more optimizer steps than this (a guard against runs of days)`, stepCount, LONG_RUN_STEPS)
    .action(async (o) => {
      code = await trainCommand({ ...o, dataDir: resolve(o.dataDir) })
    })
  program
    .command('find-lr')
    .description('run the LR range test and suggest learning rates')
    .option('--config <file>', 'run config (JSON): data, model, optimizer, clipping')
    .option('--preset <name>', 'a named recipe instead of a config file')
    .option('--start <lr>', 'first learning rate', Number)
    .option('--end <lr>', 'last learning rate', Number)
    .option('--iters <n>', 'number of steps', Number)
    .addOption(new Option('--mode <mode>', 'sweep shape').choices(['exp', 'linear']))
    .addOption(dataDirOption())
    .option('--json', 'print every suggestion as one JSON object on the last line of stdout')
    .action(async (o) => {
      code = await findLrCommand({ ...o, dataDir: resolve(o.dataDir) })
    })
  program
    .command('export')
    .description("export a run's metrics as CSV, or a comparison report over runs (--compare)")
    .argument('[runs...]', 'run id (several, or none for all, with --compare)')
    .requiredOption('--out <file>', 'CSV file to write ("-" for standard output)')
    .option('--compare', 'one row per run: its config (optimizer, LR, schedule, clipping, batch size, seed) and summary')
    .option('--sweep <id>', 'with --compare: the sweep report, one row per member with its axis values and results')
    .addOption(new Option('--level <level>', 'one row per step or per epoch').choices(['step', 'epoch']).default(DEFAULT_EXPORT_OPTIONS.level))
    .addOption(new Option('--format <format>', 'wide (a column per metric) or long (tidy)').choices(['wide', 'long']).default(DEFAULT_EXPORT_OPTIONS.format))
    .addOption(dataDirOption())
    .action(async (runIds: string[], o) => {
      code = await exportCommand(runIds, { ...o, dataDir: resolve(o.dataDir) })
    })
  program
    .command('sweep')
    .description('run a sweep (a base config and axes to vary) in a pool of trainer processes; --list its members; --member K runs one')
    .option('--config <file>', 'sweep spec (JSON): {"base": {run config}, "grid": {"optimizer.lr": [...]}, "seeds": [...]}')
    .option('--preset <name>', 'a named sweep instead of a file: article-race, digits-lr-sweep')
    .option('--parallel <n>', 'trainer processes at once (default: the number of cores)', positiveInt)
    .option('--list', 'print the members (index and axis values) and exit')
    .option('--member <k>', 'run member K alone, in this process (for Slurm arrays, indexed Jobs, GNU parallel)', nonNegativeInt)
    .addOption(dataDirOption())
    .option('--json', 'print the result as one JSON object on the last line of stdout')
    .action(async (o) => {
      code = await sweepCommand({ ...o, dataDir: resolve(o.dataDir) })
    })
  program
    .command('presets')
    .description('list the named recipes with a one-line description')
    .option('--json', 'print as JSON')
    .action((o) => {
      if (o.json) console.log(JSON.stringify(PRESETS.map(({ name, version, title, description }) => ({ name, version, title, description }))))
      else for (const p of PRESETS) console.log(`${p.name.padEnd(22)} ${p.title}\n${' '.repeat(23)}${p.description}`)
    })
  program
    .command('runs')
    .description('list saved runs')
    .addOption(dataDirOption())
    .option('--json', 'print as JSON')
    .action((o) => {
      code = listCommand({ ...o, dataDir: resolve(o.dataDir) })
    })
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message)
      return EXIT.badConfig
    }
    const ce = e as { code?: string; exitCode?: number }
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) return ce.exitCode === 0 ? 0 : EXIT.badConfig
    console.error(`lrlab: ${e instanceof Error ? e.message : String(e)}`)
    return EXIT.error
  }
  return code
}

/**
 * Exit once stdout and stderr have handed everything to the OS. On a pipe, writes are
 * asynchronous: process.exit() right after a large write cut `lrlab export --out - | …` short.
 * The exit itself stays explicit, so a handle left open (a tfjs backend's) cannot keep the CLI alive.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  process.exitCode = code
  await Promise.all(
    [process.stdout, process.stderr].map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.destroyed || !s.writable) return resolve()
          s.once('error', () => resolve()) // EPIPE: the reader is gone, nothing more can be delivered
          s.write('', () => resolve()) // called after every earlier write is flushed
        }),
    ),
  )
  process.exit(code)
}

// Run when executed directly (out/main/cli.js via bin/lrlab.mjs), not when imported by tests.
if (process.argv[1] && /cli\.(js|ts)$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then(exitWhenFlushed)
}
