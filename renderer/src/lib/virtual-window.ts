/** Which rows of a long fixed-height list to put in the DOM for a scroll position. */
export interface RowWindow {
  /** First rendered row. */
  start: number
  /** One past the last rendered row. */
  end: number
  /** Heights (px) of the empty space standing in for the rows above and below. */
  padTop: number
  padBottom: number
}

/**
 * The rows intersecting [scrollTop, scrollTop + viewHeight), plus `overscan` rows each side
 * so a fast scroll or a key press does not show blank space before the next render.
 */
export function rowWindow(count: number, scrollTop: number, viewHeight: number, rowHeight: number, overscan: number): RowWindow {
  const h = Math.max(1, rowHeight)
  const first = Math.floor(Math.max(0, scrollTop) / h)
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewHeight)) / h)
  const start = Math.max(0, Math.min(count, first - overscan))
  const end = Math.max(start, Math.min(count, last + overscan))
  return { start, end, padTop: start * h, padBottom: (count - end) * h }
}

/** The scrollTop that brings row `index` fully into view (unchanged when it already is). */
export function scrollToRow(index: number, scrollTop: number, viewHeight: number, rowHeight: number, headerHeight = 0): number {
  const top = index * rowHeight
  const bottom = top + rowHeight
  if (top < scrollTop) return top
  if (bottom > scrollTop + viewHeight - headerHeight) return bottom - viewHeight + headerHeight
  return scrollTop
}
