import type uPlot from 'uplot'
import type { XRange } from '../chart-types'

/**
 * Drag across the plot to pick an x range, double-click to reset it. The chart does not zoom
 * itself (setScale off): the owner decides, so synced charts share one range.
 */
export function dragZoomPlugin(onZoom: () => ((range: XRange | null) => void) | undefined): uPlot.Plugin {
  return {
    opts: (_u, opts) => {
      const bind = { ...opts.cursor?.bind, dblclick: () => () => (onZoom()?.(null), null) }
      opts.cursor = { ...opts.cursor, drag: { x: true, y: false, setScale: false }, bind }
    },
    hooks: {
      setSelect: (u) => {
        // Synced charts repeat the drag (uPlot replays the mouse-up on each): only the chart
        // dragged on, which holds the mouse event, reports it, so the range is asked for once.
        if (u.select.width > 4 && u.cursor.event) {
          const a = u.posToVal(u.select.left, 'x')
          const b = u.posToVal(u.select.left + u.select.width, 'x')
          onZoom()?.([Math.min(a, b), Math.max(a, b)])
        }
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
      },
    },
  }
}
