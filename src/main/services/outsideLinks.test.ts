import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { describeError, type AppError } from '../../shared/errors';
import type { EventChannel } from '../../shared/ipc/channels';
import type { CheckProgress } from '../../shared/ipc/contract';
import { createEmptyDesign, makeMachine, makeSite, putMachine, putSite } from '../../shared/model/ops';
import type { Design, MachineId, SiteId } from '../../shared/model/types';
import type { Result } from '../../shared/result';
import { serializeDesign } from '../../shared/schema/envelope';
import { loadDesignFile } from '../../shared/schema/load';
import { changedFileOps, opensForWriting } from '../fs/testFileOps';
import { createBackend } from '../rpc/createBackend';
import { EventHub } from '../rpc/eventHub';
import { JobEngine } from '../jobs/jobEngine';
import { CheckJobsService } from './checkJobs';
import { GenerateService } from './generate';
import { ProjectFilesService, revisionOf } from './projectFiles';

// No file operation of the app leaves its folders: links planted in the workspace or the data folder (a synced or
// unpacked folder can hold any) never make the app write, or show, a file elsewhere. Every test plants a real link
// to a file or folder outside and checks that what is outside is untouched and the person gets a coded error.

let root: string;
let workspaceDir: string;
let dataDir: string;
let outside: string;
/** A file outside both folders that a planted link points to. */
let victim: string;
const precious = 'precious: not the app’s file\n';

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'outside-links-'));
  workspaceDir = join(root, 'Clan Designs');
  dataDir = join(root, 'data');
  outside = join(root, 'elsewhere');
  mkdirSync(workspaceDir);
  mkdirSync(dataDir);
  mkdirSync(outside);
  victim = join(outside, 'victim.txt');
  writeFileSync(victim, precious);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function sampleDesign(name = 'home'): Design {
  let design = createEmptyDesign(name, `${name}.lan`);
  design = putSite(design, makeSite('site_home' as SiteId, { name: 'Home' }));
  design = putMachine(design, makeMachine('mach_nas' as MachineId, { name: 'nas', kind: 'nas', siteId: 'site_home' as SiteId }));
  return design;
}

