import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { nodeFileOps } from './confinedFolder';
import { removeStaleTempFiles, STALE_TEMP_AGE_MS } from './staleTempFiles';
import { fsError } from './testFileOps';

let base: string;
let workspaceDir: string;
let dataDir: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'stale-temp-'));
  workspaceDir = join(base, 'workspace');
  dataDir = join(base, 'data');
  mkdirSync(workspaceDir);
  mkdirSync(dataDir);
});

afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('removeStaleTempFiles', () => {
  test('keeps a temp file until it is older than the safe age, then removes it', async () => {
    const temp = join(workspaceDir, '.home.clan-design.json.0123456789ab.tmp');
    writeFileSync(temp, 'half');
    const written = statSync(temp).mtimeMs;
    const justFresh = await removeStaleTempFiles({ workspaceDir, dataDir, now: () => written + STALE_TEMP_AGE_MS - 1000 });
    expect(justFresh.removed).toEqual([]);
    expect(existsSync(temp)).toBe(true);
    const stale = await removeStaleTempFiles({ workspaceDir, dataDir, now: () => written + STALE_TEMP_AGE_MS + 1000 });
    expect(stale.removed).toEqual([temp]);
    expect(existsSync(temp)).toBe(false);
  });

  test('never removes folders or links with a temp file name, and never walks through a link', async () => {
    mkdirSync(join(workspaceDir, '.folder.0123456789ab.tmp'));
    const outside = join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'flake.nix.123456'), 'not ours');
    symlinkSync(outside, join(workspaceDir, 'home.clan'));
    const report = await removeStaleTempFiles({ workspaceDir, dataDir, now: () => Date.now() + 24 * 60 * 60 * 1000 });
    expect(report.removed).toEqual([]);
    expect(existsSync(join(workspaceDir, '.folder.0123456789ab.tmp'))).toBe(true);
    expect(existsSync(join(outside, 'flake.nix.123456'))).toBe(true);
  });

  test('missing folders are not an error; a folder that cannot be read is reported and the rest is still cleaned', async () => {
    rmSync(dataDir, { recursive: true });
    const temp = join(workspaceDir, 'home.check.json.777777777');
    writeFileSync(temp, 'half');
    mkdirSync(join(workspaceDir, 'locked.clan'));
    const log: string[] = [];
    const report = await removeStaleTempFiles({
      workspaceDir,
      dataDir,
      now: () => Date.now() + 24 * 60 * 60 * 1000,
      log: (message) => log.push(message),
      fileOps: {
        ...nodeFileOps,
        readdir: async (path) => (path.endsWith('locked.clan') ? Promise.reject(fsError('EACCES')) : nodeFileOps.readdir(path)),
      },
    });
    expect(report.removed).toEqual([temp]);
    expect(report.failed).toEqual([{ path: join(workspaceDir, 'locked.clan'), errno: 'EACCES' }]);
    expect(log.some((line) => line.includes('locked.clan'))).toBe(true);
  });
});
