/**
 * The LR range test's pure math, shared by the trainer and the renderer: the sweep, the two
 * smoothing conventions, and the suggestion rules of fastai and pytorch-lr-finder, all
 * computed on the same trimmed curve.
 */
import { z } from 'zod'

const positive = (name: string) =>
  z
    .number({ error: `${name} must be a number` })
    .positive({ error: `${name} must be > 0` })
    .finite()

export const RangeTestSchema = z
  .object({
    startLr: positive('startLr').default(1e-7),
    endLr: positive('endLr').default(10),
    numIter: z.number().int({ error: 'numIter must be a whole number' }).min(6, { error: 'numIter must be at least 6' }).max(100_000).default(100),
    /** Exponential (log-uniform) or linear sweep. */
    mode: z.enum(['exp', 'linear']).default('exp'),
    /** 'exact': the last iteration uses endLr (pytorch-lr-finder); 'fastai': lr_i uses i/N, never reaching endLr. */
    endConvention: z.enum(['exact', 'fastai']).default('exact'),
    /** 'debiased': fastai's EMA with bias correction; 'ema': pytorch-lr-finder's, seeded with the first loss. */
    smoothing: z.enum(['debiased', 'ema']).default('debiased'),
    /** EMA factor β (fastai 0.98; pytorch-lr-finder's smooth_f 0.05 is β = 0.95). */
    beta: z.number().min(0, { error: 'beta must be in [0, 1)' }).lt(1, { error: 'beta must be in [0, 1)' }).default(0.98),
    /** Stop when the smoothed loss exceeds this multiple of its best (fastai 4, pytorch-lr-finder 5). */
    divergeFactor: z.number().gt(1, { error: 'divergeFactor must be > 1' }).default(4),
    stopOnDivergence: z.boolean().default(true),
  })
  .strict()
  .refine((o) => o.endLr > o.startLr, { message: 'endLr must be greater than startLr', path: ['endLr'] })
export type RangeTestOptions = z.infer<typeof RangeTestSchema>
export type RangeTestInput = z.input<typeof RangeTestSchema>

/** The learning rate of iteration i. */
export function sweepLr(o: RangeTestOptions, i: number): number {
  const r = o.endConvention === 'exact' ? i / (o.numIter - 1) : i / o.numIter
  return o.mode === 'exp' ? o.startLr * Math.pow(o.endLr / o.startLr, r) : o.startLr + r * (o.endLr - o.startLr)
}

/** Running smoother; returns the smoothed value after each raw loss. */
export function createSmoother(o: Pick<RangeTestOptions, 'smoothing' | 'beta'>): (loss: number) => number {
  let avg = 0
  let k = 0
  return (loss) => {
    k++
    if (o.smoothing === 'debiased') {
      avg = o.beta * avg + (1 - o.beta) * loss
      return avg / (1 - Math.pow(o.beta, k))
    }
    avg = k === 1 ? loss : (1 - o.beta) * loss + o.beta * avg
    return avg
  }
}

export interface Suggestion {
  rule: 'steepest' | 'steep' | 'valley' | 'slide' | 'minimum'
  /** What the rule computes, for the UI and the CLI. */
  description: string
  lr: number
  /** Index into the full lrs/losses arrays of the plotted point. */
  index: number
}

export interface Proposals {
  /**
   * Leslie Smith: the best max is near the largest LR that still converges, and base is 1/3–1/4
   * of max. The smoothed minimum lags past that point (a diverging step shows up late), so max
   * is a quarter of the LR at the minimum and base a quarter of max.
   */
  cyclicBaseLr: number
  cyclicMaxLr: number
  /** fastai's advice for fit_one_cycle: an order of magnitude below the loss minimum. */
  oneCycleMaxLr: number
}

/** np.gradient over the index: central differences, one-sided at the ends. */
function gradient(y: number[]): number[] {
  const n = y.length
  if (n < 2) return y.map(() => 0)
  return y.map((_, i) => (i === 0 ? y[1]! - y[0]! : i === n - 1 ? y[n - 1]! - y[n - 2]! : (y[i + 1]! - y[i - 1]!) / 2))
}

