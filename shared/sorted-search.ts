/** Binary searches over ascending arrays (step and time columns), for the service and the page alike. */

/** Index of the first x ≥ v in an ascending array (x.length when none). */
export function lowerBound(x: ArrayLike<number>, v: number): number {
  let lo = 0
  let hi = x.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (x[mid]! < v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Index of the first x > v in an ascending array (x.length when none). */
export function upperBound(x: ArrayLike<number>, v: number): number {
  let lo = 0
  let hi = x.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (x[mid]! <= v) lo = mid + 1
    else hi = mid
  }
  return lo
}
