/**
 * Quitting waits for the service: Electron's 'before-quit' does not await a promise, so the
 * first quit is cancelled, the service stops its trainers (each writes 'stopped' and flushes),
 * and then the app quits for real. Electron-free so it is tested under Node.
 */
export interface QuitEvent {
  preventDefault(): void
}

/** A 'before-quit' handler: `app.on('before-quit', quitAfterShutdown(() => service.shutdown(), () => app.quit()))`. */
export function quitAfterShutdown(shutdown: () => Promise<void>, quit: () => void): (event: QuitEvent) => void {
  let state: 'open' | 'stopping' | 'done' = 'open'
  return (event) => {
    if (state === 'done') return // the quit we asked for: let it through
    event.preventDefault()
    if (state === 'stopping') return // a second Cmd-Q while trainers flush
    state = 'stopping'
    void shutdown()
      .catch(() => {}) // a failed shutdown must not keep the app open
      .finally(() => {
        state = 'done'
        quit()
      })
  }
}
