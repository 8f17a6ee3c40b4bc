import js from '@eslint/js';
import vitest from '@vitest/eslint-plugin';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';
import layering from './scripts/eslintLayering.js';
import packageLayers from './scripts/packageLayers.cjs';
import state from './scripts/eslintState.js';

// Layering is enforced here, as errors (STYLE.md section 1): the folder a file lives in decides what it may import.
// Built-in module names are matched exactly (a pattern like "inspector" would also catch ../panels/Inspector).
const nodeBuiltinPaths = builtinModules.filter((m) => !m.startsWith('_'));
const nodeBuiltins = ['node:*'];
const uiLibraries = ['react', 'react/*', 'react-dom', 'react-dom/*', '@xyflow/*', 'zustand', 'zustand/*', 'zundo'];
const electron = ['electron', 'electron/*'];
// Regular expressions for what import declarations' patterns cannot say exactly, and for import()/require(): the
// npm packages that need Node or hold secrets (every runtime dependency not listed as browser-safe in
// scripts/packageLayers.cjs: ssh2, openai, ...), Electron, and every name of a Node built-in.
const nodeOnlyPackagesRegex = packageLayers.specifierRegex(packageLayers.nodeOnlyPackages);
const electronRegex = packageLayers.specifierRegex(['electron']);
const nodeBuiltinsRegex = `^node:|${packageLayers.specifierRegex(nodeBuiltinPaths)}`;
// Everything but electron, shared/ipc and the preload's own files (./x).
const preloadForbiddenRegex = String.raw`^(?!(?:electron|\./.+|(?:\.\./)+shared/ipc/.+)$)`;
const nodeOnlyPackagesWhy = 'this package needs Node or holds secrets (scripts/packageLayers.cjs lists the browser-safe ones).';

// A pattern is a list of gitignore-style groups, or a string: a case-sensitive regular expression.
const layer = (name, patterns, exactPaths = []) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: patterns.map(([group, why]) => ({ ...(typeof group === 'string' ? { regex: group, caseSensitive: true } : { group }), message: `Bad layering (${name}): ${why}` })),
      paths: exactPaths.flatMap(([names, why]) => names.map((n) => ({ name: n, message: `Bad layering (${name}): ${why}` }))),
    },
  ],
});

