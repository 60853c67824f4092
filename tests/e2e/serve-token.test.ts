/**
 * The page's access token (issue 15, item 9): a wrong or stale link says it is no longer
 * valid and where to find the right one, and stops retrying; the token is kept per data dir
 * (owner-only) so a bookmark survives a restart, and --new-token rotates it.
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/service'
import { ARTIFACTS, launchChromium, startServe } from './browser'

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

const tokenOf = (url: string): string => new URL(url).searchParams.get('token')!

describe('the access token', () => {
  it('a stale link says so and stops hammering; the token survives a restart until --new-token', async () => {
    const dataDir = tempDir('lrlab-token-')
    const first = await startServe(dataDir)
    const again = await (async () => {
      await first.stop()
      return startServe(dataDir)
    })()
    try {
      expect(tokenOf(again.url)).toBe(tokenOf(first.url))
      expect(statSync(join(dataDir, 'serve-token')).mode & 0o077).toBe(0)

      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      let sockets = 0
      page.on('websocket', () => sockets++)
      await page.goto(again.url.replace(/token=[^&]+/, 'token=stale'))
      const banner = page.getByTestId('token-invalid')
      await banner.waitFor({ timeout: 15_000 })
      expect(await banner.textContent()).toMatch(/no longer valid.*npm run serve/s)
      expect(await page.getByTestId('connection-state').count()).toBe(0)
      const tried = sockets
      await new Promise((r) => setTimeout(r, 3000))
      expect(sockets).toBe(tried)
      await page.screenshot({ path: join(ARTIFACTS, 'serve-token-stale.png') })
      await page.close()
    } finally {
      await again.stop()
    }
    const rotated = await startServe(dataDir, {}, ['--new-token'])
    try {
      expect(tokenOf(rotated.url)).not.toBe(tokenOf(first.url))
    } finally {
      await rotated.stop()
    }
  })
})
