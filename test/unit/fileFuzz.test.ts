import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ProjectFilesService } from '../../src/main/services/projectFiles';
import { designSchema } from '../../src/shared/schema/design';
import { DESIGN_FILE_KIND, serializeDesign } from '../../src/shared/schema/envelope';
import { loadDesignFile, loadErrorCodes } from '../../src/shared/schema/load';
import { repairReportSchema } from '../../src/shared/schema/restore';

// Fuzzing the load pipeline (STYLE.md section 9, after tldraw's recordStoreFuzzing.test.ts): thousands of damaged
// versions of the frozen fixture and random text must never make loadDesignFile throw, every failure must carry
// one of the four load codes, and every success must be a valid design that is stable under save and reload.
// Through ProjectFilesService, a file that does not load must never be overwritten.
//
// Run counts: 1,500 JSON edits + 1,000 text edits + 400 random texts + 400 random envelopes = 3,300 loads, plus
// 150 round trips through real files. Seeds are fast-check's random ones; a failure prints the seed to replay.

const fixtureText = readFileSync(new URL('../../src/shared/schema/fixtures/design-v1.json', import.meta.url), 'utf8');
const fixtureJson = JSON.parse(fixtureText) as unknown;

type Path = (string | number)[];
type Node = Record<string, unknown> | unknown[];

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

/** Every path in a JSON tree, root first. */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (out.length > 2_000 || prefix.length > 12) return out;
  if (Array.isArray(value)) value.forEach((item, index) => pathsOf(item, [...prefix, index], out));
  else if (isNode(value)) for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], out);
  return out;
}

function getAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) node = isNode(node) ? (node as Record<string | number, unknown>)[key] : undefined;
  return node;
}

/** Sets an own property, even "__proto__", as JSON.parse would: never through a prototype setter. */
function setOwn(parent: Node, key: string | number, value: unknown): void {
  if (Array.isArray(parent) && typeof key === 'number') parent[key] = value;
  else Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
}

function removeAt(parent: Node, key: string | number): void {
  if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
  else delete (parent as Record<string, unknown>)[key];
}

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = asArray ? [value] : { n: value };
  return value;
}

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, '', 'x', [], {}, 'site_home', 'mach_nas', 'mach_gone', 'site_gone', 'link_vps_pi', '__proto__', 'peer', 'zerotier'),
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({ depth: fc.integer({ min: 30, max: 1_000 }), asArray: fc.boolean() }).map(({ depth, asArray }) => nested(depth, 'deep', asArray)),
  fc.constant('x'.repeat(100_000)),
  fc.constant(JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}') as unknown),
);

const weirdKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'id', 'kind', 'formatVersion', 'design', 'site_home', 'site_new', 'mach_nas', 'mach_new', 'link_new', 'meta', 'roles'),
  fc.string({ maxLength: 12 }),
);

type JsonEdit = { op: 'delete' | 'replace' | 'duplicate' | 'rename' | 'copyFrom' | 'wrap'; at: number; from: number; key: string; value: unknown };

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.record({
  op: fc.constantFrom('delete', 'replace', 'duplicate', 'rename', 'copyFrom', 'wrap'),
  at: fc.nat(),
  from: fc.nat(),
  key: weirdKey,
  value: weirdValue,
});

function applyJsonEdits(edits: readonly JsonEdit[]): string {
  let doc: unknown = structuredClone(fixtureJson);
  for (const edit of edits) {
    const paths = pathsOf(doc);
    const path = paths[edit.at % paths.length]!;
    if (path.length === 0) {
      // The root itself: replace the whole file.
      if (edit.op === 'replace') doc = structuredClone(edit.value);
      continue;
    }
    const parent = getAt(doc, path.slice(0, -1));
    if (!isNode(parent)) continue;
    const key = path[path.length - 1]!;
    const current = (parent as Record<string | number, unknown>)[key];
    switch (edit.op) {
      case 'delete':
        removeAt(parent, key);
        break;
      case 'replace':
        // A copy: fast-check hands out the same constant objects in every run, and later edits mutate the doc.
        setOwn(parent, key, structuredClone(edit.value));
        break;
      case 'duplicate':
        if (Array.isArray(parent)) parent.push(structuredClone(current));
        else setOwn(parent, edit.key, structuredClone(current));
        break;
      case 'rename':
        if (!Array.isArray(parent)) {
          removeAt(parent, key);
          setOwn(parent, edit.key, current);
        }
        break;
      case 'copyFrom':
        setOwn(parent, key, structuredClone(getAt(doc, paths[edit.from % paths.length]!)));
        break;
      case 'wrap':
        setOwn(parent, key, edit.from % 2 === 0 ? [current] : { [edit.key]: current });
        break;
    }
  }
  return JSON.stringify(doc, null, edits.length % 3);
}

