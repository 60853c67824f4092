import type uPlot from 'uplot'

/** A labelled point drawn on the plot (an LR-finder suggestion, where a run diverged). */
export interface Pin {
  x: number
  y: number
  label: string
  color: string
}

/** Dots with labels at (x, y), on the canvas so the PNG export keeps them. */
export function pinsPlugin(current: () => readonly Pin[], outline: string): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const pins = current()
        if (pins.length === 0) return
        const ctx = u.ctx
        const { left, top, width, height } = u.bbox
        const dpr = devicePixelRatio
        ctx.save()
        ctx.textAlign = 'left'
        ctx.textBaseline = 'alphabetic'
        ctx.font = `${10 * dpr}px system-ui, sans-serif`
        ctx.setLineDash([])
        pins.forEach((p, k) => {
          const px = u.valToPos(p.x, 'x', true)
          const py = u.valToPos(p.y, 'y', true)
          if (!(px >= left && px <= left + width && py >= top && py <= top + height)) return
          ctx.fillStyle = p.color
          ctx.strokeStyle = outline
          ctx.lineWidth = dpr
          ctx.beginPath()
          ctx.arc(px, py, 4.5 * dpr, 0, Math.PI * 2)
          ctx.fill()
          ctx.stroke()
          // Alternate above / below so neighbouring labels do not overlap.
          ctx.fillText(p.label, px + 7 * dpr, k % 2 ? py + 15 * dpr : py - 7 * dpr)
        })
        ctx.restore()
      },
    },
  }
}
