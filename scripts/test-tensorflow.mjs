// `npm run test:tensorflow`: the training tests again on native TensorFlow (tfjs-node), the backend
// most users' machines load: golden traces (schedules, optimizers, clipping, the article's
// regression), the training lab, model save → fine-tune load, range tests, and one browser run
// whose badge must say tensorflow. Everything runs with LRLAB_BACKEND=tensorflow, so a backend
// that fails to load fails the tests instead of falling back. Where tfjs-node does not load, it
// says why and exits 0: the same tests have run on wasm in `npm test`.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const load = spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { cwd: root, encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } })
if (load.status !== 0) {
  const why = (load.stderr.split('\n').find((l) => /Error/.test(l)) ?? 'it does not load').trim().slice(0, 240)
  console.log(`test:tensorflow: skipped: tfjs-node (native TensorFlow) does not load here (${why}).`)
  console.log('  "npm run install:tensorflow" builds it where a pip index serves tensorflow-cpu; every test ran on wasm in "npm test".')
  process.exit(0)
}

const UNIT = [
  'tests/unit/backend.test.ts',
  'tests/golden',
  'tests/unit/clipping.test.ts',
  'tests/unit/lr-finder.test.ts',
  'tests/unit/models.test.ts',
  'tests/integration/linreg-golden.test.ts',
  'tests/integration/training-lab.test.ts',
  'tests/integration/param-groups.test.ts',
  'tests/integration/presets.test.ts',
  'tests/integration/fine-tune.test.ts',
]
const E2E = ['tests/e2e/serve-foundation.test.ts']

const env = { ...process.env, LRLAB_BACKEND: 'tensorflow' }
const npx = (args) => {
  console.log(`test:tensorflow: LRLAB_BACKEND=tensorflow ${args.join(' ')}`)
  const r = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
console.log('test:tensorflow: tfjs-node loads; the training tests run on the tensorflow backend')
npx(['vitest', 'run', ...UNIT])
npx(['electron-vite', 'build'])
npx(['vitest', 'run', '--config', 'vitest.e2e.config.ts', ...E2E])
console.log('test:tensorflow: passed on the tensorflow backend')