type TextEdit = { op: 'truncate' | 'insert' | 'replaceChar' | 'duplicateLine' | 'deleteLine' | 'swapLines'; at: number; other: number; text: string };

const textEdit: fc.Arbitrary<TextEdit> = fc.record({
  op: fc.constantFrom('truncate', 'insert', 'replaceChar', 'duplicateLine', 'deleteLine', 'swapLines'),
  at: fc.nat(),
  other: fc.nat(),
  text: fc.string({ unit: 'binary', maxLength: 8 }),
});

function applyTextEdits(source: string, edits: readonly TextEdit[]): string {
  let text = source;
  for (const edit of edits) {
    const at = text.length === 0 ? 0 : edit.at % text.length;
    const lines = text.split('\n');
    const line = edit.at % lines.length;
    const otherLine = edit.other % lines.length;
    switch (edit.op) {
      case 'truncate':
        text = text.slice(0, at);
        break;
      case 'insert':
        text = text.slice(0, at) + edit.text + text.slice(at);
        break;
      case 'replaceChar':
        text = text.slice(0, at) + (edit.text === '' ? '"' : edit.text[0]) + text.slice(at + 1);
        break;
      case 'duplicateLine':
        // A duplicated line inside an object is a duplicate key; JSON.parse keeps the last one.
        lines.splice(line, 0, lines[line]!);
        text = lines.join('\n');
        break;
      case 'deleteLine':
        lines.splice(line, 1);
        text = lines.join('\n');
        break;
      case 'swapLines':
        [lines[line], lines[otherLine]] = [lines[otherLine]!, lines[line]!];
        text = lines.join('\n');
        break;
    }
  }
  return text;
}

const mutatedByJson = fc.array(jsonEdit, { minLength: 1, maxLength: 6 }).map(applyJsonEdits);
const mutatedByText = fc
  .record({ base: fc.oneof(fc.constant(fixtureText), mutatedByJson), edits: fc.array(textEdit, { minLength: 1, maxLength: 4 }) })
  .map(({ base, edits }) => applyTextEdits(base, edits));
const randomText = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.json({ maxDepth: 4 }), fc.string({ maxLength: 50 }).map((s) => `{"kind":"${DESIGN_FILE_KIND}",${s}`));
const randomEnvelope = fc
  .record({ formatVersion: fc.oneof(fc.integer({ min: -2, max: 3 }), weirdValue), design: fc.oneof(fc.jsonValue({ maxDepth: 5 }), weirdValue), meta: fc.jsonValue({ maxDepth: 2 }) })
  .map((parts) => JSON.stringify({ kind: DESIGN_FILE_KIND, appVersion: '0.1.0', ...parts }));

const loadCodes = new Set<string>(loadErrorCodes);
const outcomes = { loaded: 0, refused: 0 };

/** The invariants every text must satisfy. Returns whether it loaded. */
function checkLoad(text: string): boolean {
  const result = loadDesignFile(text);
  if (!result.ok) {
    expect(loadCodes.has(result.error.code)).toBe(true);
    outcomes.refused += 1;
    return false;
  }
  outcomes.loaded += 1;
  expect(designSchema.safeParse(result.value.design).success).toBe(true);
  expect(repairReportSchema.safeParse(result.value.repairs).success).toBe(true);
  // A restored design is clean: saving and reloading it needs no further repair and gives the same bytes.
  const saved = serializeDesign(result.value.design, 'fuzz');
  const again = loadDesignFile(saved);
  expect(again.ok && again.value.repairs).toEqual([]);
  expect(again.ok && serializeDesign(again.value.design, 'fuzz')).toBe(saved);
  return true;
}

