import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { AppError } from '../../shared/errors';
import type { Result } from '../../shared/result';
import { ConfinedFolder, isOwnTempFile, splitRelativePath, tempFileName } from './confinedFolder';
import { changedFileOps, fsError, opensForWriting } from './testFileOps';

let base: string;
let root: string;
let outside: string;
const precious = 'precious\n';

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'confined-'));
  root = join(base, 'root');
  outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim.txt'), precious);
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function value<T>(result: Result<T, AppError>): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function errorOf(result: Result<unknown, AppError>): AppError {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

const text = (file: { bytes: Uint8Array } | undefined) => (file === undefined ? undefined : new TextDecoder().decode(file.bytes));

describe('splitRelativePath', () => {
  test.each([
    ['', 'empty'],
    ['/etc/passwd', 'absolute'],
    ['C:/Windows', 'absolute'],
    ['c:evil', 'absolute'],
    ['..', 'dotSegment'],
    ['a/../../b', 'dotSegment'],
    ['./a', 'dotSegment'],
    ['a//b', 'dotSegment'],
    ['a/', 'dotSegment'],
    ['a\\..\\b', 'backslash'],
    ['\\\\server\\share', 'backslash'],
    ['nul\u0000byte', 'controlCharacter'],
    ['line\nbreak', 'controlCharacter'],
  ])('refuses %j (%s)', (path, reason) => {
    expect(splitRelativePath(path)).toEqual({ ok: false, error: reason });
  });

  test('accepts plain relative paths, hidden names included', () => {
    expect(splitRelativePath('home.clan/.clan-designer/manifest.json')).toEqual({ ok: true, value: ['home.clan', '.clan-designer', 'manifest.json'] });
    expect(splitRelativePath('Müller – Haus.clan-design.json')).toEqual({ ok: true, value: ['Müller – Haus.clan-design.json'] });
  });

  test('every accepted path resolves strictly inside the folder, to exactly the path given', () => {
    const folder = resolve('/srv/workspace');
    const piece = fc.constantFrom('a', 'b', '.', '..', '/', '\\', ':', 'C:', '~', ' ', '\u0000', '.clan', 'é');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')), (path) => {
        const split = splitRelativePath(path);
        if (!split.ok) return;
        const resolved = resolve(folder, path);
        expect(resolved.startsWith(`${folder}${sep}`)).toBe(true);
        expect(relative(folder, resolved)).toBe(split.value.join(sep));
        expect(split.value).not.toContain('..');
      }),
      { numRuns: 2000 },
    );
  });

  test('a path with a ".." part is always refused, wherever the part is', () => {
    const name = fc.stringMatching(/^[a-z0-9._-]{1,8}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(name, { maxLength: 4 }), fc.array(name, { maxLength: 4 }), (before, after) => {
        expect(splitRelativePath([...before, '..', ...after].join('/')).ok).toBe(false);
      }),
    );
  });
});