// The same bans for modules loaded with import(), require() or named in an import type (scripts/eslintLayering.js).
const dynamicImports = (name, forbidden) => ({
  'layering/no-restricted-dynamic-imports': [
    'error',
    {
      forbidden: forbidden.map(([regex, why]) => ({ regex, message: `Bad layering (${name}): ${why}` })),
      computed: `Bad layering (${name}): a module name computed at run time cannot be checked; import a fixed module (relative template literals are fine).`,
    },
  ],
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', '.lab/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    ignores: ['src/shared/**/*.test.ts'],
    plugins: { layering },
    rules: {
      ...layer('shared', [
        [['**/main', '**/main/**', '**/renderer', '**/renderer/**', '**/preload', '**/preload/**'], 'shared imports nothing from main, preload or renderer.'],
        [nodeBuiltins, 'shared must run in any JavaScript runtime, so no Node built-ins.'],
        [[...electron, ...uiLibraries], 'shared holds the pure model: no Electron, React, React Flow or zustand.'],
        [nodeOnlyPackagesRegex, `shared must run in any JavaScript runtime: ${nodeOnlyPackagesWhy}`],
      ], [[nodeBuiltinPaths, 'shared must run in any JavaScript runtime, so no Node built-ins.']]),
      ...dynamicImports('shared', [
        [nodeBuiltinsRegex, 'shared must run in any JavaScript runtime, so no Node built-ins.'],
        [nodeOnlyPackagesRegex, `shared must run in any JavaScript runtime: ${nodeOnlyPackagesWhy}`],
        [electronRegex, 'shared holds the pure model: no Electron.'],
      ]),
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'HTMLElement', 'Element', 'process', 'Buffer', 'require', '__dirname', '__filename'].map(
          (name) => ({ name, message: `Bad layering (shared): "${name}" belongs to the DOM or Node; shared must stay pure.` }),
        ),
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    ignores: ['src/renderer/**/*.test.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks, layering },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...layer('renderer', [
        [nodeBuiltins, 'the renderer has no Node; privileged work goes through window.api.'],
        [electron, 'the renderer talks to main only through the preload bridge.'],
        [['**/main/**', '**/preload/**', '**/src/main', '../../main', '../../../main'], 'the renderer imports nothing from main or preload.'],
        [nodeOnlyPackagesRegex, `the renderer is a web page (the openai SDK would put its API key in it): ${nodeOnlyPackagesWhy} Use it in main, behind window.api.`],
      ], [[nodeBuiltinPaths, 'the renderer has no Node; privileged work goes through window.api.']]),
      ...dynamicImports('renderer', [
        [nodeBuiltinsRegex, 'the renderer has no Node; privileged work goes through window.api.'],
        [nodeOnlyPackagesRegex, `the renderer is a web page (the openai SDK would put its API key in it): ${nodeOnlyPackagesWhy} Use it in main, behind window.api.`],
        [electronRegex, 'the renderer talks to main only through the preload bridge.'],
      ]),
    },
  },
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/**/*.test.ts'],
    languageOptions: { globals: globals.node },
    rules: layer('main', [
      [uiLibraries, 'main has no UI: no React, React Flow or zustand.'],
      [['**/renderer', '**/renderer/**'], 'main imports nothing from the renderer.'],
    ]),
  },
  {
    // Electron is imported only where the desktop shell is wired; services stay testable without it.
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/index.ts', 'src/main/ipc/**', 'src/main/**/*.test.ts'],
    rules: layer('main', [
      [uiLibraries, 'main has no UI: no React, React Flow or zustand.'],
      [['**/renderer', '**/renderer/**'], 'main imports nothing from the renderer.'],
      [electron, 'only main/index.ts and main/ipc/ import Electron; services get what they need as constructor arguments.'],
    ]),
  },
  {
    // The preload script runs with Electron's privileges next to the page: it forwards the contract's channels and
    // nothing else, so it may import electron, shared/ipc and its own files only (no Node, no model, no packages).
    files: ['src/preload/**/*.ts'],
    ignores: ['src/preload/**/*.test.ts'],
    plugins: { layering },
    rules: {
      ...layer('preload', [[preloadForbiddenRegex, 'preload imports only electron and shared/ipc.']]),
      ...dynamicImports('preload', [[preloadForbiddenRegex, 'preload imports only electron and shared/ipc.']]),
    },
  },
  {
    // One way to change a design (STYLE.md sections 3 and 5): outside the stores and the commands layer nothing holds
    // the writable design store or its undo history, and every store changes through its own actions only.
    // test/unit/stateRules.test.ts proves both rules fire.
    files: ['src/renderer/**/*.{ts,tsx}'],
    ignores: ['src/renderer/src/stores/**', 'src/renderer/src/commands/**', 'src/renderer/src/app/appContext.ts', 'src/renderer/**/*.test.{ts,tsx}'],
    plugins: { state },
    rules: { 'state/design-changes-through-commands': 'error', 'state/no-set-state-outside-stores': 'error' },
  },
  {
    files: ['**/*.test.{ts,tsx}', 'test/**/*.ts'],
    plugins: { vitest },
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      ...vitest.configs.recommended.rules,
      'vitest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'assert*'] }],
      'vitest/no-focused-tests': ['error', { fixable: false }],
      'vitest/no-disabled-tests': 'off',
      // Vitest takes a failure message as expect's second argument (used to name the request that broke a server).
      'vitest/valid-expect': ['error', { maxArgs: 2 }],
    },
  },
  {
    files: ['scripts/**/*.js', 'bin/**/*.js', 'test/**/*.mjs', '*.config.{js,ts}'],
    languageOptions: { globals: globals.node },
  },
  {
    // CommonJS tool configs (.dependency-cruiser.cjs and the package lists it shares with this file).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