function expectNoPrototypePollution(): void {
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe('load pipeline fuzzing', () => {
  test('survives 1,500 designs damaged by JSON edits', () => {
    fc.assert(fc.property(mutatedByJson, (text) => void checkLoad(text)), { numRuns: 1_500 });
    expectNoPrototypePollution();
  }, 60_000);

  test('survives 1,000 designs damaged by text edits (truncation, random bytes, duplicate keys)', () => {
    fc.assert(fc.property(mutatedByText, (text) => void checkLoad(text)), { numRuns: 1_000 });
    expectNoPrototypePollution();
  }, 60_000);

  test('survives 400 random texts and 400 envelopes with random designs', () => {
    fc.assert(fc.property(randomText, (text) => void checkLoad(text)), { numRuns: 400 });
    fc.assert(fc.property(randomEnvelope, (text) => void checkLoad(text)), { numRuns: 400 });
    expectNoPrototypePollution();
  });

  test('the fuzzers produce both loadable and refused files, so both paths were exercised', () => {
    expect(outcomes.loaded).toBeGreaterThan(300);
    expect(outcomes.refused).toBeGreaterThan(300);
  });
});

describe('project files fuzzing', () => {
  const root = mkdtempSync(join(tmpdir(), 'file-fuzz-'));
  const workspaceDir = join(root, 'workspace');
  const files = new ProjectFilesService({ workspaceDir, dataDir: join(root, 'data'), appVersion: 'fuzz' });
  const stats = { refused: 0, saved: 0 };
  // The fixture is a version-1 file, so it goes through the loader (and its migrations) like any file on disk.
  const fixtureLoad = loadDesignFile(fixtureText);
  if (!fixtureLoad.ok) throw new Error(`the fixture does not load: ${JSON.stringify(fixtureLoad.error)}`);
  const fixtureDesign = designSchema.parse(fixtureLoad.value.design);

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  const fileBytes = fc.oneof(
    mutatedByJson.map((text) => Buffer.from(text, 'utf8')),
    mutatedByText.map((text) => Buffer.from(text, 'utf8')),
    // Raw bytes, including invalid UTF-8, spliced into the fixture.
    fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }).map(({ at, bytes }) => {
      const base = Buffer.from(fixtureText, 'utf8');
      const cut = at % base.length;
      return Buffer.concat([base.subarray(0, cut), Buffer.from(bytes), base.subarray(cut)]);
    }),
  );

  test('never overwrites a file that did not open, and saves over one that did', async () => {
    await fc.assert(
      fc.asyncProperty(fileBytes, async (bytes) => {
        mkdirSync(workspaceDir, { recursive: true });
        const path = join(workspaceDir, 'fuzz.clan-design.json');
        writeFileSync(path, bytes);
        const opened = await files.open('fuzz.clan-design.json');
        if (!opened.ok) {
          stats.refused += 1;
          expect(loadCodes.has(opened.error.code)).toBe(true);
          const saved = await files.save('fuzz.clan-design.json', fixtureDesign, { overwrite: true });
          expect(!saved.ok && saved.error.code).toBe('wouldOverwriteUnreadableFile');
          expect(readFileSync(path).equals(bytes)).toBe(true);
          return;
        }
        stats.saved += 1;
        const saved = await files.save('fuzz.clan-design.json', opened.value.design, { expectedRevision: opened.value.revision });
        expect(saved.ok).toBe(true);
        const reopened = await files.open('fuzz.clan-design.json');
        expect(reopened.ok && reopened.value.repairs).toEqual([]);
        expect(reopened.ok && reopened.value.revision).toBe(saved.ok && saved.value.revision);
      }),
      { numRuns: 150 },
    );
    expect(stats.refused).toBeGreaterThan(10);
    expect(stats.saved).toBeGreaterThan(10);
    expectNoPrototypePollution();
  });
});
