// `npm run lint` (run by `npm test`): typescript-eslint and eslint-plugin-svelte's recommended
// rules, plus the import boundaries the architecture depends on, so a wrong import fails the
// suite instead of a review: only electron/main and electron/preload import Electron; shared/
// imports neither side; the renderer never imports electron/ (it talks to the service only
// through the API in shared/api.ts); production code does not import the bench or tests.
import js from '@eslint/js'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import ts from 'typescript-eslint'
import svelteConfig from './svelte.config.js'

const electronOnlyInShell = {
  name: 'electron',
  message: 'Only electron/main and electron/preload import Electron; put the decision in an Electron-free module under electron/ and test it under Node.',
}
const noBench = { group: ['**/bench/**', '**/tests/**'], message: 'Production code does not import the bench or the tests.' }

export default ts.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'artifacts/**', 'coverage/**', 'scripts/native-tensorflow/**', '.vite/**'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // Type-only imports keep the renderer's bundle free of Node modules it only names.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // tfjs's and the tests' untyped corners (page.evaluate runs in the page, typed for Node).
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      // Names, paths and CSV cells are checked for control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    rules: {
      // The renderer's Maps and Sets are private bookkeeping (colours, LRU stamps, pending loads)
      // and locals; what the page shows lives in $state, so a reactive collection would only add cost.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { projectService: false, extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig } },
  },
  {
    files: ['electron/**/*.ts'],
    ignores: ['electron/main/**', 'electron/preload/**', 'electron/bench/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnlyInShell], patterns: [noBench] }] },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInShell],
          patterns: [
            { group: ['**/electron/**', '../electron/*'], message: 'shared/ is imported by both sides and imports neither.' },
            { group: ['**/renderer/**'], message: 'shared/ is imported by both sides and imports neither.' },
            { group: ['node:*'], message: 'shared/ runs in the page too: no Node modules.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInShell],
          patterns: [
            { group: ['**/electron/**', '../electron/*'], message: 'The renderer reaches the service only through the API (shared/api.ts), never electron/ modules.' },
            { group: ['node:*'], message: 'The renderer runs in a sandboxed page: no Node modules.' },
          ],
        },
      ],
    },
  },
)
