import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createEmptyDesign, makeMachine, makeSite, putMachine, putSite } from '../../shared/model/ops';
import type { Design, MachineId, SiteId } from '../../shared/model/types';
import type { Result } from '../../shared/result';
import { serializeDesign } from '../../shared/schema/envelope';
import { createBackend } from '../rpc/createBackend';
import {
  defaultServeFolders,
  MAX_DESIGN_FILE_BYTES,
  normalizeDesignFileName,
  ProjectFilesService,
  resolveProjectFolders,
  revisionOf,
  type ProjectFilesOptions,
} from './projectFiles';
import { changedFileOps, failingWrites, fsError } from '../fs/testFileOps';

let root: string;
let workspaceDir: string;
let dataDir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'project-files-'));
  workspaceDir = join(root, 'Clan Designs');
  dataDir = join(root, 'data');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function service(options: Partial<ProjectFilesOptions> = {}): ProjectFilesService {
  return new ProjectFilesService({ workspaceDir, dataDir, appVersion: '0.1.0-test', ...options });
}

function sampleDesign(name = 'home'): Design {
  let design = createEmptyDesign(name, `${name}.lan`);
  design = putSite(design, makeSite('site_home' as SiteId, { name: 'Home' }));
  design = putMachine(design, makeMachine('mach_nas' as MachineId, { name: 'nas', kind: 'nas', siteId: 'site_home' as SiteId }));
  return design;
}

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function errorCode(result: Result<unknown>): string {
  if (result.ok) throw new Error('expected a failure');
  return result.error.code;
}

const inWorkspace = (name: string) => join(workspaceDir, name);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('save and open', () => {
  test('a saved design opens as the same design, with the revision of the bytes on disk', async () => {
    const files = service();
    const design = sampleDesign();
    const saved = value(await files.save('home', design));
    expect(saved.name).toBe('home.clan-design.json');
    const bytes = readFileSync(inWorkspace('home.clan-design.json'));
    expect(saved.revision).toBe(sha256(bytes));
    expect(bytes.toString('utf8')).toBe(serializeDesign(design, '0.1.0-test'));
    const opened = value(await files.open('home.clan-design.json'));
    expect(opened).toEqual({ name: 'home.clan-design.json', design, repairs: [], revision: saved.revision });
  });

  test('saving the same design twice writes identical bytes and the same revision', async () => {
    const files = service();
    const first = value(await files.save('home', sampleDesign()));
    const before = readFileSync(inWorkspace('home.clan-design.json'));
    const second = value(await files.save('home', sampleDesign(), { expectedRevision: first.revision }));
    expect(second.revision).toBe(first.revision);
    expect(readFileSync(inWorkspace('home.clan-design.json')).equals(before)).toBe(true);
  });

  test('opening a damaged file reports the repairs, and a file that does not load returns its load code untouched', async () => {
    mkdirSync(workspaceDir, { recursive: true });
    const damaged = JSON.parse(serializeDesign(sampleDesign(), '0.1.0')) as { design: { machines: Record<string, unknown> } };
    damaged.design.machines.mach_bad = 42;
    writeFileSync(inWorkspace('damaged.clan-design.json'), JSON.stringify(damaged));
    const opened = value(await service().open('damaged'));
    expect(opened.repairs.map((r) => r.message)).toEqual(['Dropped 1 machine that could not be read']);

    writeFileSync(inWorkspace('newer.clan-design.json'), JSON.stringify({ kind: 'clan-network-designer/design', formatVersion: 999, design: {} }));
    const before = readFileSync(inWorkspace('newer.clan-design.json'));
    expect(errorCode(await service().open('newer'))).toBe('fileFromNewerVersion');
    expect(readFileSync(inWorkspace('newer.clan-design.json')).equals(before)).toBe(true);
  });

  test('opening reports a migration from an older format', async () => {
    mkdirSync(workspaceDir, { recursive: true });
    const old = JSON.parse(serializeDesign(sampleDesign(), '0.0.1')) as { formatVersion: number };
    old.formatVersion = 0;
    writeFileSync(inWorkspace('old.clan-design.json'), JSON.stringify(old));
    expect(value(await service().open('old')).migratedFrom).toBe(0);
  });

  test('open returns fileNotFound for a missing file and notARegularFile for a folder or a link', async () => {
    const files = service();
    expect(errorCode(await files.open('missing'))).toBe('fileNotFound');
    mkdirSync(inWorkspace('folder.clan-design.json'), { recursive: true });
    expect(errorCode(await files.open('folder'))).toBe('notARegularFile');
    writeFileSync(join(root, 'outside.clan-design.json'), serializeDesign(sampleDesign(), '0.1.0'));
    symlinkSync(join(root, 'outside.clan-design.json'), inWorkspace('link.clan-design.json'));
    expect(errorCode(await files.open('link'))).toBe('notARegularFile');
    expect(errorCode(await files.save('link', sampleDesign(), { overwrite: true }))).toBe('notARegularFile');
  });

  test('save refuses an invalid design with its issues and writes nothing', async () => {
    const bad = { ...sampleDesign(), sites: { site_x: { id: 'site_x', name: 7 } } };
    const result = await service().save('bad', bad);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('invalidDesign');
    expect(JSON.stringify(!result.ok && result.error.details)).toContain('design.sites.site_x');
    expect(existsSync(inWorkspace('bad.clan-design.json'))).toBe(false);
  });

  test('a file too large to be a design is not opened and not overwritten', async () => {
    mkdirSync(workspaceDir, { recursive: true });
    writeFileSync(inWorkspace('huge.clan-design.json'), 'pretend this is huge');
    // The size is the one of the opened file (fstat), so that is what the double reports.
    const fileOps = changedFileOps({
      handle: (path) => (path.endsWith('huge.clan-design.json') ? { stat: async () => ({ ...(await nodeFs.stat(path)), isFile: () => true, size: MAX_DESIGN_FILE_BYTES + 1 }) } : undefined),
    });
    const files = service({ fileOps });
    expect(errorCode(await files.open('huge'))).toBe('fileTooLarge');
    expect(errorCode(await files.save('huge', sampleDesign(), { overwrite: true }))).toBe('wouldOverwriteUnreadableFile');
    expect(readFileSync(inWorkspace('huge.clan-design.json'), 'utf8')).toBe('pretend this is huge');
  });
});

