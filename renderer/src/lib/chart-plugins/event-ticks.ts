import type uPlot from 'uplot'
import { lowerBound } from '../../../../shared/sorted-search'

/**
 * Short ticks along the plot's bottom at ascending x positions (e.g. steps where clipping
 * acted). One tick per pixel column at most, so thousands of events stay cheap.
 */
export function eventTicksPlugin(current: () => ArrayLike<number>, stroke: string): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const xs = current()
        if (xs.length === 0) return
        const ctx = u.ctx
        const { left, top, width, height } = u.bbox
        const dpr = devicePixelRatio
        ctx.save()
        ctx.setLineDash([])
        ctx.strokeStyle = stroke
        ctx.lineWidth = Math.max(1, dpr)
        ctx.beginPath()
        // After drawing one tick, jump (binary search) past the rest of its pixel.
        let i = lowerBound(xs, u.posToVal(0, 'x'))
        while (i < xs.length) {
          const px = Math.round(u.valToPos(xs[i]!, 'x', true))
          if (px > left + width) break
          ctx.moveTo(px, top + height)
          ctx.lineTo(px, top + height - 6 * dpr)
          i = Math.max(i + 1, lowerBound(xs, u.posToVal((px + 1 - left) / dpr, 'x')))
        }
        ctx.stroke()
        ctx.restore()
      },
    },
  }
}
