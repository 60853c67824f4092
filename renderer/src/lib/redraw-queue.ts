/**
 * Chart redraws share each animation frame's time. A run's new rows make every chart dirty
 * at once; drawing them all in one frame makes that frame long (a dropped frame each time
 * a batch arrives), so each frame draws charts in the order they asked until `BUDGET_MS`
 * is spent and leaves the rest to the next frame. At least one chart is drawn per frame.
 */
const BUDGET_MS = 6
const queue = new Set<() => void>()
let frame = 0

/** Run `draw` in an upcoming animation frame (once, however often it is requested before). */
export function requestRedraw(draw: () => void): void {
  queue.add(draw)
  if (!frame) frame = requestAnimationFrame(drain)
}

export function cancelRedraw(draw: () => void): void {
  queue.delete(draw)
}

function drain(): void {
  frame = 0
  const start = performance.now()
  for (const draw of queue) {
    queue.delete(draw)
    draw()
    if (performance.now() - start > BUDGET_MS) break
  }
  if (queue.size) frame = requestAnimationFrame(drain)
}
