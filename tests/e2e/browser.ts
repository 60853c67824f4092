/** Helpers for end-to-end tests: the real `serve` bridge and Debian's Chromium. */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { chromium, type Browser, type Page } from 'playwright-core'

export const ROOT = resolve(__dirname, '..', '..')
export const ARTIFACTS = join(ROOT, 'artifacts')
mkdirSync(ARTIFACTS, { recursive: true })

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[]
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error(`Chromium not found (tried ${candidates.join(', ')}); install Debian's chromium package or set CHROMIUM_PATH`)
  return found
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

export interface ServeProcess {
  url: string
  proc: ChildProcess
  /** What the process wrote to stderr so far. */
  stderr(): string
  stop(): Promise<void>
}

/**
 * Start the built `serve` entry on a free port; resolves with the address it prints. `root` runs
 * another checkout's build (to measure old code), `cwd` where the process starts.
 */
export function startServe(dataDir: string, extraEnv: Record<string, string> = {}, extraArgs: string[] = [], o: { root?: string; cwd?: string } = {}): Promise<ServeProcess> {
  const entry = join(o.root ?? ROOT, 'out', 'main', 'serve.js')
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first (npm run test:e2e does)`)
  const proc = spawn(process.execPath, [entry, '--port', '0', '--data-dir', dataDir, ...extraArgs], { env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], cwd: o.cwd })
  let stderr = ''
  proc.stderr!.on('data', (d) => (stderr += d))
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no address in 60 s; stderr:\n${stderr}`)), 60_000)
    proc.on('exit', (code) => reject(new Error(`serve exited with ${code}; stderr:\n${stderr}`)))
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (/^http:\/\/127\.0\.0\.1:\d+\/\?token=/.test(line)) {
        clearTimeout(timer)
        resolvePromise({
          url: line.trim(),
          proc,
          stderr: () => stderr,
          stop: () =>
            new Promise<void>((r) => {
              if (proc.exitCode !== null) return r()
              proc.removeAllListeners('exit')
              proc.once('exit', () => r())
              proc.kill('SIGTERM')
            }),
        })
      }
    })
  })
}

/** Waits until the page has connected to the service (the backend badge is filled in). */
export async function appReady(page: Page): Promise<void> {
  await page
    .getByTestId('backend-badge')
    .filter({ hasText: /wasm|cpu|tensorflow/ })
    .waitFor({ timeout: 30_000 })
}

/**
 * The app as a test meets it: `serve` on `dataDir`, Chromium, one page at 1280×800 (unless told)
 * that logs page errors, loaded and connected. The caller stops `serve` and closes `browser`.
 */
export async function openApp(
  dataDir: string,
  o: { env?: Record<string, string>; args?: string[]; viewport?: { width: number; height: number } } = {},
): Promise<{ serve: ServeProcess; browser: Browser; page: Page }> {
  const serve = await startServe(dataDir, o.env, o.args)
  const browser = await launchChromium()
  const page = await browser.newPage({ viewport: o.viewport ?? { width: 1280, height: 800 } })
  page.on('pageerror', (e) => console.error('page error:', e.message))
  await page.goto(serve.url)
  await appReady(page)
  return { serve, browser, page }
}