function errorOf(result: Result<unknown, AppError>): AppError {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function value<T>(result: Result<T, AppError>): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** Every file below a folder, with its content, to show nothing there changed. */
function contentsOf(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[join(entry.parentPath, entry.name).slice(folder.length + 1)] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  return files;
}

describe('the check report (<name>.check.json)', () => {
  function checkJobs(events: EventHub, log: string[] = []): CheckJobsService {
    return new CheckJobsService({
      jobs: new JobEngine({ events, workspaceDir, log: (message) => log.push(message) }),
      localChecks: async () => [],
      // No machine in the design is managed, so no connection is ever made.
      createSsh: () => ({ knownHostsPath: '/dev/null', pool: { dispose: () => undefined, exec: async () => Promise.reject(new Error('no machine should be contacted')) } }),
    });
  }

  async function runCheck(jobs: CheckJobsService, events: EventHub): Promise<Extract<CheckProgress, { type: 'done' }>> {
    const done = new Promise<Extract<CheckProgress, { type: 'done' }>>((resolve) => {
      events.connect((channel: EventChannel, payload) => {
        if (channel === 'job:onDidProgress' && (payload as CheckProgress).type === 'done') resolve(payload as Extract<CheckProgress, { type: 'done' }>);
      });
    });
    expect(jobs.start({ name: 'family.clan-design.json', design: createEmptyDesign('family', 'family.lan'), hostKeys: 'strict' }).ok).toBe(true);
    return done;
  }

  test('is not written through a link to a file outside the workspace; the check ends and says why it was not kept', async () => {
    symlinkSync(victim, join(workspaceDir, 'family.check.json'));
    const events = new EventHub();
    const log: string[] = [];
    const done = await runCheck(checkJobs(events, log), events);

    expect(readFileSync(victim, 'utf8')).toBe(precious);
    expect(readlinkSync(join(workspaceDir, 'family.check.json'))).toBe(victim);
    expect(done.report.outcome).toBe('finished');
    expect(done.saved).toBe(false);
    expect(done.saveError).toMatchObject({ code: 'notARegularFile', details: { name: 'family.check.json', kind: 'link', outside: true } });
    const message = describeError(done.saveError!);
    expect(message).toContain('“family.check.json” in the designs folder is a link to a place outside it');
    expect(message).toContain('Remove the link, or move the real file into the designs folder');
    expect(log.some((line) => line.includes('notARegularFile'))).toBe(true);
  });

  test('is not read through a link: the last check is refused instead of showing a file from elsewhere', async () => {
    const foreign = { kind: 'clan-designer-check', version: 1, startedAt: 1, finishedAt: 2, outcome: 'finished', local: [], machines: [] };
    writeFileSync(victim, JSON.stringify(foreign));
    symlinkSync(victim, join(workspaceDir, 'family.check.json'));
    const error = errorOf(await checkJobs(new EventHub()).last('family.clan-design.json'));
    expect(error).toMatchObject({ code: 'notARegularFile', details: { name: 'family.check.json', kind: 'link' } });
  });
});

describe('the configuration folder (<name>.clan/)', () => {
  test('a <name>.clan folder that is a link out of the workspace is refused and nothing is written outside', async () => {
    const elsewhere = join(outside, 'flake');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'flake.nix'), precious);
    symlinkSync(elsewhere, join(workspaceDir, 'family.clan'));
    const design = loadExample();

    const error = errorOf(await new GenerateService({ workspaceDir }).write('family.clan-design.json', design, { force: true }));
    expect(error).toMatchObject({ code: 'pathOutsideFolder', details: { folder: 'workspace', reason: 'link', link: 'family.clan' } });
    expect(describeError(error)).toContain('“family.clan” in the designs folder is a link to a place outside it');
    expect(contentsOf(elsewhere)).toEqual({ 'flake.nix': precious });
  });

  test('a <name>.clan folder that is a link out of the workspace is not read for the preview', async () => {
    const elsewhere = join(outside, 'flake');
    mkdirSync(join(elsewhere, '.clan-designer'), { recursive: true });
    writeFileSync(join(elsewhere, 'secret.nix'), precious);
    const hash = revisionOf(precious);
    writeFileSync(join(elsewhere, '.clan-designer', 'manifest.json'), JSON.stringify({ generator: 'clan-network-designer', formatVersion: 1, files: { 'secret.nix': hash } }));
    symlinkSync(elsewhere, join(workspaceDir, 'family.clan'));
    const error = errorOf(await new GenerateService({ workspaceDir }).readLast('family.clan-design.json'));
    expect(error).toMatchObject({ code: 'pathOutsideFolder', details: { link: 'family.clan' } });
  });

  test('a <name>.clan folder that is a link to a folder inside the workspace is used', async () => {
    mkdirSync(join(workspaceDir, 'archive', 'family.clan'), { recursive: true });
    symlinkSync(join(workspaceDir, 'archive', 'family.clan'), join(workspaceDir, 'family.clan'));
    const written = value(await new GenerateService({ workspaceDir }).write('family.clan-design.json', loadExample(), {}));
    expect(written.report.written).toContain('flake.nix');
    expect(readFileSync(join(workspaceDir, 'archive', 'family.clan', 'flake.nix'), 'utf8')).toContain('inputs');
    expect(lstatSync(join(workspaceDir, 'family.clan')).isSymbolicLink()).toBe(true);
  });
});

describe('autosaves and recent.json in the data folder', () => {
  test('an autosave folder that is a link out of the data folder is refused; nothing is written or recovered from there', async () => {
    const elsewhere = join(outside, 'autosaves');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'home.clan-design.json.json'), serializeDesign(sampleDesign('planted'), '0.1.0'));
    symlinkSync(elsewhere, join(dataDir, 'autosave'));
    const files = new ProjectFilesService({ workspaceDir, dataDir, appVersion: '0.1.0-test' });
    const before = contentsOf(elsewhere);

    const error = errorOf(await files.autosave('home', sampleDesign('mine')));
    expect(error).toMatchObject({ code: 'pathOutsideFolder', details: { folder: 'data', reason: 'link', link: 'autosave', root: dataDir } });
    expect(describeError(error)).toContain(`“autosave” in the app's data folder (${dataDir}) is a link to a place outside it`);
    expect(errorOf(await files.recover('home')).code).toBe('pathOutsideFolder');
    expect(contentsOf(elsewhere)).toEqual(before);
  });

  test('an autosave file that is a link is neither written through nor replaced', async () => {
    mkdirSync(join(dataDir, 'autosave'));
    symlinkSync(victim, join(dataDir, 'autosave', 'home.clan-design.json.json'));
    const files = new ProjectFilesService({ workspaceDir, dataDir, appVersion: '0.1.0-test' });
    const error = errorOf(await files.autosave('home', sampleDesign()));
    expect(error).toMatchObject({ code: 'notARegularFile', details: { name: 'autosave/home.clan-design.json.json', kind: 'link', outside: true } });
    expect(readFileSync(victim, 'utf8')).toBe(precious);
    expect(readlinkSync(join(dataDir, 'autosave', 'home.clan-design.json.json'))).toBe(victim);
  });

  test('a recent.json that is a link is left alone; the save itself still works', async () => {
    symlinkSync(victim, join(dataDir, 'recent.json'));
    const log: string[] = [];
    const files = new ProjectFilesService({ workspaceDir, dataDir, appVersion: '0.1.0-test', log: (message) => log.push(message) });
    value(await files.save('home', sampleDesign()));
    value(await files.open('home'));
    expect(readFileSync(victim, 'utf8')).toBe(precious);
    expect(readlinkSync(join(dataDir, 'recent.json'))).toBe(victim);
    expect(value(await files.open('home')).design).toEqual(sampleDesign());
    expect(log.some((line) => line.includes('recent.json') && line.includes('notARegularFile'))).toBe(true);
  });
});

