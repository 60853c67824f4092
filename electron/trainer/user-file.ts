/**
 * Reading a file a config names (a CSV dataset, a model.json to start from): only a regular file
 * of a sane size, and errors that never quote more of it than the user needs. A FIFO, a device
 * (/dev/zero, /dev/urandom), a directory or a /proc file used to hang the trainer or put the
 * file's bytes (an environment, /etc/passwd) into the error.
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync, constants, type Stats } from 'node:fs'

/** Kernel pseudo-file systems: their files claim size 0, never end (or leak the process's secrets). */
const PSEUDO_ROOTS = ['/proc/', '/sys/', '/dev/']

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a folder'
  if (s.isFIFO()) return 'a named pipe (FIFO)'
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device'
  if (s.isSocket()) return 'a socket'
  return 'not a regular file'
}

/**
 * The bytes of `path`, refusing up front anything but a regular file of at most `maxBytes`.
 * Throws `fail(reason)` with a reason that names the path and never its contents.
 */
export function readRegularFile(path: string, maxBytes: number, fail: (reason: string) => Error): Buffer {
  let real: string
  let st: Stats
  try {
    real = realpathSync(path)
    st = statSync(real)
  } catch (e) {
    throw fail(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`)
  }
  if (!st.isFile()) throw fail(`${path} is ${kindOf(st)}, not a regular file`)
  if (PSEUDO_ROOTS.some((r) => real.startsWith(r))) throw fail(`${path} is a system file (${real}), not a data file`)
  if (st.size > maxBytes) throw fail(`${path} is ${formatBytes(st.size)}; at most ${formatBytes(maxBytes)} can be read`)
  // O_NONBLOCK: should the file be swapped for a FIFO between stat and open, open does not hang.
  let fd: number
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (e) {
    throw fail(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`)
  }
  try {
    if (!fstatSync(fd).isFile()) throw fail(`${path} is not a regular file`)
    const buf = Buffer.allocUnsafe(st.size)
    let got = 0
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got)
      if (n <= 0) break
      got += n
    }
    return buf.subarray(0, got)
  } finally {
    closeSync(fd)
  }
}

/** True when `bytes` look like text: no NUL bytes (a binary file would put raw bytes into messages). */
export function looksLikeText(bytes: Uint8Array): boolean {
  return bytes.indexOf(0) < 0
}

/** `s` fit to quote in a message: control characters shown as '?', cut at `max` characters. */
export function printable(s: string, max: number): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]/g, '?')
  return clean.length > max ? `${clean.slice(0, max)}…` : clean
}

function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${n} bytes`
}
