/**
 * The shell's security decisions, Electron-free so each is unit-tested: the renderer's
 * Content-Security-Policy (both modes), which frames may call IPC, where the window may
 * navigate, which permissions a page gets, and which external links open in the browser.
 */

/**
 * The CSP for the renderer. No inline script anywhere ('self' only); styles allow inline
 * because Svelte and uPlot set style attributes. `connect` lists the service's WebSocket
 * origins (browser mode); Electron talks over IPC and needs none.
 */
export function contentSecurityPolicy(connect: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `connect-src 'self'${connect.map((c) => ` ${c}`).join('')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** The WebSocket origins of a bridge bound to host:port (every name the page may be opened under). */
export function bridgeConnectSources(host: string, port: number): string[] {
  return [...new Set([host, '127.0.0.1', 'localhost'])].map((h) => `ws://${h}:${port}`)
}

/** Where the renderer comes from: the dev server's URL, or the packaged index.html. */
export type RendererOrigin = { kind: 'dev'; url: string } | { kind: 'file'; indexPath: string }

function parse(url: string): URL | null {
  try {
    return new URL(url)
  } catch {
    return null
  }
}

function samePage(url: string, origin: RendererOrigin): boolean {
  const u = parse(url)
  if (!u) return false
  if (origin.kind === 'dev') return u.origin === new URL(origin.url).origin
  // file:// has an opaque origin: compare the exact file, so another local page cannot call IPC.
  if (u.protocol !== 'file:') return false
  const expected = new URL(`file://${origin.indexPath.startsWith('/') ? '' : '/'}${origin.indexPath.replace(/\\/g, '/')}`)
  return decodeURIComponent(u.pathname) === decodeURIComponent(expected.pathname)
}

/** An IPC call counts only from the main frame of our own page (not an iframe, not another page). */
export function isTrustedSender(frame: { url: string; isMainFrame: boolean } | null | undefined, origin: RendererOrigin): boolean {
  if (!frame || !frame.isMainFrame) return false
  return samePage(frame.url, origin)
}

/** The window never leaves our page: in-page navigation to the same page only. */
export function allowNavigation(url: string, origin: RendererOrigin): boolean {
  return samePage(url, origin)
}

/** Links the app may hand to the OS browser (from window.open / target=_blank): https only, no credentials. */
export function externalUrlToOpen(url: string): string | null {
  const u = parse(url)
  if (!u || u.protocol !== 'https:' || u.username || u.password) return null
  return u.toString()
}

/**
 * Permissions a page asks for. Only notifications are granted (run-finished alerts), and only
 * to our own page; camera, geolocation, clipboard reads and the rest are refused.
 */
export function allowPermission(permission: string, requestingUrl: string, origin: RendererOrigin): boolean {
  return permission === 'notifications' && samePage(requestingUrl, origin)
}