describe('saving a design', () => {
  test('a design file swapped for a link between the check and the write: the link is replaced, the file outside is untouched', async () => {
    const target = join(workspaceDir, 'home.clan-design.json');
    let swapped = false;
    const files = new ProjectFilesService({
      workspaceDir,
      dataDir,
      appVersion: '0.1.0-test',
      // The revision check has read the file; just before the rename, someone replaces it with a link to elsewhere.
      fileOps: changedFileOps({
        beforeRename: (_from, to) => {
          if (to !== target || swapped) return;
          rmSync(target);
          symlinkSync(victim, target);
          swapped = true;
        },
      }),
    });
    const first = value(await new ProjectFilesService({ workspaceDir, dataDir, appVersion: '0.1.0-test' }).save('home', sampleDesign('first')));
    value(await files.save('home', sampleDesign('second'), { expectedRevision: first.revision }));

    expect(swapped).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe(precious);
    expect(lstatSync(target).isFile()).toBe(true);
    const loaded = loadDesignFile(readFileSync(target, 'utf8'));
    expect(loaded.ok && loaded.value.design.meta.clanName).toBe('second');
  });

  test('a design file swapped for a link while the new file is being written: the save is refused and the link left alone', async () => {
    const target = join(workspaceDir, 'home.clan-design.json');
    const first = value(await new ProjectFilesService({ workspaceDir, dataDir, appVersion: '0.1.0-test' }).save('home', sampleDesign('first')));
    const files = new ProjectFilesService({
      workspaceDir,
      dataDir,
      appVersion: '0.1.0-test',
      fileOps: changedFileOps({
        beforeOpen: (_path, flags) => {
          if (!opensForWriting(flags) || lstatSync(target).isSymbolicLink()) return;
          rmSync(target);
          symlinkSync(victim, target);
        },
      }),
    });
    const error = errorOf(await files.save('home', sampleDesign('second'), { expectedRevision: first.revision }));
    expect(error).toMatchObject({ code: 'notARegularFile', details: { name: 'home.clan-design.json', kind: 'link', outside: true } });
    expect(readFileSync(victim, 'utf8')).toBe(precious);
    expect(readlinkSync(target)).toBe(victim);
    expect(readdirSync(workspaceDir)).toEqual(['home.clan-design.json']);
  });

  test('a design file another program rewrites while the new file is being written is not overwritten', async () => {
    const target = join(workspaceDir, 'home.clan-design.json');
    const first = value(await new ProjectFilesService({ workspaceDir, dataDir, appVersion: '0.1.0-test' }).save('home', sampleDesign('first')));
    const theirs = serializeDesign(sampleDesign('theirs, saved by another program'), '0.1.0');
    const files = new ProjectFilesService({
      workspaceDir,
      dataDir,
      appVersion: '0.1.0-test',
      fileOps: changedFileOps({
        beforeOpen: (_path, flags) => {
          if (opensForWriting(flags)) writeFileSync(target, theirs);
        },
      }),
    });
    expect(errorOf(await files.save('home', sampleDesign('mine'), { expectedRevision: first.revision })).code).toBe('fileChangedOnDisk');
    expect(readFileSync(target, 'utf8')).toBe(theirs);
  });

  test('two saves of the same revision at once: one is written, the other is told the file changed', async () => {
    const files = new ProjectFilesService({ workspaceDir, dataDir, appVersion: '0.1.0-test' });
    const first = value(await files.save('home', sampleDesign('first')));
    const results = await Promise.all([
      files.save('home', sampleDesign('window-a'), { expectedRevision: first.revision }),
      files.save('home', sampleDesign('window-b'), { expectedRevision: first.revision }),
    ]);
    const written = results.filter((r) => r.ok);
    expect(written).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => errorOf(r).code)).toEqual(['fileChangedOnDisk']);
    // What is on disk is the save that was reported as written.
    expect(revisionOf(readFileSync(join(workspaceDir, 'home.clan-design.json')))).toBe(written[0]!.ok && written[0]!.value.revision);
  });

  test('a workspace folder that is itself a link (to a NAS, say) works as the real folder', async () => {
    const real = join(outside, 'nas-designs');
    mkdirSync(real);
    const linked = join(root, 'linked designs');
    symlinkSync(real, linked);
    const files = new ProjectFilesService({ workspaceDir: linked, dataDir, appVersion: '0.1.0-test' });
    const saved = value(await files.save('home', sampleDesign()));
    expect(value(await files.open('home')).revision).toBe(saved.revision);
    expect(readdirSync(real)).toEqual(['home.clan-design.json']);
    expect(value(await new GenerateService({ workspaceDir: linked }).write('home.clan-design.json', loadExample(), {})).folder).toBe('home.clan');
    expect(existsSync(join(real, 'home.clan', 'flake.nix'))).toBe(true);
  });
});

