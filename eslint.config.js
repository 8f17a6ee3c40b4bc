import js from '@eslint/js';
import vitest from '@vitest/eslint-plugin';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// Layering is enforced here, as errors (STYLE.md section 1): the folder a file lives in decides what it may import.
// Built-in module names are matched exactly (a pattern like "inspector" would also catch ../panels/Inspector).
const nodeBuiltinPaths = builtinModules.filter((m) => !m.startsWith('_'));
const nodeBuiltins = ['node:*'];
const uiLibraries = ['react', 'react/*', 'react-dom', 'react-dom/*', '@xyflow/*', 'zustand', 'zustand/*', 'zundo'];
const electron = ['electron', 'electron/*'];

const layer = (name, patterns, exactPaths = []) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: patterns.map(([group, why]) => ({ group, message: `Bad layering (${name}): ${why}` })),
      paths: exactPaths.flatMap(([names, why]) => names.map((n) => ({ name: n, message: `Bad layering (${name}): ${why}` }))),
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
    rules: {
      ...layer('shared', [
        [['**/main', '**/main/**', '**/renderer', '**/renderer/**', '**/preload', '**/preload/**'], 'shared imports nothing from main, preload or renderer.'],
        [nodeBuiltins, 'shared must run in any JavaScript runtime, so no Node built-ins.'],
        [[...electron, ...uiLibraries], 'shared holds the pure model: no Electron, React, React Flow or zustand.'],
      ], [[nodeBuiltinPaths, 'shared must run in any JavaScript runtime, so no Node built-ins.']]),
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
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...layer('renderer', [
        [nodeBuiltins, 'the renderer has no Node; privileged work goes through window.api.'],
        [electron, 'the renderer talks to main only through the preload bridge.'],
        [['**/main/**', '**/preload/**', '**/src/main', '../../main', '../../../main'], 'the renderer imports nothing from main or preload.'],
      ], [[nodeBuiltinPaths, 'the renderer has no Node; privileged work goes through window.api.']]),
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
    files: ['src/preload/**/*.ts'],
    rules: layer('preload', [
      [['**/main', '**/main/**', '**/renderer', '**/renderer/**'], 'preload imports only electron and shared/ipc.'],
      [uiLibraries, 'preload imports only electron and shared/ipc.'],
    ]),
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
);
