import type uPlot from 'uplot'

/** A horizontal reference line (e.g. the clipping threshold). */
export interface Threshold {
  value: number
  label: string
}

/**
 * Dashed horizontal lines at y values, labelled: drawn on the canvas (not as DOM) so the
 * PNG export keeps them. `current` is read at each draw, so new lines need no rebuild.
 */
export function thresholdsPlugin(current: () => readonly Threshold[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const lines = current()
        if (lines.length === 0) return
        const ctx = u.ctx
        const { left, top, width, height } = u.bbox
        const dpr = devicePixelRatio
        ctx.save()
        // uPlot leaves its axis text alignment on the context.
        ctx.textAlign = 'left'
        ctx.textBaseline = 'alphabetic'
        ctx.font = `${10 * dpr}px system-ui, sans-serif`
        for (const t of lines) {
          const py = Math.round(u.valToPos(t.value, 'y', true))
          if (!(py >= top && py <= top + height)) continue
          ctx.strokeStyle = 'rgba(220, 38, 38, 0.8)'
          ctx.setLineDash([6 * dpr, 4 * dpr])
          ctx.lineWidth = dpr
          ctx.beginPath()
          ctx.moveTo(left, py)
          ctx.lineTo(left + width, py)
          ctx.stroke()
          ctx.fillStyle = 'rgba(220, 38, 38, 0.95)'
          ctx.fillText(t.label, left + 4 * dpr, py - 3 * dpr)
        }
        ctx.restore()
      },
    },
  }
}
