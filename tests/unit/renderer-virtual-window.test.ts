/** The run library's virtual scrolling window (renderer/src/lib/virtual-window.ts). */
import { describe, expect, it } from 'vitest'
import { rowWindow, scrollToRow } from '../../renderer/src/lib/virtual-window'

describe('rowWindow', () => {
  it('renders the visible rows plus overscan, and pads for the rest', () => {
    const w = rowWindow(1000, 2600, 340, 26, 5)
    // Rows 100 … 113 intersect [2600, 2940).
    expect(w).toEqual({ start: 95, end: 119, padTop: 95 * 26, padBottom: (1000 - 119) * 26 })
    expect(w.padTop + (w.end - w.start) * 26 + w.padBottom).toBe(1000 * 26)
  })
  it('clamps at both ends and for short lists', () => {
    expect(rowWindow(1000, 0, 340, 26, 5)).toMatchObject({ start: 0, end: 19, padTop: 0 })
    expect(rowWindow(1000, 1000 * 26 - 340, 340, 26, 5)).toMatchObject({ end: 1000, padBottom: 0 })
    expect(rowWindow(1000, 1e9, 340, 26, 5)).toMatchObject({ start: 1000, end: 1000, padBottom: 0 })
    expect(rowWindow(3, 0, 340, 26, 5)).toEqual({ start: 0, end: 3, padTop: 0, padBottom: 0 })
    expect(rowWindow(0, 0, 340, 26, 5)).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 })
  })
})

describe('scrollToRow', () => {
  it('scrolls just enough to show the row below a sticky header', () => {
    expect(scrollToRow(5, 0, 340, 26, 28)).toBe(0)
    // Row 20 ends at 546; the view shows 340 − 28 px of rows.
    expect(scrollToRow(20, 0, 340, 26, 28)).toBe(546 - 312)
    expect(scrollToRow(3, 500, 340, 26, 28)).toBe(78)
  })
})