describe('file names', () => {
  test('appends the suffix and accepts ordinary names', () => {
    expect(normalizeDesignFileName('Family network')).toEqual({ ok: true, value: 'Family network.clan-design.json' });
    expect(normalizeDesignFileName('home.clan-design.json')).toEqual({ ok: true, value: 'home.clan-design.json' });
    expect(normalizeDesignFileName('Müller – Haus (2)')).toEqual({ ok: true, value: 'Müller – Haus (2).clan-design.json' });
  });

  test.each([
    ['', 'empty'],
    ['../escape', 'slash'],
    ['..\\escape', 'slash'],
    ['sub/dir', 'slash'],
    ['/etc/passwd', 'slash'],
    ['..', 'leadingDot'],
    ['.hidden', 'leadingDot'],
    ['.clan-design.json', 'leadingDot'],
    ['nul\u0000byte', 'controlCharacter'],
    ['line\nbreak', 'controlCharacter'],
    ['C:evil', 'reservedCharacter'],
    ['what?', 'reservedCharacter'],
    ['x'.repeat(121), 'tooLong'],
    ['x'.repeat(110), 'tooLong'],
  ])('refuses %j with reason %s', (name, reason) => {
    const result = normalizeDesignFileName(name);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({ code: 'invalidFileName', details: { reason } });
  });

  test('every operation refuses a traversal name with invalidFileName and touches nothing outside', async () => {
    const files = service();
    writeFileSync(join(root, 'victim.clan-design.json'), 'keep me');
    for (const name of ['../victim', '../victim.clan-design.json', '..\\victim', `${workspaceDir}/../victim`]) {
      expect(errorCode(await files.open(name))).toBe('invalidFileName');
      expect(errorCode(await files.save(name, sampleDesign(), { overwrite: true }))).toBe('invalidFileName');
      expect(errorCode(await files.autosave(name, sampleDesign()))).toBe('invalidFileName');
      expect(errorCode(await files.recover(name))).toBe('invalidFileName');
      expect(errorCode(await files.discardRecovery(name))).toBe('invalidFileName');
    }
    expect(readFileSync(join(root, 'victim.clan-design.json'), 'utf8')).toBe('keep me');
    expect(existsSync(workspaceDir)).toBe(false);
  });
});

