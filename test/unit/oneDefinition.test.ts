import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

// Helpers that used to be written again in every module that needed them, and then drifted apart (three ways of
// listing names, two text orders): each has one definition now, and this keeps it that way.

const root = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

const files = [...sourceFiles('src'), ...sourceFiles('scripts')].map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));

/** Where a pattern occurs, as file paths. */
function where(pattern: RegExp): string[] {
  return files.filter((file) => pattern.test(file.text)).map((file) => file.path);
}

describe('helpers with one definition each', () => {
  test.each([
    ['quote', /(function|const) quote\b/, 'src/shared/text.ts'],
    ['listText / quoteList', /(function|const) (listNames|listText|quoteList)\b/, 'src/shared/text.ts'],
    ['compareText', /(function|const) compareText\b/, 'src/shared/text.ts'],
    ['errnoOf', /(function|const) errnoOf\b/, 'src/main/errno.ts'],
    ['the empty design', /(function|const) createEmptyDesign\b/, 'src/shared/model/ops.ts'],
  ])('%s is defined only in %s', (_name, pattern, home) => {
    expect(where(pattern)).toEqual([home]);
  });

  test('text is sorted in one order everywhere, never by the computer\'s locale', () => {
    expect(where(/\.localeCompare\(/)).toEqual([]);
  });

  test('the defaults of a new design are written down once (the templates are example networks, not defaults)', () => {
    expect(where(/clanName: 'family'/).filter((path) => path !== 'src/shared/model/templates.ts')).toEqual(['src/shared/schema/designDefaults.ts']);
  });
});
