import type uPlot from 'uplot'

/** Dashed vertical lines at x positions across the plot (e.g. schedule restarts). */
export function markersPlugin(current: () => readonly number[], stroke: string): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const xs = current()
        if (xs.length === 0) return
        const ctx = u.ctx
        const { left, top, width, height } = u.bbox
        ctx.save()
        ctx.strokeStyle = stroke
        ctx.setLineDash([4, 4])
        ctx.lineWidth = 1
        for (const m of xs) {
          const px = Math.round(u.valToPos(m, 'x', true))
          if (px < left || px > left + width) continue
          ctx.beginPath()
          ctx.moveTo(px, top)
          ctx.lineTo(px, top + height)
          ctx.stroke()
        }
        ctx.restore()
      },
    },
  }
}