describe('overwrite protection', () => {
  test('returns fileExists when saving over an existing file without permission, and leaves it alone', async () => {
    const files = service();
    value(await files.save('home', sampleDesign('first')));
    const before = readFileSync(inWorkspace('home.clan-design.json'));
    expect(errorCode(await files.save('home', sampleDesign('second')))).toBe('fileExists');
    expect(errorCode(await files.save('home', sampleDesign('second'), { overwrite: false }))).toBe('fileExists');
    expect(readFileSync(inWorkspace('home.clan-design.json')).equals(before)).toBe(true);
    value(await files.save('home', sampleDesign('second'), { overwrite: true }));
    expect(value(await files.open('home')).design.meta.clanName).toBe('second');
  });

  test('returns fileChangedOnDisk when the file changed since it was opened, and keeps the other change', async () => {
    const files = service();
    const { revision } = value(await files.save('home', sampleDesign('mine')));
    const theirs = serializeDesign(sampleDesign('theirs'), '0.1.0');
    writeFileSync(inWorkspace('home.clan-design.json'), theirs);
    expect(errorCode(await files.save('home', sampleDesign('mine again'), { expectedRevision: revision }))).toBe('fileChangedOnDisk');
    expect(readFileSync(inWorkspace('home.clan-design.json'), 'utf8')).toBe(theirs);
    // Saving against the new revision works.
    const reopened = value(await files.open('home'));
    value(await files.save('home', sampleDesign('merged'), { expectedRevision: reopened.revision }));
    expect(value(await files.open('home')).design.meta.clanName).toBe('merged');
  });

  test('writes a file again that was deleted since it was opened', async () => {
    const files = service();
    const { revision } = value(await files.save('home', sampleDesign()));
    rmSync(inWorkspace('home.clan-design.json'));
    value(await files.save('home', sampleDesign('back'), { expectedRevision: revision }));
    expect(value(await files.open('home')).design.meta.clanName).toBe('back');
  });

  test.each([
    ['plain text', 'hello, not json'],
    ['another JSON file', '{"name":"package","version":"1.0.0"}\n'],
    ['a file from a newer version', '{"kind":"clan-network-designer/design","formatVersion":42,"design":{}}'],
    ['a design that cannot be restored', '{"kind":"clan-network-designer/design","formatVersion":1,"design":[]}'],
    ['binary junk', '\u0000\u00ff\u00fe garbage \u0007'],
  ])('never overwrites %s, even when told to, and leaves its bytes identical', async (_label, content) => {
    mkdirSync(workspaceDir, { recursive: true });
    writeFileSync(inWorkspace('foreign.clan-design.json'), content);
    const before = readFileSync(inWorkspace('foreign.clan-design.json'));
    const files = service();
    const result = await files.save('foreign', sampleDesign(), { overwrite: true, expectedRevision: sha256(before) });
    expect(errorCode(result)).toBe('wouldOverwriteUnreadableFile');
    expect(readFileSync(inWorkspace('foreign.clan-design.json')).equals(before)).toBe(true);
    expect(readdirSync(workspaceDir)).toEqual(['foreign.clan-design.json']);
  });
});

