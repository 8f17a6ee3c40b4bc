import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';

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