describe('reading', () => {
  test('reads a file, and a missing file or folder is undefined', async () => {
    writeFileSync(join(root, 'a.json'), 'hello');
    const folder = new ConfinedFolder(root, 'workspace');
    expect(text(value(await folder.readFile('a.json', { maxBytes: 100 })))).toBe('hello');
    expect(value(await folder.readFile('missing.json', { maxBytes: 100 }))).toBeUndefined();
    expect(value(await folder.readFile('no/such/folder.json', { maxBytes: 100 }))).toBeUndefined();
    expect(value(await new ConfinedFolder(join(base, 'not-yet'), 'workspace').readFile('a.json', { maxBytes: 100 }))).toBeUndefined();
  });

  test('a link as the file is never followed, wherever it points', async () => {
    writeFileSync(join(root, 'real.json'), 'inside');
    symlinkSync(join(root, 'real.json'), join(root, 'inner-link.json'));
    symlinkSync(join(outside, 'victim.txt'), join(root, 'outer-link.json'));
    const folder = new ConfinedFolder(root, 'workspace');
    expect(errorOf(await folder.readFile('inner-link.json', { maxBytes: 100 }))).toEqual({ code: 'notARegularFile', details: { name: 'inner-link.json', kind: 'link', folder: 'workspace', outside: false } });
    expect(errorOf(await folder.readFile('outer-link.json', { maxBytes: 100 }))).toEqual({ code: 'notARegularFile', details: { name: 'outer-link.json', kind: 'link', folder: 'workspace', outside: true } });
  });

  test('a file swapped for a link after the folders were checked is still not read (O_NOFOLLOW)', async () => {
    writeFileSync(join(root, 'design.json'), 'mine');
    let swapped = false;
    const fileOps = changedFileOps({
      beforeOpen: (path) => {
        if (path !== join(root, 'design.json') || swapped) return;
        rmSync(path);
        symlinkSync(join(outside, 'victim.txt'), path);
        swapped = true;
      },
    });
    const error = errorOf(await new ConfinedFolder(root, 'workspace', fileOps).readFile('design.json', { maxBytes: 100 }));
    expect(swapped).toBe(true);
    expect(error).toMatchObject({ code: 'notARegularFile', details: { kind: 'link', outside: true } });
  });

  test('folders and FIFOs are refused without hanging', async () => {
    mkdirSync(join(root, 'folder.json'));
    execFileSync('mkfifo', [join(root, 'pipe.json')]);
    const folder = new ConfinedFolder(root, 'workspace');
    expect(errorOf(await folder.readFile('folder.json', { maxBytes: 100 }))).toMatchObject({ code: 'notARegularFile', details: { kind: 'folder' } });
    expect(errorOf(await folder.readFile('pipe.json', { maxBytes: 100 }))).toMatchObject({ code: 'notARegularFile', details: { kind: 'other' } });
  });

  test('a file over the limit is refused by the size of the opened file, also when it grows after fstat', async () => {
    writeFileSync(join(root, 'big.json'), 'x'.repeat(50));
    const folder = new ConfinedFolder(root, 'workspace');
    expect(errorOf(await folder.readFile('big.json', { maxBytes: 49 }))).toEqual({ code: 'fileTooLarge', details: { name: 'big.json', size: 50, limit: 49 } });
    expect(text(value(await folder.readFile('big.json', { maxBytes: 50 })))).toBe('x'.repeat(50));
    // fstat said 10 bytes; 50 are there by the time it is read.
    const growing = changedFileOps({ handle: (path) => (path.endsWith('big.json') ? { stat: async () => ({ ...(await nodeFs.stat(path)), isFile: () => true, size: 10 }) } : undefined) });
    expect(errorOf(await new ConfinedFolder(root, 'workspace', growing).readFile('big.json', { maxBytes: 20 })).code).toBe('fileTooLarge');
  });
});