/**
 * fastai's valley: lds[i] is the length of the longest strictly decreasing subsequence ending
 * at i (O(n²)); the first longest one ends at maxEnd; maxStart = maxEnd − lds[maxEnd], one
 * before its first point (−1 when it starts at 0: fastai's quirk, kept); index
 * maxStart + ⌊s⌋ + ⌊s/2⌋ with s = (maxEnd − maxStart)/3. When that index is −1 fastai reads
 * Python's lrs[−1] (the last LR); we return 0 instead.
 */
export function valleyIndex(y: number[]): number {
  const lds = y.map(() => 1)
  let maxEnd = 0
  let maxStart = 0
  for (let i = 1; i < y.length; i++) {
    for (let j = 0; j < i; j++) {
      if (y[i]! < y[j]! && lds[i]! < lds[j]! + 1) lds[i] = lds[j]! + 1
      if (lds[maxEnd]! < lds[i]!) {
        maxEnd = i
        maxStart = maxEnd - lds[maxEnd]!
      }
    }
  }
  const s = (maxEnd - maxStart) / 3
  return Math.max(0, maxStart + Math.trunc(s) + Math.trunc(s / 2))
}

/**
 * fastai's slide (lr_diff 15, thresh 0.005): compare np.gradient at the right end r and at
 * l = r − 15; while they differ by more than thresh, take lrs[l] and move both one step left.
 * Null when the curve is not longer than the window.
 */
export function slideIndex(y: number[], lrDiff = 15, thresh = 0.005): number | null {
  if (y.length <= lrDiff) return null
  const g = gradient(y)
  let r = y.length - 1
  let l = r - lrDiff
  let found = l
  while (l >= 0 && Math.abs(g[r]! - g[l]!) > thresh) {
    found = l
    r--
    l--
  }
  return found
}

/**
 * All suggestions on the same trimmed curve: skip the first 10% and the last 5 points,
 * and cut before the first non-finite loss (fastai#3476).
 */
export function suggestLrs(lrs: ArrayLike<number>, smoothed: ArrayLike<number>, numIter = lrs.length): { suggestions: Suggestion[]; proposals: Proposals | null; trimmed: [number, number] } {
  const start = Math.floor(numIter / 10)
  let end = Math.max(start, lrs.length - 5)
  for (let i = start; i < end; i++)
    if (!Number.isFinite(smoothed[i]!)) {
      end = i
      break
    }
  const x: number[] = []
  const y: number[] = []
  for (let i = start; i < end; i++) {
    x.push(lrs[i]!)
    y.push(smoothed[i]!)
  }
  if (y.length < 3) return { suggestions: [], proposals: null, trimmed: [start, end] }
  const suggestions: Suggestion[] = []

  const g = gradient(y)
  const iSteepest = g.indexOf(Math.min(...g))
  suggestions.push({ rule: 'steepest', description: 'steepest descent of the smoothed loss (pytorch-lr-finder)', lr: x[iSteepest]!, index: start + iSteepest })

  let iSteep = 0
  let best = Infinity
  for (let i = 0; i + 1 < y.length; i++) {
    const slope = (y[i + 1]! - y[i]!) / (Math.log(x[i + 1]!) - Math.log(x[i]!))
    if (slope < best) {
      best = slope
      iSteep = i
    }
  }
  suggestions.push({ rule: 'steep', description: 'steepest slope against log(lr) (fastai steep)', lr: x[iSteep]!, index: start + iSteep })

  const iValley = valleyIndex(y)
  suggestions.push({ rule: 'valley', description: 'about halfway down the longest valley (fastai valley, its default)', lr: x[iValley]!, index: start + iValley })

  const iSlide = slideIndex(y)
  if (iSlide !== null)
    suggestions.push({
      rule: 'slide',
      description: 'where the slope stops changing, sliding a 15-point window down from the end (fastai slide; threshold in loss units)',
      lr: x[iSlide]!,
      index: start + iSlide,
    })

  const iMin = y.indexOf(Math.min(...y))
  suggestions.push({ rule: 'minimum', description: 'the LR at the loss minimum, divided by 10 (fastai minimum)', lr: x[iMin]! / 10, index: start + iMin })

  const lrAtMin = x[iMin]!
  const proposals: Proposals = { cyclicMaxLr: lrAtMin / 4, cyclicBaseLr: lrAtMin / 16, oneCycleMaxLr: lrAtMin / 10 }
  return { suggestions, proposals, trimmed: [start, end] }
}
