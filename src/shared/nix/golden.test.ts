import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { vpnIds } from '../vpn/ids';
import { describeGenerateError } from './errors';
import { generateClan } from './generate';
import { ownModuleDir } from './modules';
import { referenceAdminKey, referenceAgeKey, referenceDesigns } from './referenceDesigns';

// Golden files: the generated flake of each reference design for each of the ten VPNs, as real files under
// __golden__/<design>/<vpn>/, so a change to the generator shows up in review as a diff of the files a Clan user
// gets. Our own service modules are not copied there: they are the .nix sources in modules/, which this test
// checks are copied verbatim. notes.txt holds the preview's notes; a refusal is frozen as ERROR.txt instead.
// Update with: UPDATE_GOLDEN=1 npx vitest run --project unit src/shared/nix/golden.test.ts

const goldenRoot = join(import.meta.dirname, '__golden__');
const update = process.env.UPDATE_GOLDEN === '1';

function expectedFiles(designIndex: number, vpn: (typeof vpnIds)[number]): Record<string, string> {
  const { design } = referenceDesigns()[designIndex]!;
  const result = generateClan(design, { vpnOverride: vpn, adminPublicKey: referenceAdminKey, adminAgePublicKey: referenceAgeKey });
  if (!result.ok) {
    const details = result.error.code === 'designInvalid' ? result.error.details.problems.map((p) => `- ${p.code}: ${p.message}`).join('\n') : JSON.stringify(result.error.details);
    return { 'ERROR.txt': `${result.error.code}\n\n${describeGenerateError(result.error)}\n\n${details}\n` };
  }
  const files: Record<string, string> = {};
  for (const [path, text] of Object.entries(result.value.files)) if (!path.startsWith(`${ownModuleDir}/`)) files[path] = text;
  files['notes.txt'] = `${result.value.notes.map((n) => `- ${n}`).join('\n')}\n`;
  return files;
}

function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(root, path).split('\\').join('/')] = readFileSync(path, 'utf8');
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

describe('golden files', () => {
  const designs = referenceDesigns();
  for (const [index, { name }] of designs.entries()) {
    test.each(vpnIds)(`${name} with %s matches its folder under __golden__/${name}/`, (vpn) => {
      const dir = join(goldenRoot, name, vpn);
      const expected = expectedFiles(index, vpn);
      if (update) {
        rmSync(dir, { recursive: true, force: true });
        for (const [path, text] of Object.entries(expected)) {
          mkdirSync(dirname(join(dir, path)), { recursive: true });
          writeFileSync(join(dir, path), text);
        }
      }
      const actual = readTree(dir);
      expect(Object.keys(actual).sort(), `files of ${name}/${vpn} (run with UPDATE_GOLDEN=1 after reviewing the change)`).toEqual(Object.keys(expected).sort());
      for (const [path, text] of Object.entries(expected)) expect(actual[path], `${name}/${vpn}/${path}`).toBe(text);
    });
  }

  test('the golden folder holds nothing but the reference combinations', () => {
    const names = new Set(designs.map((d) => d.name));
    for (const entry of readdirSync(goldenRoot)) {
      expect(names.has(entry as never), `unexpected __golden__/${entry}`).toBe(true);
      expect(readdirSync(join(goldenRoot, entry)).sort()).toEqual([...vpnIds].sort());
    }
  });
});