describe('atomic writes', () => {
  test('leave no temp files next to the design after many saves', async () => {
    const files = service();
    let revision: string | undefined;
    for (let i = 0; i < 20; i += 1) revision = value(await files.save('home', sampleDesign(`v${i}`), { expectedRevision: revision, overwrite: true })).revision;
    value(await files.save('other', sampleDesign()));
    expect(readdirSync(workspaceDir).sort()).toEqual(['home.clan-design.json', 'other.clan-design.json']);
    expect(readdirSync(dataDir).sort()).toEqual(['recent.json']);
  });

  test('a failed write reports fileAccessFailed and leaves the previous file intact', async () => {
    const files = service();
    value(await files.save('home', sampleDesign('safe')));
    const before = readFileSync(inWorkspace('home.clan-design.json'));
    const failing = service({
      fileOps: failingWrites('ENOSPC'),
    });
    const result = await failing.save('home', sampleDesign('lost'), { overwrite: true });
    expect(!result.ok && result.error).toEqual({ code: 'fileAccessFailed', details: { name: 'home.clan-design.json', operation: 'write', errno: 'ENOSPC' } });
    expect(readFileSync(inWorkspace('home.clan-design.json')).equals(before)).toBe(true);
    // The half-written temp file is removed, not left next to the design.
    expect(readdirSync(workspaceDir)).toEqual(['home.clan-design.json']);
  });

  test('a read refused by the system reports fileAccessFailed with the errno', async () => {
    mkdirSync(workspaceDir, { recursive: true });
    writeFileSync(inWorkspace('locked.clan-design.json'), '{}');
    const fileOps = changedFileOps({
      beforeOpen: (path) => {
        if (path.endsWith('locked.clan-design.json')) throw fsError('EACCES');
      },
    });
    const result = await service({ fileOps }).open('locked');
    expect(!result.ok && result.error).toEqual({ code: 'fileAccessFailed', details: { name: 'locked.clan-design.json', operation: 'read', errno: 'EACCES' } });
  });
});

describe('list', () => {
  test('returns design files newest first, skipping other files, hidden files, folders and temp files', async () => {
    mkdirSync(workspaceDir, { recursive: true });
    const files = service();
    for (const [name, seconds] of [['old', 1_000], ['new', 3_000], ['middle', 2_000]] as const) {
      writeFileSync(inWorkspace(`${name}.clan-design.json`), 'x'.repeat(seconds / 1000));
      utimesSync(inWorkspace(`${name}.clan-design.json`), seconds, seconds);
    }
    writeFileSync(inWorkspace('notes.txt'), 'not a design');
    writeFileSync(inWorkspace('.hidden.clan-design.json'), '{}');
    writeFileSync(inWorkspace('home.clan-design.json.3f2a91c'), 'temp file of an atomic write');
    mkdirSync(inWorkspace('folder.clan-design.json'));
    const listed = value(await files.list());
    expect(listed.workspace).toBe(workspaceDir);
    expect(listed.files).toEqual([
      { name: 'new.clan-design.json', size: 3, modifiedAt: 3_000_000 },
      { name: 'middle.clan-design.json', size: 2, modifiedAt: 2_000_000 },
      { name: 'old.clan-design.json', size: 1, modifiedAt: 1_000_000 },
    ]);
  });

  test('returns an empty list when the workspace folder does not exist yet', async () => {
    expect(value(await service().list())).toEqual({ workspace: workspaceDir, files: [] });
  });
});