describe('folders on the way', () => {
  test('a folder link that stays inside is followed; one that leads out, or nowhere, is refused', async () => {
    mkdirSync(join(root, 'real'));
    symlinkSync(join(root, 'real'), join(root, 'inner'));
    symlinkSync(outside, join(root, 'outer'));
    symlinkSync(join(root, 'gone'), join(root, 'broken'));
    symlinkSync(join(root, 'loop'), join(root, 'loop'));
    const folder = new ConfinedFolder(root, 'workspace');

    value(await folder.writeFile('inner/a.json', 'through an inside link'));
    expect(readFileSync(join(root, 'real', 'a.json'), 'utf8')).toBe('through an inside link');

    expect(errorOf(await folder.writeFile('outer/victim.txt', 'no'))).toEqual({ code: 'pathOutsideFolder', details: { name: 'outer/victim.txt', folder: 'workspace', reason: 'link', link: 'outer' } });
    expect(errorOf(await folder.readFile('outer/victim.txt', { maxBytes: 100 })).code).toBe('pathOutsideFolder');
    expect(errorOf(await folder.list('outer')).code).toBe('pathOutsideFolder');
    expect(errorOf(await folder.remove('outer/victim.txt')).code).toBe('pathOutsideFolder');
    expect(errorOf(await folder.writeFile('broken/a.json', 'no'))).toMatchObject({ code: 'pathOutsideFolder', details: { reason: 'brokenLink', link: 'broken' } });
    expect(errorOf(await folder.writeFile('loop/a.json', 'no'))).toMatchObject({ code: 'pathOutsideFolder', details: { reason: 'brokenLink', link: 'loop' } });
    expect(existsSync(join(root, 'gone'))).toBe(false);
    expect(readdirSync(outside)).toEqual(['victim.txt']);
    expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe(precious);
  });

  test('a link deeper down that leads out is refused too, with the link named', async () => {
    mkdirSync(join(root, 'home.clan', 'machines'), { recursive: true });
    symlinkSync(outside, join(root, 'home.clan', 'machines', 'nas'));
    const error = errorOf(await new ConfinedFolder(root, 'workspace').writeFile('home.clan/machines/nas/configuration.nix', '{ }'));
    expect(error).toMatchObject({ code: 'pathOutsideFolder', details: { link: 'home.clan/machines/nas' } });
    expect(readdirSync(outside)).toEqual(['victim.txt']);
  });

  test('a file where a folder is needed is refused as such', async () => {
    writeFileSync(join(root, 'autosave'), 'a file');
    const error = errorOf(await new ConfinedFolder(root, 'data').writeFile('autosave/untitled.json', '{}'));
    expect(error).toEqual({ code: 'notARegularFile', details: { name: 'autosave', kind: 'file', folder: 'data', root } });
  });

  test('paths that could leave the folder are refused before anything is touched', async () => {
    const folder = new ConfinedFolder(join(base, 'not-created'), 'workspace');
    for (const path of ['../outside/victim.txt', '/etc/passwd', 'a/../../outside/victim.txt', 'a\\..\\b']) {
      expect(errorOf(await folder.writeFile(path, 'no')).code).toBe('pathOutsideFolder');
      expect(errorOf(await folder.readFile(path, { maxBytes: 10 })).code).toBe('pathOutsideFolder');
    }
    expect(existsSync(join(base, 'not-created'))).toBe(false);
    expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe(precious);
  });

  test('the folder itself may be a link; it is resolved once and used as the real folder', async () => {
    symlinkSync(outside, join(base, 'linked-root'));
    const folder = new ConfinedFolder(join(base, 'linked-root'), 'workspace');
    value(await folder.writeFile('sub/new.json', 'hello'));
    expect(readFileSync(join(outside, 'sub', 'new.json'), 'utf8')).toBe('hello');
    expect(text(value(await folder.readFile('victim.txt', { maxBytes: 100 })))).toBe(precious);
  });
});

