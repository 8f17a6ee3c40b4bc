import { describe, expect, test } from 'vitest';
import { createEmptyDesign } from '../model/ops';
import { createDefaultComparison } from './design';
import { DESIGN_FILE_KIND } from './envelope';
import { loadDesignFile } from './load';
import { CURRENT_FORMAT_VERSION, currentVersionOf, defineMigrations, migrations, runMigrations, type Migration } from './migrations';

// The machinery is tested with synthetic steps, so it is covered before the app has a second real step.

type Doc = { steps?: string[] } & Record<string, unknown>;
const append = (name: string) => (design: unknown) => ({ ...(design as Doc), steps: [...((design as Doc).steps ?? []), name] });

const synthetic: readonly Migration[] = defineMigrations([
  { version: 1, name: 'InitialFormat', up: append('InitialFormat') },
  { version: 2, name: 'AddVpnProvider', up: append('AddVpnProvider') },
  { version: 3, name: 'SplitHostRole', up: append('SplitHostRole') },
]);

function fileText(formatVersion: number, design: unknown = {}): string {
  return JSON.stringify({ kind: DESIGN_FILE_KIND, formatVersion, appVersion: 'test', design, meta: {} });
}

describe('the app migration list', () => {
  test('starts with InitialFormat at version 1, and the current version is the last step', () => {
    expect(migrations[0]).toMatchObject({ version: 1, name: 'InitialFormat' });
    expect(CURRENT_FORMAT_VERSION).toBe(migrations[migrations.length - 1]!.version);
    expect(CURRENT_FORMAT_VERSION).toBe(3);
    expect(migrations.map((m) => m.name)).toEqual(['InitialFormat', 'AddVpnComparison', 'AddDeploySettings']);
  });

  test('InitialFormat turns a pre-release design into the same design', () => {
    const design = { sites: {}, anything: [1, 2] };
    expect(migrations[0]!.up(design)).toEqual(design);
  });

  test('AddVpnComparison adds the version 2 defaults, which equal the defaults of a new design', () => {
    const step = migrations[1]!;
    const design = { sites: { site_a: { id: 'site_a' } }, admin: { siteId: null } };
    const next = step.up(design) as Record<string, unknown>;
    expect(next).toEqual({ ...design, comparison: createDefaultComparison() });
    expect(design).not.toHaveProperty('comparison');
    // Two runs never share one comparison object (the loader hands designs on to code that may keep them).
    expect((step.up(design) as Record<string, unknown>).comparison).not.toBe(next.comparison);
  });

  test('AddVpnComparison keeps an existing comparison and passes non-objects on for the loader to report', () => {
    const step = migrations[1]!;
    const existing = { comparison: { profile: 'high' } };
    expect(step.up(existing)).toEqual(existing);
    for (const value of [null, 'design', 42, [1, 2]]) expect(step.up(value)).toEqual(value);
  });

  test('AddDeploySettings adds the version 3 defaults, which equal the deploy settings of a new design', () => {
    const step = migrations[2]!;
    const design = { machines: { mach_vps: { id: 'mach_vps' } }, comparison: {} };
    const next = step.up(design) as Record<string, unknown>;
    expect(next).toEqual({ ...design, deploy: { varsHelper: null, rollbackSeconds: 90, concurrency: 4 } });
    expect(next.deploy).toEqual(createEmptyDesign().deploy);
    expect(design).not.toHaveProperty('deploy');
    expect((step.up(design) as Record<string, unknown>).deploy).not.toBe(next.deploy);
  });

  test('AddDeploySettings keeps existing deploy settings and passes non-objects on for the loader to report', () => {
    const step = migrations[2]!;
    const existing = { deploy: { varsHelper: 'mach_vps', rollbackSeconds: 300, concurrency: 8 } };
    expect(step.up(existing)).toEqual(existing);
    for (const value of [null, 'design', 42, [1, 2]]) expect(step.up(value)).toEqual(value);
  });

  test('steps are frozen so nobody can edit a shipped step at run time', () => {
    expect(Object.isFrozen(migrations)).toBe(true);
    expect(Object.isFrozen(migrations[0])).toBe(true);
  });
});

describe('defineMigrations', () => {
  test('rejects gaps, reordering, names that are not PascalCase and repeated names', () => {
    const up = (d: unknown) => d;
    expect(() => defineMigrations([{ version: 2, name: 'Skipped', up }])).toThrow(/expected 1/);
    expect(() => defineMigrations([{ version: 1, name: 'A', up }, { version: 3, name: 'C', up }])).toThrow(/expected 2/);
    expect(() => defineMigrations([{ version: 1, name: 'add_vpn', up }])).toThrow(/PascalCase/);
    expect(() => defineMigrations([{ version: 1, name: 'Same', up }, { version: 2, name: 'Same', up }])).toThrow(/twice/);
  });

  test('currentVersionOf is the last step version, 0 for no steps', () => {
    expect(currentVersionOf(synthetic)).toBe(3);
    expect(currentVersionOf([])).toBe(0);
  });
});