describe('recent files', () => {
  test('lists opened and saved names newest first, only those that still exist, at most 10', async () => {
    const files = service();
    for (let i = 0; i < 12; i += 1) value(await files.save(`design-${i}`, sampleDesign()));
    value(await files.open('design-3'));
    rmSync(inWorkspace('design-11.clan-design.json'));
    const { names } = value(await files.recent());
    expect(names).toHaveLength(10);
    expect(names.slice(0, 3)).toEqual(['design-3.clan-design.json', 'design-10.clan-design.json', 'design-9.clan-design.json']);
    expect(names).not.toContain('design-11.clan-design.json');
    expect(new Set(names).size).toBe(names.length);
  });

  test('keeps both names when two saves finish at the same time', async () => {
    const files = service();
    await Promise.all([files.save('one', sampleDesign()), files.save('two', sampleDesign()), files.open('missing')]);
    expect(value(await files.recent()).names.sort()).toEqual(['one.clan-design.json', 'two.clan-design.json']);
  });

  test('survives a second service on the same data folder', async () => {
    value(await service().save('kept', sampleDesign()));
    expect(value(await service().recent()).names).toEqual(['kept.clan-design.json']);
  });

  test('treats a corrupt recent.json as empty and replaces it with a valid one', async () => {
    mkdirSync(dataDir, { recursive: true });
    for (const corrupt of ['{"version":1,"names":[', '"just a string"', '{"version":1,"names":"nope"}', '\u0000\u0001']) {
      writeFileSync(join(dataDir, 'recent.json'), corrupt);
      expect(value(await service().recent())).toEqual({ names: [] });
      expect(JSON.parse(readFileSync(join(dataDir, 'recent.json'), 'utf8'))).toEqual({ version: 1, names: [] });
    }
    value(await service().save('after', sampleDesign()));
    expect(value(await service().recent()).names).toEqual(['after.clan-design.json']);
  });

  test('drops names from recent.json that are not valid design file names', async () => {
    value(await service().save('fine', sampleDesign()));
    writeFileSync(join(root, 'outside.clan-design.json'), serializeDesign(sampleDesign(), '0.1.0'));
    writeFileSync(join(dataDir, 'recent.json'), JSON.stringify({ version: 1, names: ['../outside.clan-design.json', 'fine.clan-design.json'] }));
    expect(value(await service().recent()).names).toEqual(['fine.clan-design.json']);
  });

  test('a failure to write recent.json does not fail the save', async () => {
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(join(dataDir, 'recent.json'));
    const logged: string[] = [];
    const files = service({ log: (message) => logged.push(message) });
    value(await files.save('home', sampleDesign()));
    expect(existsSync(inWorkspace('home.clan-design.json'))).toBe(true);
    expect(logged.some((m) => m.includes('recent.json'))).toBe(true);
  });
});

describe('autosave and recovery', () => {
  test('lists autosaves without a saved file newest first, with their times', async () => {
    let clock = 1_000;
    const files = service({ now: () => clock });
    value(await files.autosave('untitled', sampleDesign('a')));
    clock = 5_000;
    value(await files.autosave('draft', sampleDesign('b')));
    clock = 3_000;
    value(await files.autosave('other.clan-design.json', sampleDesign('c')));
    expect(value(await files.recovery()).entries).toEqual([
      { key: 'draft.clan-design.json', savedAt: 5_000, fileModifiedAt: null },
      { key: 'other.clan-design.json', savedAt: 3_000, fileModifiedAt: null },
      { key: 'untitled', savedAt: 1_000, fileModifiedAt: null },
    ]);
  });

  test('lists an autosave only while it is newer than its saved file', async () => {
    const files = service();
    value(await files.save('home', sampleDesign()));
    utimesSync(inWorkspace('home.clan-design.json'), 1_000, 1_000);
    value(await files.autosave('home', sampleDesign('edited')));
    expect(value(await files.recovery()).entries).toEqual([{ key: 'home.clan-design.json', savedAt: expect.any(Number), fileModifiedAt: 1_000_000 }]);
    // The file changes later (another window saved it): the autosave is now older and no longer offered.
    utimesSync(inWorkspace('home.clan-design.json'), new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));
    expect(value(await files.recovery()).entries).toEqual([]);
  });

  test('recover returns the design with the revision it was based on, and discard removes it', async () => {
    const files = service({ now: () => 42_000 });
    const { revision } = value(await files.save('home', sampleDesign()));
    value(await files.autosave('home', sampleDesign('edited'), revision));
    const recovered = value(await files.recover('home'));
    expect(recovered).toEqual({ key: 'home.clan-design.json', design: sampleDesign('edited'), repairs: [], savedAt: 42_000, revision });
    expect(value(await files.discardRecovery('home'))).toEqual({ discarded: true });
    expect(value(await files.discardRecovery('home'))).toEqual({ discarded: false });
    expect(errorCode(await files.recover('home'))).toBe('recoveryNotFound');
    expect(value(await files.recovery()).entries).toEqual([]);
  });

  test('saving clears the autosave of that name and of the autosave key it came from', async () => {
    const files = service();
    value(await files.autosave('untitled', sampleDesign('new')));
    value(await files.autosave('home', sampleDesign('old edit')));
    value(await files.save('home', sampleDesign('new'), { autosaveKey: 'untitled', overwrite: true }));
    expect(value(await files.recovery()).entries).toEqual([]);
    expect(readdirSync(join(dataDir, 'autosave'))).toEqual([]);
  });

  test('autosave refuses an invalid design and an invalid key', async () => {
    const files = service();
    expect(errorCode(await files.autosave('home', { sites: 'nope' }))).toBe('invalidDesign');
    expect(errorCode(await files.autosave('.untitled', sampleDesign()))).toBe('invalidFileName');
  });

  test('an autosave that cannot be read is still listed, and recovering it returns its load error', async () => {
    const files = service();
    mkdirSync(join(dataDir, 'autosave'), { recursive: true });
    writeFileSync(join(dataDir, 'autosave', 'untitled.json'), 'truncated {');
    expect(value(await files.recovery()).entries.map((e) => e.key)).toEqual(['untitled']);
    expect(errorCode(await files.recover('untitled'))).toBe('notADesignFile');
  });
});

