import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { allowNavigation, allowPermission, bridgeConnectSources, contentSecurityPolicy, externalUrlToOpen, isTrustedSender, type RendererOrigin } from '../../../electron/shell/security'

const file: RendererOrigin = { kind: 'file', indexPath: '/opt/LR Lab/resources/app.asar/out/renderer/index.html' }
const dev: RendererOrigin = { kind: 'dev', url: 'http://localhost:5173/' }
const ownFileUrl = 'file:///opt/LR%20Lab/resources/app.asar/out/renderer/index.html'

describe('content security policy', () => {
  it('allows scripts from the page itself only and connects to the service only', () => {
    const csp = contentSecurityPolicy(bridgeConnectSources('127.0.0.1', 5317))
    const d = Object.fromEntries(csp.split('; ').map((x) => [x.split(' ')[0], x.split(' ').slice(1)]))
    expect(d['script-src']).toEqual(["'self'"])
    expect(d['default-src']).toEqual(["'self'"])
    expect(d['connect-src']).toEqual(["'self'", 'ws://127.0.0.1:5317', 'ws://localhost:5317'])
    expect(d['object-src']).toEqual(["'none'"])
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|\*/)
  })

  it("is the one in the renderer's index.html (Electron mode: file:// pages get it from the meta tag)", () => {
    const html = readFileSync(join(__dirname, '..', '..', '..', 'renderer', 'index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(meta).toBe(contentSecurityPolicy())
  })
})

describe('trusted IPC sender', () => {
  it('accepts only the main frame of our own page', () => {
    expect(isTrustedSender({ url: ownFileUrl, isMainFrame: true }, file)).toBe(true)
    expect(isTrustedSender({ url: `${ownFileUrl}#/library`, isMainFrame: true }, file)).toBe(true)
    expect(isTrustedSender({ url: ownFileUrl, isMainFrame: false }, file)).toBe(false)
    expect(isTrustedSender({ url: 'file:///tmp/evil.html', isMainFrame: true }, file)).toBe(false)
    expect(isTrustedSender({ url: 'https://example.com/', isMainFrame: true }, file)).toBe(false)
    expect(isTrustedSender({ url: 'not a url', isMainFrame: true }, file)).toBe(false)
    expect(isTrustedSender(null, file)).toBe(false)
    expect(isTrustedSender({ url: 'http://localhost:5173/src/x', isMainFrame: true }, dev)).toBe(true)
    expect(isTrustedSender({ url: 'http://localhost:5174/', isMainFrame: true }, dev)).toBe(false)
    expect(isTrustedSender({ url: 'http://localhost.evil.com:5173/', isMainFrame: true }, dev)).toBe(false)
  })

  it('keeps the window on our page', () => {
    expect(allowNavigation(ownFileUrl, file)).toBe(true)
    expect(allowNavigation('file:///etc/passwd', file)).toBe(false)
    expect(allowNavigation('https://example.com', file)).toBe(false)
    expect(allowNavigation('http://localhost:5173/#x', dev)).toBe(true)
  })

  it('opens only plain https links outside', () => {
    expect(externalUrlToOpen('https://pytorch.org/docs/')).toBe('https://pytorch.org/docs/')
    expect(externalUrlToOpen('http://pytorch.org/')).toBeNull()
    expect(externalUrlToOpen('file:///etc/passwd')).toBeNull()
    expect(externalUrlToOpen('https://user:pw@example.com/')).toBeNull()
    expect(externalUrlToOpen('javascript:alert(1)')).toBeNull()
  })

  it('grants notifications to our page and nothing else', () => {
    expect(allowPermission('notifications', ownFileUrl, file)).toBe(true)
    expect(allowPermission('notifications', 'https://example.com', file)).toBe(false)
    for (const p of ['media', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen']) expect(allowPermission(p, ownFileUrl, file)).toBe(false)
  })
})
