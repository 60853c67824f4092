/**
 * Small durable-file helpers: atomic replace (temp file, fsync, rename, fsync dir) and
 * append-then-fsync. Crash safety of the run folder rests on these.
 */
import { readFileSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname, basename, join } from 'node:path'

/** fsync a directory so a rename/create inside it survives power loss. Not possible on Windows: skipped. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch {
    // Windows cannot open directories; NTFS journals the rename itself.
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Replace `file` with `data` so a reader (or a crash) sees either the old or the new content, never a mix. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = dirname(file)
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`)
  const fd = openSync(tmp, 'w')
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    let off = 0
    while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off)
    fsyncSync(fd)
  } catch (e) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw e
  }
  closeSync(fd)
  renameSync(tmp, file)
  fsyncDir(dir)
}

/** Write all of `buf` at the end of an append-mode fd. */
export function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0
  while (off < buf.byteLength) off += writeSync(fd, buf, off, buf.byteLength - off)
}

/** True when a process with this pid exists on this machine (EPERM: exists but not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
  // A killed process whose parent died too can linger as a zombie that no one reaps
  // (containers whose init does not reap): it still answers kill(pid, 0) but writes nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state !== 'Z' && state !== 'X'
  } catch {
    return true // no /proc (macOS, Windows): kill(pid, 0) is the best answer there
  }
}

/**
 * When a process started, as an opaque token (Linux: ticks since boot, field 22 of
 * /proc/PID/stat), so a pid the system recycled for another process is not taken for the
 * writer. Undefined where there is no /proc: the pid alone decides there.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces and parentheses): state is field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

/** True when the process that wrote `pid` (and `start`, when recorded) is still running. */
export function writerAlive(pid: number, start: string | undefined): boolean {
  if (!pidAlive(pid)) return false
  if (start === undefined) return true
  const now = processStartTime(pid)
  return now === undefined || now === start
}