describe('temp files of interrupted writes', () => {
  test('stale ones next to the app’s files are removed at start; fresh ones and anything else are kept', async () => {
    const old = (path: string, content = 'half a write') => {
      writeFileSync(path, content);
      utimesSync(path, new Date(Date.now() - 60 * 60 * 1000), new Date(Date.now() - 60 * 60 * 1000));
      return path;
    };
    const fresh = (path: string) => {
      writeFileSync(path, 'a write going on right now');
      return path;
    };
    mkdirSync(join(workspaceDir, 'home.clan', 'machines', 'nas'), { recursive: true });
    mkdirSync(join(workspaceDir, 'home.clan', '.clan-designer'), { recursive: true });
    writeFileSync(join(workspaceDir, 'home.clan', '.clan-designer', 'manifest.json'), JSON.stringify({ generator: 'clan-network-designer', formatVersion: 1, files: { 'flake.nix': 'a'.repeat(64), 'machines/nas/configuration.nix': 'b'.repeat(64) } }));
    mkdirSync(join(dataDir, 'autosave'));

    const stale = [
      old(join(workspaceDir, '.home.clan-design.json.0123456789ab.tmp')), // the app's own writer
      old(join(workspaceDir, 'home.clan-design.json.3141592653')), // write-file-atomic, which earlier versions used
      old(join(workspaceDir, 'home.check.json.420000042')),
      old(join(workspaceDir, 'home.clan', 'flake.nix.2718281828')),
      old(join(workspaceDir, 'home.clan', 'machines', 'nas', 'configuration.nix.161803398')),
      old(join(workspaceDir, 'home.clan', 'machines', 'nas', '.configuration.nix.abcdefabcdef.tmp')),
      old(join(dataDir, 'recent.json.1234567890')),
      old(join(dataDir, 'autosave', 'untitled.json.987654321')),
      old(join(dataDir, 'autosave', '.untitled.json.aaaaaaaaaaaa.tmp')),
    ];
    const kept = [
      fresh(join(workspaceDir, '.home.clan-design.json.fedcba987654.tmp')),
      fresh(join(workspaceDir, 'home.clan-design.json.555555555')),
      old(join(workspaceDir, 'home.clan-design.json.20240101')), // a copy dated by hand: 8 digits
      old(join(workspaceDir, 'notes.txt.1')), // not a name the app writes
      old(join(workspaceDir, 'home.clan-design.json.99999999999')), // more than 32 bits: not write-file-atomic's
      old(join(workspaceDir, 'home.clan-design.json.bak')),
      old(join(workspaceDir, 'home.clan', 'hardware-configuration.nix.3')), // the manifest does not list it
      old(join(outside, '.victim.txt.0123456789ab.tmp')),
    ];
    symlinkSync(join(outside, '.victim.txt.0123456789ab.tmp'), join(workspaceDir, '.planted.txt.0123456789ab.tmp'));
    symlinkSync(outside, join(workspaceDir, 'elsewhere.clan'));

    const log: string[] = [];
    const backend = createBackend({ mode: 'serve', log: (message) => log.push(message), workspaceDir, dataDir });
    await backend.staleTempFiles;

    expect(stale.filter((path) => existsSync(path))).toEqual([]);
    expect(kept.filter((path) => !existsSync(path))).toEqual([]);
    expect(lstatSync(join(workspaceDir, '.planted.txt.0123456789ab.tmp')).isSymbolicLink()).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe(precious);
    expect(log.filter((line) => line.startsWith('removed a temporary file')).sort()).toEqual(stale.map((path) => `removed a temporary file left by an interrupted write: ${path}`).sort());
  });
});

function loadExample(): Design {
  const loaded = loadDesignFile(readFileSync(join(import.meta.dirname, '../../../resources/examples/three-households.clan-design.json'), 'utf8'));
  if (!loaded.ok) throw new Error('example does not load');
  return loaded.value.design;
}
