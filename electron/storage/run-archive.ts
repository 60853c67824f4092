/**
 * Runs as .zip files: export one run folder as `<runId>/…` inside a zip, and extract such a
 * zip safely (no path traversal, no links, capped entry count and sizes) into a fresh folder
 * that the store then validates like any run folder. fflate: pure JS with no dependencies
 * and no native parts (so nothing to unpack from asar), maintained, and it reads each
 * entry's sizes before inflating it, which the caps need.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs'
import { basename, dirname, join, resolve, sep } from 'node:path'
import { randomBytes } from 'node:crypto'
import { unzipSync, zipSync, type Zippable } from 'fflate'

export const ZIP_LIMITS = {
  /** The .zip file itself. */
  maxZipBytes: 1024 * 1024 * 1024,
  /** All files once extracted. */
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  maxEntries: 10_000,
  maxDepth: 6,
}
export type ZipLimits = typeof ZIP_LIMITS

/** One path segment as a run folder's files are named: no separators, no "..", no control characters. */
const SEGMENT = /^[A-Za-z0-9._-]{1,128}$/

/** A zip entry's name as a safe relative path (segments), or the reason it is refused. */
export function safeEntryPath(name: string, maxDepth = ZIP_LIMITS.maxDepth): string[] | string {
  if (name.includes('\\')) return 'backslash in the name'
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path'
  const parts = name.split('/').filter((p, i, a) => !(p === '' && i === a.length - 1))
  if (parts.length > maxDepth) return 'nested too deep'
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..') return 'empty, "." or ".." segment'
    if (!SEGMENT.test(p)) return `segment "${p.slice(0, 40)}" has characters other than letters, digits, dot, dash, underscore`
  }
  return parts
}

function walk(dir: string, prefix: string, out: Zippable): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) walk(p, `${prefix}${e.name}/`, out)
    // Links are not followed: a run folder holds plain files only.
    else if (e.isFile()) out[`${prefix}${e.name}`] = [readFileSync(p), { level: e.name.endsWith('.arrow') ? 1 : 6 }]
  }
}

/** A run folder as zip bytes, its files under `<folder name>/`. */
export function zipRunFolder(folder: string): Uint8Array {
  const files: Zippable = {}
  walk(folder, `${basename(folder)}/`, files)
  return zipSync(files, { mtime: new Date('2000-01-01T00:00:00Z') })
}

export class UnsafeZipError extends Error {
  constructor(zipName: string, problem: string) {
    super(`${zipName}: ${problem}`)
    this.name = 'UnsafeZipError'
  }
}

/**
 * Extract a run zip into a new folder (`root`) inside `parent`; `folder` is the run folder in it: the
 * zip's single top folder, or the extraction folder itself when the files sit at the root.
 * Refuses the whole zip (nothing written) when any entry is unsafe or a cap is passed.
 */
export function extractRunZip(bytes: Uint8Array, parent: string, zipName = 'the zip', limits: ZipLimits = ZIP_LIMITS): { root: string; folder: string } {
  if (bytes.byteLength > limits.maxZipBytes) throw new UnsafeZipError(zipName, `larger than ${limits.maxZipBytes} bytes`)
  let entries = 0
  let declared = 0
  let problem: string | null = null
  let files: Record<string, Uint8Array>
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (problem) return false
        entries++
        declared += f.originalSize
        const safe = safeEntryPath(f.name, limits.maxDepth)
        if (typeof safe === 'string') problem = `entry "${f.name.slice(0, 80)}" refused: ${safe}`
        else if (entries > limits.maxEntries) problem = `more than ${limits.maxEntries} entries`
        else if (declared > limits.maxTotalBytes) problem = `its files add up to more than ${limits.maxTotalBytes} bytes`
        return !problem
      },
    })
  } catch (e) {
    throw new UnsafeZipError(zipName, `not a readable zip (${e instanceof Error ? e.message : String(e)})`)
  }
  if (problem) throw new UnsafeZipError(zipName, problem)
  // Sizes in the headers can lie: count what was really inflated too.
  let total = 0
  for (const data of Object.values(files)) total += data.byteLength
  if (total > limits.maxTotalBytes) throw new UnsafeZipError(zipName, `its files add up to more than ${limits.maxTotalBytes} bytes`)
  const names = Object.keys(files).filter((n) => !n.endsWith('/'))
  if (!names.length) throw new UnsafeZipError(zipName, 'it holds no files')

  const root = resolve(parent, `.unzip-${randomBytes(6).toString('hex')}`)
  mkdirSync(root, { recursive: true })
  try {
    for (const name of names) {
      const parts = safeEntryPath(name, limits.maxDepth) as string[]
      const target = resolve(root, ...parts)
      if (!target.startsWith(root + sep)) throw new UnsafeZipError(zipName, `entry "${name}" would land outside the folder`)
      mkdirSync(dirname(target), { recursive: true })
      writeFileSync(target, files[name]!, { flag: 'wx' })
    }
  } catch (e) {
    rmSync(root, { recursive: true, force: true })
    throw e
  }
  const tops = new Set(names.map((n) => n.split('/')[0]!))
  const single = tops.size === 1 ? [...tops][0]! : null
  return { root, folder: single && statSync(join(root, single)).isDirectory() ? join(root, single) : root }
}
