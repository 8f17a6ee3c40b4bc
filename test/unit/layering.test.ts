import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';
import { nodeOnlyPackages } from '../../scripts/packageLayers.cjs';

// Runs the project's real lint configuration on small bad samples placed (virtually) in each layer, proving
// that the layering rules are errors and not just documentation.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function lint(filePath: string, code: string): Promise<{ errors: string[] }> {
  const [result] = await eslint.lintText(code, { filePath });
  return { errors: (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`) };
}

describe('layering is enforced by lint as errors', () => {
  test('a file in src/shared importing from src/main fails', async () => {
    const { errors } = await lint('src/shared/model/bad.ts', "import { createBackend } from '../../main/rpc/createBackend';\nexport const x = createBackend;\n");
    expect(errors.some((e) => e.includes('Bad layering (shared)'))).toBe(true);
  });

  test('a file in src/shared importing node:fs or react fails', async () => {
    const fs = await lint('src/shared/bad.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
    expect(fs.errors.some((e) => e.includes('no Node built-ins'))).toBe(true);
    const react = await lint('src/shared/bad.ts', "import { useState } from 'react';\nexport const x = useState;\n");
    expect(react.errors.some((e) => e.includes('Bad layering (shared)'))).toBe(true);
  });

  test('a file in src/shared using the DOM fails', async () => {
    const { errors } = await lint('src/shared/bad.ts', 'export const title = document.title;\n');
    expect(errors.some((e) => e.includes('no-restricted-globals'))).toBe(true);
  });

  test('a renderer file importing node:fs or electron fails', async () => {
    const fs = await lint('src/renderer/src/bad.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
    expect(fs.errors.some((e) => e.includes('Bad layering (renderer)'))).toBe(true);
    const electron = await lint('src/renderer/src/bad.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n");
    expect(electron.errors.some((e) => e.includes('Bad layering (renderer)'))).toBe(true);
    const main = await lint('src/renderer/src/bad.ts', "import { createBackend } from '../../main/rpc/createBackend';\nexport const x = createBackend;\n");
    expect(main.errors.some((e) => e.includes('Bad layering (renderer)'))).toBe(true);
  });

  test('a main file importing react or @xyflow/react fails', async () => {
    const react = await lint('src/main/services/bad.ts', "import { useState } from 'react';\nexport const x = useState;\n");
    expect(react.errors.some((e) => e.includes('Bad layering (main)'))).toBe(true);
    const flow = await lint('src/main/services/bad.ts', "import { ReactFlow } from '@xyflow/react';\nexport const x = ReactFlow;\n");
    expect(flow.errors.some((e) => e.includes('Bad layering (main)'))).toBe(true);
  });

  test('a main service importing electron fails, while main/index.ts may', async () => {
    const service = await lint('src/main/services/bad.ts', "import { shell } from 'electron';\nexport const x = shell;\n");
    expect(service.errors.some((e) => e.includes('only main/index.ts and main/ipc/'))).toBe(true);
    const entry = await lint('src/main/index.ts', "import { shell } from 'electron';\nexport const x = shell;\n");
    expect(entry.errors).toEqual([]);
  });

  test('allowed imports pass: shared from shared, renderer from shared', async () => {
    const shared = await lint('src/shared/ipc/ok.ts', "import { ok } from '../result';\nexport const x = ok;\n");
    expect(shared.errors).toEqual([]);
    const renderer = await lint('src/renderer/src/ok.ts', "import { ok } from '../../shared/result';\nexport const x = ok;\n");
    expect(renderer.errors).toEqual([]);
  });
});

describe('Node-side packages stay out of shared and the renderer', () => {
  test('the Node-side packages are the runtime dependencies not marked browser-safe, and include ssh2 and openai', () => {
    expect(nodeOnlyPackages).toEqual(expect.arrayContaining(['ssh2', 'openai', 'ssh-config', 'write-file-atomic', 'selfsigned']));
    expect(nodeOnlyPackages).not.toContain('zod');
  });

  test('a file in src/shared importing ssh2 fails, also as a type-only import (its types bring in @types/node)', async () => {
    const value = await lint('src/shared/model/bad.ts', "import { Client } from 'ssh2';\nexport const x = Client;\n");
    expect(value.errors.some((e) => e.includes('Bad layering (shared)'))).toBe(true);
    const types = await lint('src/shared/model/bad.ts', "import type { ConnectConfig } from 'ssh2';\nexport type X = ConnectConfig;\n");
    expect(types.errors.some((e) => e.includes('Bad layering (shared)'))).toBe(true);
  });

  test('a renderer file importing openai fails: its API key would be in the page', async () => {
    const { errors } = await lint('src/renderer/src/assistant/bad.ts', "import OpenAI from 'openai';\nexport const x = OpenAI;\n");
    expect(errors.some((e) => e.includes('Bad layering (renderer)') && e.includes('API key'))).toBe(true);
  });

  test('every Node-side package fails in the renderer and in shared, also through a subpath', async () => {
    const layers: [file: string, layer: string][] = [['src/renderer/src/bad.tsx', 'renderer'], ['src/shared/bad.ts', 'shared']];
    for (const name of nodeOnlyPackages) {
      for (const [file, layerName] of layers) {
        for (const specifier of [name, `${name}/lib/index.js`]) {
          const { errors } = await lint(file, `import * as m from '${specifier}';\nexport const x = m;\n`);
          expect(errors.some((e) => e.includes(`Bad layering (${layerName})`)), `${specifier} in ${file}`).toBe(true);
        }
      }
    }
  });

  test('a relative import that only looks like a package name passes', async () => {
    const { errors } = await lint('src/renderer/src/deploy/ok.ts', "import { x } from './ssh2';\nexport const y = x;\n");
    expect(errors).toEqual([]);
  });
});

describe('modules loaded with import() follow the same layers', () => {
  test('a renderer file loading node:child_process with await import() fails', async () => {
    const { errors } = await lint('src/renderer/src/bad.tsx', "export async function run() {\n  const { execFile } = await import('node:child_process');\n  return execFile;\n}\n");
    expect(errors.some((e) => e.includes('Bad layering (renderer)') && e.includes('node:child_process'))).toBe(true);
  });

  test('a renderer file loading a bare built-in (child_process, fs/promises) with import() fails', async () => {
    for (const specifier of ['child_process', 'fs/promises']) {
      const { errors } = await lint('src/renderer/src/bad.ts', `export const m = await import('${specifier}');\n`);
      expect(errors.some((e) => e.includes('Bad layering (renderer)')), specifier).toBe(true);
    }
  });

  test('a renderer file loading ssh2 or openai with import() fails', async () => {
    for (const specifier of ['ssh2', 'openai']) {
      const { errors } = await lint('src/renderer/src/bad.ts', `export const m = await import('${specifier}');\n`);
      expect(errors.some((e) => e.includes('Bad layering (renderer)')), specifier).toBe(true);
    }
  });

  test('a template literal fails: a fixed one is checked like a string, a computed one cannot be checked', async () => {
    const fixed = await lint('src/renderer/src/bad.ts', 'export const m = await import(`child_process`);\n');
    expect(fixed.errors.some((e) => e.includes('Bad layering (renderer)'))).toBe(true);
    const computed = await lint('src/renderer/src/bad.ts', "const name = 'child_process';\nexport const m = await import(`node:${name}`);\n");
    expect(computed.errors.some((e) => e.includes('Bad layering (renderer)') && e.includes('computed at run time'))).toBe(true);
  });

  test('require() and import types of Node modules fail as layering errors too', async () => {
    const required = await lint('src/renderer/src/bad.ts', "export const fs = require('node:fs');\n");
    expect(required.errors.some((e) => e.includes('Bad layering (renderer)'))).toBe(true);
    const typed = await lint('src/renderer/src/bad.ts', "export type C = import('ssh2').Client;\n");
    expect(typed.errors.some((e) => e.includes('Bad layering (renderer)'))).toBe(true);
  });

  test('a file in src/shared loading node:fs with import() fails', async () => {
    const { errors } = await lint('src/shared/bad.ts', "export const fs = await import('node:fs');\n");
    expect(errors.some((e) => e.includes('Bad layering (shared)'))).toBe(true);
  });

  test('the renderer may still load its own parts lazily, by name or by a relative template literal', async () => {
    const { errors } = await lint('src/renderer/src/ok.ts', "export const part = await import('./app/lazyParts');\nconst name = 'en';\nexport const words = await import(`./locales/${name}.ts`);\n");
    expect(errors).toEqual([]);
  });
});

describe('preload imports only electron and shared/ipc', () => {
  test('a preload file importing node:fs fails, statically or with import()', async () => {
    const value = await lint('src/preload/bad.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
    expect(value.errors.some((e) => e.includes('Bad layering (preload)'))).toBe(true);
    const dynamic = await lint('src/preload/bad.ts', "export const fs = await import('node:fs');\n");
    expect(dynamic.errors.some((e) => e.includes('Bad layering (preload)'))).toBe(true);
  });

  test('a preload file importing shared/model or a package fails', async () => {
    const model = await lint('src/preload/bad.ts', "import type { Design } from '../shared/model/types';\nexport type X = Design;\n");
    expect(model.errors.some((e) => e.includes('Bad layering (preload)'))).toBe(true);
    const zod = await lint('src/preload/bad.ts', "import { z } from 'zod';\nexport const x = z;\n");
    expect(zod.errors.some((e) => e.includes('Bad layering (preload)'))).toBe(true);
  });

  test('electron and shared/ipc pass', async () => {
    const { errors } = await lint('src/preload/ok.ts', "import { contextBridge } from 'electron';\nimport { requestChannels } from '../shared/ipc/channels';\nexport const x = [contextBridge, requestChannels];\n");
    expect(errors).toEqual([]);
  });
});

describe('test rules are enforced by lint', () => {
  test('a test without an assertion fails lint', async () => {
    const { errors } = await lint('src/shared/sample.test.ts', "import { test } from 'vitest';\ntest('does things', () => {\n  const a = 1 + 1;\n  void a;\n});\n");
    expect(errors.some((e) => e.startsWith('vitest/expect-expect'))).toBe(true);
  });

  test('a focused test (.only) fails lint', async () => {
    const { errors } = await lint('src/shared/sample.test.ts', "import { expect, test } from 'vitest';\ntest.only('adds', () => {\n  expect(1 + 1).toBe(2);\n});\n");
    expect(errors.some((e) => e.startsWith('vitest/no-focused-tests'))).toBe(true);
  });
});