describe('runMigrations', () => {
  test('runs every newer step once, in order', () => {
    const result = runMigrations({}, 0, synthetic);
    expect(result).toEqual({ ok: true, value: { steps: ['InitialFormat', 'AddVpnProvider', 'SplitHostRole'] } });
  });

  test('skips the steps the file already has', () => {
    expect(runMigrations({}, 2, synthetic)).toEqual({ ok: true, value: { steps: ['SplitHostRole'] } });
    expect(runMigrations({ untouched: true }, 3, synthetic)).toEqual({ ok: true, value: { untouched: true } });
  });

  test('reports the name and version of a step that throws, and stops there', () => {
    let laterRan = false;
    const steps = defineMigrations([
      { version: 1, name: 'InitialFormat', up: (d) => d },
      {
        version: 2,
        name: 'RenameHosts',
        up: () => {
          throw new TypeError('hosts is not iterable');
        },
      },
      {
        version: 3,
        name: 'Later',
        up: (d) => {
          laterRan = true;
          return d;
        },
      },
    ]);
    const result = runMigrations({}, 0, steps);
    expect(result).toEqual({ ok: false, error: { step: 'RenameHosts', version: 2, message: 'TypeError: hosts is not iterable' } });
    expect(laterRan).toBe(false);
  });

  test('passes a missing design through the steps, so the loader can report it as invalid', () => {
    expect(runMigrations(undefined, 0, migrations)).toEqual({ ok: true, value: undefined });
    expect(loadDesignFile(JSON.stringify({ kind: DESIGN_FILE_KIND, formatVersion: 1 }))).toMatchObject({ ok: false, error: { code: 'invalidDesign' } });
  });

  test('treats a step that returns nothing as a failure, and a thrown non-Error as a message', () => {
    const empty = defineMigrations([{ version: 1, name: 'ForgetsToReturn', up: () => undefined }]);
    expect(runMigrations({}, 0, empty)).toMatchObject({ ok: false, error: { step: 'ForgetsToReturn', message: 'the step returned nothing' } });
    const weird = defineMigrations([
      {
        version: 1,
        name: 'ThrowsNullProto',
        up: () => {
          throw Object.create(null);
        },
      },
    ]);
    expect(runMigrations({}, 0, weird)).toMatchObject({ ok: false, error: { step: 'ThrowsNullProto', message: 'an exception that cannot be described' } });
  });
});

describe('loadDesignFile with synthetic migrations', () => {
  test('migrates an older file through every step and reports the version it came from', () => {
    const seen: string[][] = [];
    const steps = synthetic.map((step) => ({
      ...step,
      up: (design: unknown) => {
        const next = step.up(design) as Doc;
        seen.push(next.steps ?? []);
        return next;
      },
    }));
    const result = loadDesignFile(fileText(1), { migrations: steps });
    expect(result.ok).toBe(true);
    expect(result.ok && result.value.migratedFrom).toBe(1);
    expect(result.ok && result.value.formatVersion).toBe(3);
    expect(seen).toEqual([['AddVpnProvider'], ['AddVpnProvider', 'SplitHostRole']]);
  });

  test('returns migrationFailed with the step name when a step throws', () => {
    const steps = defineMigrations([
      ...synthetic,
      {
        version: 4,
        name: 'BreakEverything',
        up: () => {
          throw new Error('boom');
        },
      },
    ]);
    const result = loadDesignFile(fileText(2), { migrations: steps });
    expect(result).toEqual({ ok: false, error: { code: 'migrationFailed', details: { step: 'BreakEverything', version: 4, message: 'Error: boom' } } });
  });

  test('returns fileFromNewerVersion for a file ahead of the last step, without running any step', () => {
    let ran = false;
    const steps = synthetic.map((step) => ({
      ...step,
      up: (d: unknown) => {
        ran = true;
        return d;
      },
    }));
    const result = loadDesignFile(fileText(4), { migrations: steps });
    expect(result).toEqual({ ok: false, error: { code: 'fileFromNewerVersion', details: { fileVersion: 4, supportedVersion: 3, savedBy: 'test' } } });
    expect(ran).toBe(false);
  });

  test('a file at the current version runs no step and has no migratedFrom', () => {
    const result = loadDesignFile(fileText(3), { migrations: synthetic });
    expect(result.ok).toBe(true);
    expect(result.ok && 'migratedFrom' in result.value).toBe(false);
  });
});
