/** A one-line progress bar on stderr (redrawn in place on a terminal, a line every few seconds otherwise). */
import type { Progress } from '../../shared/api'

export function createProgressBar(stream: NodeJS.WriteStream = process.stderr): { update(p: Progress, loss?: number): void; done(): void } {
  let lastPlain = 0
  // Without a terminal, lines are written every 2 s; the final state is always written at the end.
  let unwritten: string | null = null
  const fmtEta = (s: number | null): string => (s === null ? '--' : s < 60 ? `${s.toFixed(0)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`)
  return {
    update(p, loss) {
      const frac = p.totalSteps ? p.step / p.totalSteps : 0
      const width = 24
      const filled = Math.round(frac * width)
      // p.epoch is the epoch the next step belongs to: after the last step it is one past the end.
      const epoch = Math.min(p.epoch + 1, p.totalEpochs)
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  epoch ${epoch}/${p.totalEpochs}  step ${p.step}/${p.totalSteps}  ${p.stepsPerSec.toFixed(0)} steps/s  ETA ${fmtEta(p.etaSec)}${loss !== undefined ? `  loss ${loss.toPrecision(5)}` : ''}`
      if (stream.isTTY) stream.write(`\r${line}\x1b[K`)
      else if (Date.now() - lastPlain > 2000) {
        lastPlain = Date.now()
        stream.write(line + '\n')
        unwritten = null
      } else unwritten = line
    },
    done() {
      if (stream.isTTY) stream.write('\n')
      else if (unwritten !== null) stream.write(unwritten + '\n')
    },
  }
}