describe('through the contract', () => {
  test('project channels save, list and open a design, and answer bad names with invalidFileName', async () => {
    const { dispatch } = createBackend({ mode: 'serve', log: () => undefined, workspaceDir, dataDir });
    const design = sampleDesign();
    const saved = await dispatch('project:save', { name: 'home', design, overwrite: false });
    expect(saved).toMatchObject({ ok: true, value: { name: 'home.clan-design.json' } });
    const listed = (await dispatch('project:list', {})) as Result<{ files: { name: string }[] }>;
    expect(value(listed).files.map((f) => f.name)).toEqual(['home.clan-design.json']);
    const opened = (await dispatch('project:open', { name: 'home.clan-design.json' })) as Result<{ design: Design; revision: string }>;
    expect(value(opened).design).toEqual(design);
    expect(value(opened).revision).toBe(revisionOf(readFileSync(inWorkspace('home.clan-design.json'))));
    expect(errorCode(await dispatch('project:open', { name: '../../etc/passwd' }))).toBe('invalidFileName');
    expect(errorCode(await dispatch('project:save', { name: 'x', design: { ...design, sites: 5 } }))).toBe('invalidDesign');
    expect(errorCode(await dispatch('project:save', { name: 'x', design: 'not a design' }))).toBe('invalidRequest');
    expect(errorCode(await dispatch('project:save', { name: 'x', design, path: '/etc' }))).toBe('invalidRequest');
  });
});

describe('folders', () => {
  const home = '/home/anna';

  test('serve mode defaults to ~/Clan Designs and the XDG data folder', () => {
    expect(defaultServeFolders({}, home)).toEqual({ workspaceDir: '/home/anna/Clan Designs', dataDir: '/home/anna/.local/share/clan-network-designer' });
    expect(defaultServeFolders({ XDG_DATA_HOME: '/data' }, home).dataDir).toBe('/data/clan-network-designer');
    expect(defaultServeFolders({ XDG_DATA_HOME: 'relative' }, home).dataDir).toBe('/home/anna/.local/share/clan-network-designer');
  });

  test('flags win over environment variables, which win over the defaults', () => {
    const defaults = defaultServeFolders({}, home);
    const env = { CLAN_DESIGNER_WORKSPACE: '/env/ws', CLAN_DESIGNER_DATA_DIR: '~/env-data' };
    expect(resolveProjectFolders({}, {}, defaults, home, '/cwd')).toEqual(defaults);
    expect(resolveProjectFolders({}, env, defaults, home, '/cwd')).toEqual({ workspaceDir: '/env/ws', dataDir: '/home/anna/env-data' });
    expect(resolveProjectFolders({ workspace: 'designs', dataDir: '/flag/data' }, env, defaults, home, '/cwd')).toEqual({ workspaceDir: '/cwd/designs', dataDir: '/flag/data' });
    expect(resolveProjectFolders({}, { CLAN_DESIGNER_WORKSPACE: '' }, defaults, home, '/cwd').workspaceDir).toBe(defaults.workspaceDir);
  });
});
