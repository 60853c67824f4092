/** Number and time formatting for an instrument-like display: fixed widths, no jitter. */

export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—'
  if (Number.isNaN(v)) return 'NaN'
  if (!Number.isFinite(v)) return v > 0 ? '+∞' : '−∞'
  const a = Math.abs(v)
  if (a === 0) return '0'
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, digits - 1)).replace('e+', 'e')
  return Number(v.toPrecision(digits)).toString()
}

export function formatDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '—'
  const s = Math.max(0, Math.round(sec))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const r = s % 60
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`
  return `${m}:${String(r).padStart(2, '0')}`
}

export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec) || perSec <= 0) return '0'
  if (perSec >= 1000) return `${(perSec / 1000).toFixed(1)}k`
  if (perSec >= 100) return perSec.toFixed(0)
  return perSec.toFixed(1)
}

export function formatDate(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A date for a narrow column: month-day and time this year, the date alone for older ones. */
export function formatShortDate(iso: string, now = new Date()): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const pad = (n: number) => String(n).padStart(2, '0')
  const day = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
  return d.getFullYear() === now.getFullYear() ? `${day} ${pad(d.getHours())}:${pad(d.getMinutes())}` : `${d.getFullYear()}-${day}`
}

/** A count for a narrow column: 9,999 in full, then 10.8k, 1.2M (the exact figure goes in a title). */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  const a = Math.abs(n)
  if (a < 10_000) return n.toLocaleString('en-US')
  const units = [
    [1e3, 'k'],
    [1e6, 'M'],
    [1e9, 'G'],
  ] as const
  for (const [i, [div, unit]] of units.entries()) {
    const v = n / div
    const shown = Math.abs(v) < 100 ? Number(v.toFixed(1)) : Math.round(v)
    // 999,949 rounds to 1000k: that is 1M.
    if (Math.abs(shown) < 1000 || i === units.length - 1) return `${shown}${unit}`
  }
  return String(n)
}
