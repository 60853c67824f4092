// `npm run install:tensorflow`: native TensorFlow (tfjs-node) for machines whose npm install
// cannot download libtensorflow but that reach a pip index (an air-gapped mirror, CI).
//
// tfjs-node's install script fetches libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz from
// TFJS_NODE_BASE_URI, then builds its addon against it when no prebuilt addon can be fetched.
// The tensorflow-cpu wheel carries the same C library (libtensorflow_cc.so.2 and
// libtensorflow_framework.so.2) and its C headers, so this script lays them out as that archive,
// serves it on 127.0.0.1, and installs tfjs-node against it. package.json and the lockfile are
// left as they are (tfjs-node is already an optional dependency there).
//
// Fails soft: where pip cannot fetch the wheel (no index, another platform) it says so and exits
// 0, and LR Lab keeps training on WebAssembly. A wheel that was fetched but could not be built
// against exits 1: that is a problem to look at, not a missing download.
import { spawn, spawnSync } from 'node:child_process'
import { createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { arch, platform, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const TF_WHEEL = 'tensorflow-cpu==2.21.0'
const TFJS_NODE = '@tensorflow/tfjs-node@4.22.0'
/** The archive name and version tfjs-node 4.22's scripts/deps-constants.js ask for. */
const ARCHIVE = 'libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz'
const LIB_VERSION = '2.9.1'

const args = process.argv.slice(2)
const force = args.includes('--force')
const wheelArg = args.includes('--wheel') ? args[args.indexOf('--wheel') + 1] : undefined
if (args.includes('--help')) {
  console.log(`usage: node scripts/install-native-tensorflow.mjs [--force] [--wheel FILE]
  --force       rebuild even when tfjs-node already loads
  --wheel FILE  use this ${TF_WHEEL} wheel instead of asking pip for it`)
  process.exit(0)
}

const say = (line) => console.log(`install:tensorflow: ${line}`)
/** Why native TensorFlow cannot be had here: said, and the script exits 0. */
class Skip extends Error {}
const skip = (why) => {
  throw new Skip(why)
}
const sayNotInstalled = (why) => say(`${why}\n  Native TensorFlow is not installed; LR Lab trains on WebAssembly (every test still runs there).`)

/** tfjs-node's own load check, in a fresh process (this one never loads it). */
function tfjsNodeLoads() {
  const r = spawnSync(process.execPath, ['-e', "const t=require('@tensorflow/tfjs-node');console.log(JSON.stringify(t.version))"], { cwd: root, encoding: 'utf8' })
  return r.status === 0 ? { ok: true, versions: r.stdout.trim() } : { ok: false, why: (r.stderr.split('\n').find((l) => /Error/.test(l)) ?? r.stderr).trim().slice(0, 300) }
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts })
  return { ok: r.status === 0 && !r.error, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` }
}

const tail = (text, n = 6) =>
  text
    .trim()
    .split('\n')
    .slice(-n)
    .map((l) => `    ${l}`)
    .join('\n')

if (platform() !== 'linux' || arch() !== 'x64') {
  sayNotInstalled(`this script builds against the manylinux x86_64 wheel; on ${platform()}-${arch()} plain "npm install" fetches tfjs-node's own libtensorflow.`)
  process.exit(0)
}

const before = tfjsNodeLoads()
if (before.ok && !force) {
  say(`tfjs-node already loads (${before.versions}); nothing to do (--force rebuilds).`)
  process.exit(0)
}

const python = ['python3', 'python'].find((p) => run(p, ['-m', 'pip', '--version']).ok)
if (!python) {
  sayNotInstalled('no Python with pip was found, so the TensorFlow wheel can be neither fetched nor unpacked.')
  process.exit(0)
}

const t0 = performance.now()
const seconds = () => ((performance.now() - t0) / 1000).toFixed(0)
const work = mkdtempSync(join(tmpdir(), 'lrlab-tensorflow-'))
let server
try {
  // 1. The wheel. Pinned to one platform and Python tag: only the C library inside is used, so
  // the machine's own Python version does not matter.
  let wheel = wheelArg
  if (!wheel) {
    say(`pip download ${TF_WHEEL} (about 270 MB)…`)
    const pip = run(python, [
      '-m',
      'pip',
      'download',
      TF_WHEEL,
      '--no-deps',
      '--only-binary=:all:',
      '--platform',
      'manylinux_2_27_x86_64',
      '--python-version',
      '3.11',
      '--implementation',
      'cp',
      '--retries',
      '1',
      '--disable-pip-version-check',
      '-d',
      work,
    ])
    wheel = readdirSync(work)
      .map((f) => join(work, f))
      .find((f) => f.endsWith('.whl'))
    if (!pip.ok || !wheel) skip(`pip could not fetch ${TF_WHEEL}:\n${tail(pip.out)}`)
  }
  if (!existsSync(wheel)) skip(`--wheel ${wheel}: no such file`)

  // 2. The archive's layout: lib/ and include/ as in libtensorflow's own tarball.
  const stage = join(work, 'libtensorflow')
  say(`extracting the C library and headers (${seconds()} s)…`)
  const extracted = run(python, [join(root, 'scripts', 'native-tensorflow', 'extract_wheel.py'), wheel, stage])
  if (!extracted.ok) throw new Error(`extracting ${wheel} failed:\n${tail(extracted.out)}`)
  if (!wheelArg) rmSync(wheel)
  const lib = join(stage, 'lib')
  // Debug symbols are a quarter of the library; tfjs-node needs none of them.
  for (const so of ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2']) {
    const stripped = run('strip', ['--strip-unneeded', '-o', join(lib, `${so}.stripped`), join(lib, so)])
    if (stripped.ok) run('mv', ['-f', join(lib, `${so}.stripped`), join(lib, so)])
    else say(`strip failed for ${so}; keeping it unstripped (${tail(stripped.out, 1).trim()})`)
  }
  // The names tfjs-node links (-ltensorflow), and checks for (…so.2.9.1); the addon records the
  // libraries' own sonames (libtensorflow_cc.so.2, libtensorflow_framework.so.2) and loads those.
  for (const [name, target] of [
    ['libtensorflow.so', 'libtensorflow_cc.so.2'],
    [`libtensorflow.so.${LIB_VERSION}`, 'libtensorflow_cc.so.2'],
    ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
    [`libtensorflow_framework.so.${LIB_VERSION}`, 'libtensorflow_framework.so.2'],
  ])
    symlinkSync(target, join(lib, name))
  writeFileSync(
    join(lib, 'SOURCE.txt'),
    `TensorFlow's C library from the ${TF_WHEEL} wheel (stripped), laid out by LR Lab's scripts/install-native-tensorflow.mjs.\nLICENSE and THIRD_PARTY_NOTICES.txt are TensorFlow's, from the same wheel.\n`,
  )

  say(`packing ${ARCHIVE} (${seconds()} s)…`)
  const archive = join(work, ARCHIVE)
  const packed = run('tar', ['-C', stage, '-I', 'gzip -1', '-cf', archive, 'lib', 'include'])
  if (!packed.ok) throw new Error(`tar failed:\n${tail(packed.out)}`)
  rmSync(stage, { recursive: true })

  // 3. Serve it to tfjs-node's install script on loopback only, for the length of the install.
  server = createServer((req, res) => {
    if (req.url !== `/${ARCHIVE}`) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': statSync(archive).size })
    createReadStream(archive).pipe(res)
  })
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const baseUri = `http://127.0.0.1:${server.address().port}/libtensorflow-`

  // 4. npm install without saving: package.json and the lockfile already name tfjs-node 4.22.0.
  const manifests = ['package.json', 'package-lock.json'].map((f) => [f, existsSync(join(root, f)) ? readFileSync(join(root, f)) : null])
  say(`npm install ${TFJS_NODE} against it; the addon builds from source (${seconds()} s)…`)
  const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? [process.execPath, [process.env.npm_execpath]] : ['npm', []]
  const code = await new Promise((resolve) => {
    const child = spawn(npmCli[0], [...npmCli[1], 'install', TFJS_NODE, '--no-save', '--no-audit', '--no-fund', '--foreground-scripts'], {
      cwd: root,
      stdio: 'inherit',
      // No Electron download from the project's postinstall, which npm runs again here.
      env: { ...process.env, TFJS_NODE_BASE_URI: baseUri, LRLAB_SKIP_ELECTRON_DOWNLOAD: '1' },
    })
    child.on('exit', (c) => resolve(c ?? 1))
    child.on('error', () => resolve(1))
  })
  for (const [f, content] of manifests) {
    if (content && !readFileSync(join(root, f)).equals(content)) {
      writeFileSync(join(root, f), content)
      say(`npm changed ${f}; restored it`)
    }
  }
  if (code !== 0) throw new Error(`npm install ${TFJS_NODE} exited ${code}`)

  const after = tfjsNodeLoads()
  if (!after.ok) throw new Error(`tfjs-node was installed but does not load: ${after.why}`)
  const deps = run('du', ['-sm', join(root, 'node_modules', '@tensorflow', 'tfjs-node')]).out.split(/\s/)[0]
  say(`done in ${seconds()} s: tfjs-node loads (${after.versions}); node_modules/@tensorflow/tfjs-node is ${deps} MB.`)
  say(`LRLAB_BACKEND=tensorflow forces it; "backend: auto" measures which backend is faster per model.`)
} catch (e) {
  if (e instanceof Skip) {
    sayNotInstalled(e.message)
    process.exitCode = 0
  } else {
    console.error(`install:tensorflow: ${e instanceof Error ? e.message : String(e)}`)
    console.error('  LR Lab still trains on WebAssembly.')
    process.exitCode = 1
  }
} finally {
  server?.close()
  rmSync(work, { recursive: true, force: true })
}
