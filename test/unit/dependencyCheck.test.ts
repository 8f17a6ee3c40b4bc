import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// Runs `npm run check:deps` (dependency-cruiser with the repository's .dependency-cruiser.cjs) on a small tree of
// files laid out like src/, with an import cycle and one forbidden import per rule next to allowed ones, and checks
// that it reports exactly the bad ones. So the check that guards src is proven to fire, not just to pass.

const root = new URL('../..', import.meta.url).pathname;
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const config = join(root, '.dependency-cruiser.cjs');

/** The tree: a path under the fixture root and its text. */
const files: Record<string, string> = {
  // A cycle in the core.
  'src/shared/model/a.ts': "import { b } from './b';\nexport const a = (): number => b() + 1;\n",
  'src/shared/model/b.ts': "import { a } from './a';\nexport const b = (): number => 1;\nexport const later = (): number => a();\n",
  // The core reaching into main, into Node through a package's types, and into the UI.
  'src/shared/server.ts': "import { server } from '../main/server';\nexport const x = server;\n",
  'src/shared/ssh.ts': "import type { ConnectConfig } from 'ssh2';\nexport type Target = ConnectConfig;\n",
  'src/shared/view.ts': "import { useState } from 'react';\nexport const x = useState;\n",
  // The file format: its ids in a leaf, the schema taking an id from a feature, a leaf importing a feature.
  'src/shared/vpn/ids.ts': "export const vpnIds = ['wireguard'] as const;\n",
  'src/shared/bench/advisor.ts': "export const priorityIds = ['throughput'] as const;\n",
  'src/shared/schema/comparisonIds.ts': "import { priorityIds } from '../bench/advisor';\nexport const savedPriorityIds = priorityIds;\n",
  'src/shared/schema/design.ts': "import { vpnIds } from '../vpn/ids';\nimport { priorityIds } from '../bench/advisor';\nexport const ids = [vpnIds, priorityIds];\n",
  // A test may use Node.
  'src/shared/model/a.test.ts': "import { readFileSync } from 'node:fs';\nimport { a } from './a';\nexport const x = [readFileSync, a];\n",
  // The renderer: Node loaded with import(), the openai SDK, main; shared is fine.
  'src/renderer/src/run.ts': "export const run = () => import('node:child_process');\n",
  'src/renderer/src/assistant.ts': "import OpenAI from 'openai';\nexport const x = OpenAI;\n",
  'src/renderer/src/backend.ts': "import { server } from '../../main/server';\nexport const x = server;\n",
  'src/renderer/src/ok.ts': "import { a } from '../../shared/model/a';\nexport const x = a;\n",
  // Preload: electron is fine, the model is not.
  'src/preload/index.ts': "import { contextBridge } from 'electron';\nimport { a } from '../shared/model/a';\nexport const x = [contextBridge, a];\n",
  // Main: Electron in the shell only; the renderer never.
  'src/main/index.ts': "import { app } from 'electron';\nexport const x = app;\n",
  'src/main/services/svc.ts': "import { shell } from 'electron';\nexport const x = shell;\n",
  'src/main/server.ts': "import { x } from '../renderer/src/ok';\nexport const server = x;\n",
};

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

let fixtureRoot = '';

beforeAll(async () => {
  fixtureRoot = await mkdtemp(join(tmpdir(), 'dependency-check-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(fixtureRoot, path)), { recursive: true });
    await writeFile(join(fixtureRoot, path), text);
  }
  // Packages resolve from the repository's node_modules, as they do for src.
  await symlink(join(root, 'node_modules'), join(fixtureRoot, 'node_modules'), 'dir');
});

afterAll(async () => {
  if (fixtureRoot !== '') await rm(fixtureRoot, { recursive: true, force: true });
});

/** Runs dependency-cruiser on the fixture tree as check:deps does, plus the given options; never rejects on exit codes. */
async function runCheck(...extraArgs: string[]): Promise<{ exitCode: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [depcruise, 'src', '--config', config, ...extraArgs], { cwd: fixtureRoot, maxBuffer: 32 * 1024 * 1024 });
    return { exitCode: 0, stdout };
  } catch (cause) {
    const failure = cause as { code?: unknown; stdout?: unknown };
    if (typeof failure.code !== 'number' || typeof failure.stdout !== 'string') throw cause;
    return { exitCode: failure.code, stdout: failure.stdout };
  }
}

/** The violations the check finds in the fixture tree, as "rule: from -> to", sorted. */
async function violationsOfTree(): Promise<string[]> {
  const { stdout } = await runCheck('--output-type', 'json');
  const { violations } = (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary;
  // Resolved package paths run through the symlink; keep only the part from node_modules on.
  const name = (path: string) => path.replace(/^.*?(node_modules\/(?:@[^/]+\/)?[^/]+).*$/, '$1');
  return violations.map((v) => `${v.rule.name}: ${v.from} -> ${name(v.to)}`).sort();
}

describe('npm run check:deps', () => {
  test('reports the cycle and every forbidden import of a bad tree, and nothing that is allowed', async () => {
    expect(await violationsOfTree()).toEqual(
      [
        // A cycle is reported once, at the first module on it.
        'no-circular: src/shared/model/a.ts -> src/shared/model/b.ts',
        'shared-imports-only-shared: src/shared/server.ts -> src/main/server.ts',
        'browser-layers-no-node-packages: src/shared/ssh.ts -> node_modules/ssh2',
        'shared-no-ui: src/shared/view.ts -> node_modules/react',
        'file-format-ids-are-leaves: src/shared/schema/comparisonIds.ts -> src/shared/bench/advisor.ts',
        'design-format-no-features: src/shared/schema/design.ts -> src/shared/bench/advisor.ts',
        // dependency-cruiser names built-ins without the node: prefix.
        'browser-layers-no-node-builtins: src/renderer/src/run.ts -> child_process',
        'browser-layers-no-node-packages: src/renderer/src/assistant.ts -> node_modules/openai',
        'renderer-not-main-or-preload: src/renderer/src/backend.ts -> src/main/server.ts',
        'preload-only-electron-and-ipc: src/preload/index.ts -> src/shared/model/a.ts',
        'electron-only-in-the-shell: src/main/services/svc.ts -> node_modules/electron',
        'main-not-renderer: src/main/server.ts -> src/renderer/src/ok.ts',
      ].sort(),
    );
  }, 60_000);

  test('fails with the number of errors, so npm test stops there', async () => {
    const { exitCode, stdout } = await runCheck();
    expect(exitCode).toBe(12);
    expect(stdout).toContain('x 12 dependency violations (12 errors, 0 warnings)');
    expect(stdout).toContain('error no-circular: src/shared/model/a.ts');
  }, 60_000);

  test('runs in npm test before the unit tests, on src with the kept configuration', async () => {
    const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['check:deps']).toBe('depcruise src --config .dependency-cruiser.cjs');
    const steps = scripts.test!.split('&&').map((step) => step.trim());
    expect(steps).toContain('npm run check:deps');
    expect(steps.indexOf('npm run check:deps')).toBeLessThan(steps.findIndex((step) => step.startsWith('vitest')));
  });
});
