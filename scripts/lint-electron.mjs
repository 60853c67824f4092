#!/usr/bin/env node
/**
 * `npm run lint:electron`: Electronegativity over the Electron shell's source (main, preload,
 * shell policy) and the renderer's page. Fails on any finding above informational that electronegativity-allow.json does not
 * explain (check id + file + reason), and on allow-list entries that no longer match anything,
 * so the list cannot quietly outlive the code it excuses.
 *
 * Run through its programmatic runner: its CLI needs commander 2, and our commander 14 is
 * the one Node resolves from it. AvailableSecurityFixesGlobalCheck is left out: it
 * downloads Electron's release list, which needs the internet (the Electron version is
 * pinned in package.json and reviewed when it changes).
 */
import { createRequire } from 'node:module'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
// Tests make no outside requests: its translation download gets an offline answer up front
// (the English strings ship in the package), instead of waiting out its timeouts.
const engDir = dirname(require.resolve('@doyensec/electronegativity/package.json'))
const gotPath = createRequire(join(engDir, 'dist', 'locales', 'i18n.js')).resolve('got')
require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: () => Promise.reject(new Error('offline')) }
const run = require('@doyensec/electronegativity/dist/runner.js')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const allow = JSON.parse(readFileSync(join(root, 'electronegativity-allow.json'), 'utf8'))

const rank = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 2, HIGH: 3 }
const name = (v) => (typeof v === 'string' ? v : (v?.name ?? String(v))).toUpperCase()
const findings = []
const errors = []
// One scan over the shell and the page together: the global checks (navigation limits,
// permission handler, CSP) look for their handlers across all the files they are given.
const scanDir = mkdtempSync(join(tmpdir(), 'lrlab-eng-'))
const SCANNED = ['electron/main', 'electron/preload', 'electron/shell', 'renderer/index.html', 'renderer/src']
for (const p of SCANNED) cpSync(join(root, p), join(scanDir, p), { recursive: true })
const inScan = (file) => relative(scanDir, file)
{
  const r = await run(
    { input: scanDir, electronVersionOverride: pkg.devDependencies.electron.replace(/^[^\d]*/, ''), excludeFromScan: ['AvailableSecurityFixesGlobalCheck'], parserPlugins: [] },
    false,
  )
  for (const e of r.errors) if (!e.tolerable) errors.push(`${inScan(e.file)}: ${e.message}`)
  for (const i of r.issues) findings.push({ id: i.id, severity: name(i.severity), confidence: name(i.confidence), file: inScan(i.file), line: i.location?.line, description: i.description })
}
rmSync(scanDir, { recursive: true, force: true })

const used = new Set()
const unexplained = []
for (const f of findings) {
  if (rank[f.severity] === 0) continue
  const entry = allow.findIndex((a) => a.id === f.id && a.file === f.file)
  if (entry >= 0 && allow[entry].reason?.trim()) used.add(entry)
  else unexplained.push(f)
}
const stale = allow.filter((_, i) => !used.has(i))

for (const f of findings) console.log(`${unexplained.includes(f) ? 'FAIL' : 'ok  '} ${f.severity.padEnd(13)} ${f.id} ${f.file}:${f.line ?? '?'}`)
for (const e of errors) console.error(`parse error: ${e}`)
for (const s of stale) console.error(`allow-list entry matches nothing (remove it): ${s.id} ${s.file}`)
for (const f of unexplained)
  console.error(`unexplained ${f.severity} finding ${f.id} at ${f.file}:${f.line}: ${f.description}\n  fix it, or add {"id", "file", "reason"} to electronegativity-allow.json`)
if (unexplained.length || stale.length || errors.length) process.exit(1)
console.log(`electronegativity: ${findings.length} findings, all explained`)
