import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import pkg from '../../package.json';
import { buildExamples } from '../../src/shared/model/examples';
import { sequentialIds } from '../../src/shared/model/ids';
import { serializeDesign } from '../../src/shared/schema/envelope';
import { loadDesignFile } from '../../src/shared/schema/load';
import { validateDesign } from '../../src/shared/validation/validate';

// The example files are golden files: they must equal what buildExamples produces. After an intended change,
// regenerate them with UPDATE_EXAMPLES=1 npx vitest run test/unit/examples.test.ts and review the diff.
const dir = resolve(import.meta.dirname, '../../resources/examples');
const examples = buildExamples(() => sequentialIds());

describe('example designs under resources/examples', () => {
  for (const { fileName, design } of examples) {
    const path = join(dir, fileName);
    const expected = serializeDesign(design, pkg.version);
    if (process.env.UPDATE_EXAMPLES === '1') writeFileSync(path, expected);

    test(`${fileName} is up to date with the template it comes from`, () => {
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path, 'utf8')).toBe(expected);
    });

    test(`${fileName} loads cleanly and has no errors`, () => {
      const loaded = loadDesignFile(readFileSync(path, 'utf8'));
      expect(loaded.ok).toBe(true);
      if (!loaded.ok) return;
      expect(loaded.value.repairs).toEqual([]);
      const errors = validateDesign(loaded.value.design).filter((p) => p.severity === 'error');
      expect(errors.map((p) => p.message)).toEqual([]);
    });
  }
});