describe('writing', () => {
  test('writes atomically, creating the folder and its parents, and leaves no temp file', async () => {
    const folder = new ConfinedFolder(join(base, 'new', 'workspace'), 'workspace');
    value(await folder.writeFile('a/b/c.json', 'one'));
    value(await folder.writeFile('a/b/c.json', 'two'));
    expect(readFileSync(join(base, 'new', 'workspace', 'a', 'b', 'c.json'), 'utf8')).toBe('two');
    expect(readdirSync(join(base, 'new', 'workspace', 'a', 'b'))).toEqual(['c.json']);
  });

  test('a file its owner made private stays private', async () => {
    writeFileSync(join(root, 'private.json'), 'old');
    chmodSync(join(root, 'private.json'), 0o600);
    value(await new ConfinedFolder(root, 'workspace').writeFile('private.json', 'new'));
    expect(statSync(join(root, 'private.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(root, 'private.json'), 'utf8')).toBe('new');
  });

  test('never writes through a link at the file, and leaves the link as it is', async () => {
    symlinkSync(join(outside, 'victim.txt'), join(root, 'report.json'));
    const error = errorOf(await new ConfinedFolder(root, 'workspace').writeFile('report.json', 'overwrite?'));
    expect(error).toMatchObject({ code: 'notARegularFile', details: { name: 'report.json', kind: 'link', outside: true } });
    expect(readlinkSync(join(root, 'report.json'))).toBe(join(outside, 'victim.txt'));
    expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe(precious);
    expect(readdirSync(root)).toEqual(['report.json']);
  });

  test('a link planted after the check is replaced by the rename, not written through', async () => {
    writeFileSync(join(root, 'report.json'), 'old');
    const fileOps = changedFileOps({
      beforeRename: (_from, to) => {
        rmSync(to);
        symlinkSync(join(outside, 'victim.txt'), to);
      },
    });
    value(await new ConfinedFolder(root, 'workspace', fileOps).writeFile('report.json', 'new'));
    expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe(precious);
    expect(lstatSync(join(root, 'report.json')).isFile()).toBe(true);
    expect(readFileSync(join(root, 'report.json'), 'utf8')).toBe('new');
  });

  test('a failed write keeps the old file and removes its temp file', async () => {
    writeFileSync(join(root, 'report.json'), 'old');
    for (const fileOps of [
      changedFileOps({ handle: (_path, flags) => (opensForWriting(flags) ? { sync: async () => Promise.reject(fsError('EIO')) } : undefined) }),
      changedFileOps({ beforeRename: () => Promise.reject(fsError('EXDEV')) }),
    ]) {
      const error = errorOf(await new ConfinedFolder(root, 'workspace', fileOps).writeFile('report.json', 'new'));
      expect(error.code).toBe('fileAccessFailed');
      expect(readFileSync(join(root, 'report.json'), 'utf8')).toBe('old');
      expect(readdirSync(root)).toEqual(['report.json']);
    }
  });

  test('temp files are named so the start-up clean-up recognises them, and nothing else', () => {
    const name = tempFileName('home.clan-design.json');
    expect(name).toMatch(/^\.home\.clan-design\.json\.[0-9a-f]{12}\.tmp$/);
    expect(isOwnTempFile(name)).toBe(true);
    expect(tempFileName('x'.repeat(250)).length).toBeLessThan(255);
    for (const other of ['home.clan-design.json', '.hidden', 'home.clan-design.json.3141592653', '.a.0123456789ab.tmp.bak', '.a.0123456789AB.tmp']) expect(isOwnTempFile(other)).toBe(false);
  });
});

describe('removing and listing', () => {
  test('removes regular files only; a link there is left alone', async () => {
    writeFileSync(join(root, 'a.json'), 'x');
    symlinkSync(join(outside, 'victim.txt'), join(root, 'link.json'));
    const folder = new ConfinedFolder(root, 'workspace');
    expect(value(await folder.remove('a.json'))).toBe(true);
    expect(value(await folder.remove('a.json'))).toBe(false);
    expect(errorOf(await folder.remove('link.json'))).toMatchObject({ code: 'notARegularFile', details: { kind: 'link' } });
    expect(lstatSync(join(root, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(outside, 'victim.txt'), 'utf8')).toBe(precious);
  });

  test('lists a folder, and a missing one as empty', async () => {
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub', 'a'), '');
    const folder = new ConfinedFolder(root, 'workspace');
    expect(value(await folder.list('sub'))).toEqual(['a']);
    expect(value(await folder.list('missing'))).toEqual([]);
    expect(value(await folder.list('')).sort()).toEqual(['sub']);
  });
});

describe('exclusive', () => {
  test('runs operations on the same path one after another, and others freely', async () => {
    const folder = new ConfinedFolder(root, 'workspace');
    const events: string[] = [];
    const step = (name: string, ms: number) => async () => {
      events.push(`${name} start`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`${name} end`);
      if (name === 'a1') throw new Error('a failing step does not block the next one');
    };
    const runs = [folder.exclusive('a.json', step('a1', 20)), folder.exclusive('a.json', step('a2', 1)), folder.exclusive('b.json', step('b', 1))];
    await Promise.allSettled(runs);
    expect(events.indexOf('a2 start')).toBeGreaterThan(events.indexOf('a1 end'));
    expect(events.indexOf('b end')).toBeLessThan(events.indexOf('a1 end'));
    await expect(runs[0]).rejects.toThrow('a failing step');
  });
});
