/**
 * Watching a folder of run folders: fs.watch for prompt notice where it works, and polling
 * (stat of each run's files) as the fallback that always works, e.g. on network drives where
 * fs.watch stays silent. A run folder is reported once it has a manifest.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs'
import { join } from 'node:path'

export interface WatchEvent {
  kind: 'added' | 'updated' | 'removed'
  id: string
  dir: string
}

export interface WatchOptions {
  /** Polling period (default 1000 ms). */
  intervalMs?: number
}

const WATCHED_FILES = ['manifest.json', 'steps.arrow', 'epochs.arrow', 'events.jsonl']

/** Size and modification time of the run's files: changes when metrics are appended or the manifest replaced. */
function signature(dir: string): string | null {
  let sig = ''
  for (const f of WATCHED_FILES) {
    try {
      const s = statSync(join(dir, f))
      sig += `${s.size}:${s.mtimeMs};`
    } catch {
      if (f === 'manifest.json') return null
      sig += '-;'
    }
  }
  return sig
}

function scan(folder: string): Map<string, string> {
  const out = new Map<string, string>()
  let names: string[]
  try {
    names = readdirSync(folder)
  } catch {
    return out
  }
  for (const name of names) {
    if (name.startsWith('.')) continue // staging folders of an import in progress
    const sig = signature(join(folder, name))
    if (sig !== null) out.set(name, sig)
  }
  return out
}

export function watchRuns(folder: string, onChange: (ev: WatchEvent) => void, options?: WatchOptions): () => void {
  let known = scan(folder)
  let stopped = false
  let pending: NodeJS.Timeout | null = null

  const rescan = () => {
    pending = null
    if (stopped) return
    const now = scan(folder)
    for (const [id, sig] of now) {
      const before = known.get(id)
      if (before === undefined) onChange({ kind: 'added', id, dir: join(folder, id) })
      else if (before !== sig) onChange({ kind: 'updated', id, dir: join(folder, id) })
    }
    for (const id of known.keys()) if (!now.has(id)) onChange({ kind: 'removed', id, dir: join(folder, id) })
    known = now
  }
  // Bursts of fs events (a flush touches several files) collapse into one rescan.
  const soon = () => {
    if (!stopped && !pending) pending = setTimeout(rescan, 50)
  }

  const watchers: FSWatcher[] = []
  const tryWatch = (path: string) => {
    try {
      const w = watch(path, { persistent: false }, soon)
      w.on('error', () => w.close())
      watchers.push(w)
    } catch {
      // fs.watch unsupported here: polling covers it
    }
  }
  tryWatch(folder)
  const poll = setInterval(rescan, options?.intervalMs ?? 1000)
  poll.unref()

  return () => {
    stopped = true
    clearInterval(poll)
    if (pending) clearTimeout(pending)
    for (const w of watchers) w.close()
  }
}
