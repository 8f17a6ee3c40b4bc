import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createEmptyDesign, makeMachine, makeSite } from '../model/ops';
import type { Design } from '../model/types';
import { createDefaultComparison, deploySettingsSchema, designSchema, vpnComparisonSchema } from './design';
import { loadDesignFile } from './load';
import { describeRepair, MAX_META_DEPTH, repairKinds, repairSubjects, restoreDesign, type RepairReport } from './restore';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** A clean design as plain JSON, for tests to damage. */
function cleanJson(): Record<string, unknown> {
  const design = createEmptyDesign('clan', 'clan.lan');
  return JSON.parse(
    JSON.stringify({
      ...design,
      sites: { site_a: makeSite('site_a' as never, { name: 'A' }) },
      machines: { mach_a: makeMachine('mach_a' as never, { name: 'a', siteId: 'site_a' as never }), mach_b: makeMachine('mach_b' as never, { name: 'b' }) },
      links: { link_ab: { id: 'link_ab', kind: 'cable', source: 'mach_a', target: 'mach_b', ports: null, label: '', meta: {} } },
      vpn: { id: 'zerotier', instance: 'mesh', roles: { mach_a: ['controller'], mach_b: ['peer'] } },
      admin: { siteId: 'site_a' },
    }),
  ) as Record<string, unknown>;
}

function restore(input: unknown): { design: Design; report: RepairReport } {
  const result = restoreDesign(input);
  if (!result.ok) throw new Error(`restore failed: ${JSON.stringify(result.error)}`);
  // Whatever restore returns must pass the schema: it is the loader's promise.
  expect(designSchema.safeParse(result.value.design).success).toBe(true);
  return result.value;
}

/** The report as "kind/subject=count" strings, easy to compare. */
function summary(report: RepairReport): string[] {
  return report.map((item) => `${item.kind}/${item.subject}=${item.count}`);
}

type Json = Record<string, unknown>;
const at = (value: Json, ...path: string[]): Json => path.reduce((node, key) => node[key] as Json, value);

describe('restoreDesign on clean input', () => {
  test('changes nothing and reports nothing', () => {
    const input = cleanJson();
    const { design, report } = restore(input);
    expect(report).toEqual([]);
    expect(design).toEqual(input);
  });

  test('fails only when the design is not an object', () => {
    for (const value of [null, 42, 'design', [], true]) expect(restoreDesign(value).ok).toBe(false);
  });
});

describe('droppedUnreadable', () => {
  test('drops a site, machine or link that is not an object and counts each', () => {
    const input = cleanJson();
    at(input, 'sites').site_x = 42;
    at(input, 'machines').mach_x = 'not a machine';
    at(input, 'machines').mach_y = null;
    at(input, 'links').link_x = [1, 2];
    const { design, report } = restore(input);
    expect(Object.keys(design.machines).sort()).toEqual(['mach_a', 'mach_b']);
    expect(summary(report)).toEqual(['droppedUnreadable/site=1', 'droppedUnreadable/machine=2', 'droppedUnreadable/link=1']);
    expect(report.map((i) => i.message)).toContain('Dropped 2 machines that could not be read');
  });

  test('drops a link without a known kind or without string ends', () => {
    const input = cleanJson();
    at(input, 'links').link_k = { id: 'link_k', kind: 'teleport', source: 'mach_a', target: 'mach_b' };
    at(input, 'links').link_e = { id: 'link_e', kind: 'cable', source: 5, target: 'mach_b' };
    const { design, report } = restore(input);
    expect(Object.keys(design.links)).toEqual(['link_ab']);
    expect(summary(report)).toEqual(['droppedUnreadable/link=2']);
  });

  test('empties a whole list that is not an object or array, and says which', () => {
    const input = cleanJson();
    input.sites = 'lots of sites';
    const { design, report } = restore(input);
    expect(design.sites).toEqual({});
    expect(report[0]).toMatchObject({ kind: 'droppedUnreadable', subject: 'siteList', message: 'Could not read the list of sites, so it was left empty' });
  });

  test('drops VPN roles that are not a list', () => {
    const input = cleanJson();
    at(input, 'vpn', 'roles').mach_b = 'peer';
    const { design, report } = restore(input);
    expect(design.vpn.roles).toEqual({ mach_a: ['controller'] });
    expect(summary(report)).toEqual(['droppedUnreadable/vpnRoles=1']);
  });

  test('drops a record whose fields throw when read, and keeps the rest', () => {
    const input = cleanJson();
    at(input, 'sites').site_b = {
      id: 'site_b',
      get name(): string {
        throw new Error('getter exploded');
      },
    };
    const { design, report } = restore(input);
    expect(Object.keys(design.sites)).toEqual(['site_a']);
    expect(summary(report)).toEqual(['droppedUnreadable/site=1']);
  });
});

describe('droppedDangling', () => {
  test('removes links whose end no longer exists, in human terms', () => {
    const input = cleanJson();
    at(input, 'links').link_gone = { id: 'link_gone', kind: 'cable', source: 'mach_a', target: 'mach_gone', ports: null, label: '', meta: {} };
    at(input, 'links').link_gone2 = { id: 'link_gone2', kind: 'portForward', source: 'site_gone', target: 'mach_a', ports: null, label: '', meta: {} };
    const { design, report } = restore(input);
    expect(Object.keys(design.links)).toEqual(['link_ab']);
    expect(report).toEqual([{ kind: 'droppedDangling', subject: 'link', count: 2, message: 'Removed 2 links whose ends no longer exist' }]);
  });

  test('keeps a port forward that starts at an existing site', () => {
    const input = cleanJson();
    at(input, 'links').link_pf = { id: 'link_pf', kind: 'portForward', source: 'site_a', target: 'mach_a', ports: { external: 80, internal: 8080 }, label: 'web', meta: {} };
    const { design, report } = restore(input);
    expect(design.links['link_pf' as never]).toMatchObject({ source: 'site_a', ports: { external: 80, internal: 8080 } });
    expect(report).toEqual([]);
  });

  test('removes the VPN roles of machines that no longer exist', () => {
    const input = cleanJson();
    at(input, 'vpn', 'roles').mach_gone = ['peer'];
    const { design, report } = restore(input);
    expect(Object.keys(design.vpn.roles).sort()).toEqual(['mach_a', 'mach_b']);
    expect(report).toEqual([{ kind: 'droppedDangling', subject: 'vpnRoles', count: 1, message: 'Removed the VPN roles of 1 machine that no longer exist' }]);
  });
});

describe('clearedReference', () => {
  test('takes a machine out of a site that no longer exists', () => {
    const input = cleanJson();
    at(input, 'machines', 'mach_b').siteId = 'site_gone';
    const { design, report } = restore(input);
    expect(design.machines['mach_b' as never]!.siteId).toBeNull();
    expect(report).toEqual([{ kind: 'clearedReference', subject: 'machine', count: 1, message: 'Took 1 machine out of a site that no longer exists' }]);
  });

  test("clears the admin's location when its site no longer exists", () => {
    const input = cleanJson();
    at(input, 'admin').siteId = 'site_gone';
    const { design, report } = restore(input);
    expect(design.admin.siteId).toBeNull();
    expect(summary(report)).toEqual(['clearedReference/adminSite=1']);
  });
});

describe('reassignedId', () => {
  test('gives a record that copies another record id its own key, and leaves the original alone', () => {
    const input = cleanJson();
    at(input, 'sites').site_copy = { ...at(input, 'sites', 'site_a'), name: 'Copy' };
    const { design, report } = restore(input);
    expect(design.sites['site_a' as never]!.name).toBe('A');
    expect(design.sites['site_copy' as never]).toMatchObject({ id: 'site_copy', name: 'Copy' });
    expect(summary(report)).toEqual(['reassignedId/site=1']);
  });

  test('gives a new counting id when neither key nor id is usable, and keeps references made by the old key', () => {
    const input = cleanJson();
    at(input, 'machines')['bad key'] = { ...at(input, 'machines', 'mach_b'), id: 'also bad' };
    at(input, 'links').link_bad = { id: 'link_bad', kind: 'cable', source: 'mach_a', target: 'bad key', ports: null, label: '', meta: {} };
    const { design, report } = restore(input);
    expect(design.machines['mach_r1' as never]).toMatchObject({ id: 'mach_r1', name: 'b' });
    expect(design.links['link_bad' as never]!.target).toBe('mach_r1');
    expect(summary(report)).toEqual(['reassignedId/machine=1']);
  });

  test('prefers the record id over a different key, and resolves references by either', () => {
    const input = cleanJson();
    const machines = at(input, 'machines');
    machines.mach_key = { ...(machines.mach_b as Json), id: 'mach_c', name: 'c' };
    at(input, 'links').link_key = { id: 'link_key', kind: 'cable', source: 'mach_key', target: 'mach_c', ports: null, label: '', meta: {} };
    at(input, 'vpn', 'roles').mach_key = ['peer'];
    const { design, report } = restore(input);
    expect(design.machines['mach_c' as never]!.name).toBe('c');
    expect(design.links['link_key' as never]).toMatchObject({ source: 'mach_c', target: 'mach_c' });
    expect(design.vpn.roles['mach_c' as never]).toEqual(['peer']);
    expect(summary(report)).toEqual(['reassignedId/machine=1']);
  });

  test('fills a missing id from the key', () => {
    const input = cleanJson();
    delete at(input, 'sites', 'site_a').id;
    const { design, report } = restore(input);
    expect(design.sites['site_a' as never]!.id).toBe('site_a');
    expect(summary(report)).toEqual(['reassignedId/site=1']);
  });

  test('reads a section written as an array of records', () => {
    const input = cleanJson();
    input.links = [{ id: 'link_ab', kind: 'cable', source: 'mach_a', target: 'mach_b', ports: null, label: '', meta: {} }, { kind: 'jumpHost', source: 'mach_b', target: 'mach_a' }];
    const { design, report } = restore(input);
    expect(Object.keys(design.links).sort()).toEqual(['link_ab', 'link_r1']);
    expect(summary(report)).toEqual(['reassignedId/link=1', 'filledMissingFields/link=1']);
  });
});

describe('resetInvalidFields and filledMissingFields', () => {
  test('fills missing fields of a record with defaults and keeps the rest', () => {
    const input = cleanJson();
    at(input, 'sites').site_p = { id: 'site_p', name: 'Partial', nat: 'cgnat' };
    const { design, report } = restore(input);
    expect(design.sites['site_p' as never]).toMatchObject({ name: 'Partial', nat: 'cgnat', kind: 'home', size: { width: 420, height: 260 }, meta: {} });
    expect(report).toEqual([{ kind: 'filledMissingFields', subject: 'site', count: 1, message: 'Filled in missing fields of 1 site with defaults' }]);
  });

  test('resets fields that do not pass their schema, not the whole record', () => {
    const input = cleanJson();
    Object.assign(at(input, 'machines', 'mach_a'), { name: 12, tags: 'web', position: { x: 'left', y: 0 }, notes: 'kept' });
    const { design, report } = restore(input);
    expect(design.machines['mach_a' as never]).toMatchObject({ name: 'machine', tags: [], position: { x: 0, y: 0 }, notes: 'kept', siteId: 'site_a' });
    expect(summary(report)).toEqual(['resetInvalidFields/machine=1']);
  });

  test('derives the defaults of a machine from its kind', () => {
    const input = cleanJson();
    at(input, 'machines').mach_p = { id: 'mach_p', kind: 'phone', name: 'phone' };
    at(input, 'machines').mach_s = { id: 'mach_s', kind: 'sbc', name: 'pi' };
    const { design } = restore(input);
    expect(design.machines['mach_p' as never]).toMatchObject({ managed: false, siteId: null });
    expect(design.machines['mach_s' as never]!.arch).toBe('aarch64-linux');
  });

  test('resets an unknown VPN to none and keeps valid roles, dropping invalid role names', () => {
    const input = cleanJson();
    Object.assign(at(input, 'vpn'), { id: 'carrier-pigeon', roles: { mach_a: ['controller', 42, 'Not A Role', 'controller'] } });
    const { design, report } = restore(input);
    expect(design.vpn).toEqual({ id: null, instance: 'mesh', roles: { mach_a: ['controller'] } });
    expect(summary(report)).toEqual(['resetInvalidFields/vpnChoice=1', 'resetInvalidFields/vpnRoles=1']);
  });

  test('fills missing design parts, clan settings, VPN settings and admin', () => {
    const input = cleanJson();
    delete input.links;
    delete input.admin;
    delete at(input, 'meta').description;
    delete at(input, 'vpn').instance;
    const { design, report } = restore(input);
    expect(design.links).toEqual({});
    expect(design.admin).toEqual({ siteId: null });
    expect(design.vpn.instance).toBe('mesh');
    expect(summary(report)).toEqual(['filledMissingFields/design=1', 'filledMissingFields/designSettings=1', 'filledMissingFields/vpnChoice=1', 'filledMissingFields/adminSite=1']);
  });

  test('resets clan settings, VPN and admin that are not objects', () => {
    const input = cleanJson();
    input.meta = 'clan';
    input.vpn = 7;
    input.admin = { siteId: 5 };
    const { design, report } = restore(input);
    expect(design.meta).toEqual({ clanName: 'family', domain: 'clan', description: '' });
    expect(design.vpn).toEqual({ id: null, instance: 'mesh', roles: {} });
    expect(summary(report)).toEqual(['resetInvalidFields/designSettings=1', 'resetInvalidFields/vpnChoice=1', 'resetInvalidFields/adminSite=1']);
  });

  test('resets meta that is nested too deeply or holds non-JSON numbers', () => {
    const input = cleanJson();
    let deep: unknown = 'bottom';
    for (let i = 0; i < MAX_META_DEPTH + 5; i += 1) deep = { next: deep };
    at(input, 'sites', 'site_a').meta = { deep };
    at(input, 'machines', 'mach_a').meta = { n: Number.POSITIVE_INFINITY };
    at(input, 'machines', 'mach_b').meta = { fine: { nested: [1, 'two', null, true] } };
    const { design, report } = restore(input);
    expect(design.sites['site_a' as never]!.meta).toEqual({});
    expect(design.machines['mach_a' as never]!.meta).toEqual({});
    expect(design.machines['mach_b' as never]!.meta).toEqual({ fine: { nested: [1, 'two', null, true] } });
    expect(summary(report)).toEqual(['resetInvalidFields/site=1', 'resetInvalidFields/machine=1']);
  });
});

describe('the VPN comparison (format 2)', () => {
  test('fills a missing comparison with the defaults and says so', () => {
    const input = cleanJson();
    delete input.comparison;
    const { design, report } = restore(input);
    expect(design.comparison).toEqual(createDefaultComparison());
    expect(report).toEqual([
      { kind: 'filledMissingFields', subject: 'vpnComparison', count: 1, message: 'Filled in missing VPN comparison settings (profile, weights, sort or priorities) with defaults' },
    ]);
  });

  test('resets a comparison that is not an object', () => {
    const input = cleanJson();
    input.comparison = ['medium'];
    const { design, report } = restore(input);
    expect(design.comparison).toEqual(createDefaultComparison());
    expect(summary(report)).toEqual(['resetInvalidFields/vpnComparison=1']);
  });

  test('repairs field by field and weight by weight, keeping every valid choice', () => {
    const input = cleanJson();
    input.comparison = {
      profile: 'high',
      preset: 'teleport',
      weights: { tcp: 3, udp: -1, video: 'lots', nixCache: 2 },
      scoreProfiles: ['high', 'medium', 'high'],
      sort: { column: 'nixCache', direction: 'sideways' },
      priorities: { throughput: 0, selfHosted: 3, decentralised: 2.5 },
    };
    const { design, report } = restore(input);
    const defaults = createDefaultComparison();
    expect(design.comparison).toEqual({
      profile: 'high',
      preset: defaults.preset,
      weights: { ...defaults.weights, tcp: 3, nixCache: 2 },
      scoreProfiles: ['high', 'medium'],
      sort: { column: 'nixCache', direction: defaults.sort.direction },
      priorities: { ...defaults.priorities, throughput: 0, selfHosted: 3 },
    });
    expect(summary(report)).toEqual(['resetInvalidFields/vpnComparison=1', 'filledMissingFields/vpnComparison=1']);
  });

  test('any JSON in place of the comparison, or of one of its parts, restores to a valid comparison (property)', () => {
    const part = fc.constantFrom('profile', 'preset', 'weights', 'scoreProfiles', 'sort', 'priorities', 'extra');
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.option(part, { nil: undefined }), (value, key) => {
        const input = cleanJson();
        if (key === undefined) input.comparison = value;
        else (input.comparison as Record<string, unknown>)[key] = value;
        const { design, report } = restore(input);
        expect(vpnComparisonSchema.safeParse(design.comparison).success).toBe(true);
        expect(report.every((r) => r.subject === 'vpnComparison')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('a clean comparison is left exactly as it is', () => {
    const input = cleanJson();
    const chosen = { ...createDefaultComparison(), profile: 'low', scoreProfiles: ['medium', 'high'], sort: { column: 'name', direction: 'worstFirst' } };
    input.comparison = chosen;
    const { design, report } = restore(input);
    expect(design.comparison).toEqual(chosen);
    expect(report).toEqual([]);
  });
});

describe('the deploy settings (format 3)', () => {
  const defaults = () => createEmptyDesign().deploy;

  test('fills a missing section with the defaults and says so', () => {
    const input = cleanJson();
    delete input.deploy;
    const { design, report } = restore(input);
    expect(design.deploy).toEqual(defaults());
    expect(report).toEqual([
      { kind: 'filledMissingFields', subject: 'deploySettings', count: 1, message: 'Filled in missing deploy settings (vars helper, rollback time limit or concurrency) with defaults' },
    ]);
  });

  test('resets a section that is not an object', () => {
    const input = cleanJson();
    input.deploy = [90, 4];
    const { design, report } = restore(input);
    expect(design.deploy).toEqual(defaults());
    expect(summary(report)).toEqual(['resetInvalidFields/deploySettings=1']);
  });

  test('resets each number that is out of range or not a whole number on its own, keeping the helper', () => {
    const input = cleanJson();
    input.deploy = { varsHelper: 'mach_b', rollbackSeconds: 5, concurrency: 2.5 };
    const { design, report } = restore(input);
    expect(design.deploy).toEqual({ varsHelper: 'mach_b', rollbackSeconds: 90, concurrency: 4 });
    expect(summary(report)).toEqual(['resetInvalidFields/deploySettings=1']);
    expect(report[0]!.message).toBe('Reset deploy settings that could not be read (rollback time limit or concurrency) to their defaults');
  });

  test('clears a vars helper that names no machine, and says the deploy will suggest one', () => {
    const input = cleanJson();
    input.deploy = { varsHelper: 'mach_gone', rollbackSeconds: 300, concurrency: 8 };
    const { design, report } = restore(input);
    expect(design.deploy).toEqual({ varsHelper: null, rollbackSeconds: 300, concurrency: 8 });
    expect(report).toEqual([
      { kind: 'clearedReference', subject: 'varsHelper', count: 1, message: 'Cleared the vars helper because that machine no longer exists, so the deploy will suggest one' },
    ]);
  });

  test('follows a vars helper whose machine was given a new id', () => {
    const input = cleanJson();
    // Filed under "mach_x" but with the id "mach_y": it keeps its id, and the helper chosen by its key still finds it.
    at(input, 'machines').mach_x = { ...at(input, 'machines', 'mach_b'), id: 'mach_y', name: 'y' };
    input.deploy = { varsHelper: 'mach_x', rollbackSeconds: 90, concurrency: 4 };
    const { design, report } = restore(input);
    expect(design.deploy.varsHelper).toBe('mach_y');
    expect(summary(report)).toEqual(['reassignedId/machine=1']);
  });

  test('a helper that is not a string or is missing is unset, counted as its own repair', () => {
    const wrong = cleanJson();
    wrong.deploy = { varsHelper: 7, rollbackSeconds: 90, concurrency: 4 };
    expect(summary(restore(wrong).report)).toEqual(['resetInvalidFields/varsHelper=1']);
    const missing = cleanJson();
    missing.deploy = { rollbackSeconds: 90, concurrency: 4 };
    const { design, report } = restore(missing);
    expect(design.deploy.varsHelper).toBeNull();
    expect(summary(report)).toEqual(['filledMissingFields/varsHelper=1']);
  });

  test('any JSON in place of the section or one of its fields restores to valid deploy settings (property)', () => {
    const part = fc.constantFrom('varsHelper', 'rollbackSeconds', 'concurrency', 'extra');
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 2 }), fc.option(part, { nil: undefined }), (value, key) => {
        const input = cleanJson();
        if (key === undefined) input.deploy = value;
        else (input.deploy as Record<string, unknown>)[key] = value;
        const { design, report } = restore(input);
        expect(deploySettingsSchema.safeParse(design.deploy).success).toBe(true);
        expect(design.deploy.varsHelper === null || design.machines[design.deploy.varsHelper] !== undefined).toBe(true);
        expect(report.every((r) => r.subject === 'deploySettings' || r.subject === 'varsHelper')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('malformed fixtures', () => {
  test('broken-records.json loads with every repair counted once per thing', () => {
    const result = loadDesignFile(fixture('malformed/broken-records.json'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { design, repairs } = result.value;
    expect(Object.keys(design.sites).sort()).toEqual(['site_badname', 'site_copy', 'site_home', 'site_partial', 'site_r1']);
    expect(Object.keys(design.machines).sort()).toEqual(['mach_ok', 'mach_orphan', 'mach_renamed']);
    expect(design.links).toEqual({ link_ok: expect.objectContaining({ source: 'mach_ok', target: 'mach_renamed' }) });
    expect(design.vpn.roles).toEqual({ mach_ok: ['lighthouse'] });
    expect(design.admin.siteId).toBeNull();
    expect(summary(repairs)).toEqual([
      'droppedUnreadable/site=1',
      'droppedUnreadable/machine=1',
      'droppedUnreadable/link=1',
      'droppedUnreadable/vpnRoles=1',
      'droppedDangling/link=1',
      'droppedDangling/vpnRoles=1',
      'clearedReference/machine=1',
      'clearedReference/adminSite=1',
      'reassignedId/site=2',
      'reassignedId/machine=1',
      'resetInvalidFields/site=1',
      'resetInvalidFields/vpnRoles=1',
      'filledMissingFields/designSettings=1',
      'filledMissingFields/site=1',
    ]);
  });

  test('prototype-keys.json loads without touching any prototype', () => {
    const result = loadDesignFile(fixture('malformed/prototype-keys.json'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(result.value.design)).toBe(Object.prototype);
    expect(result.value.design.sites['site_r1' as never]!.meta).toEqual({ kept: 1 });
    expect(Object.getPrototypeOf(result.value.design.sites['site_r1' as never]!.meta)).toBe(Object.prototype);
    expect(result.value.design.vpn.roles).toEqual({});
  });

  test('restoring the same damaged input twice gives the same design', () => {
    const text = fixture('malformed/broken-records.json');
    expect(loadDesignFile(text)).toEqual(loadDesignFile(text));
  });
});

describe('repair messages', () => {
  test('every kind and subject has a sentence with the count, no code names', () => {
    for (const kind of repairKinds) {
      for (const subject of repairSubjects) {
        const message = describeRepair(kind, subject, 3);
        expect(message.length).toBeGreaterThan(20);
        expect(message).not.toMatch(/droppedUnreadable|resetInvalid|List\b|undefined/);
      }
    }
    expect(describeRepair('droppedDangling', 'link', 1)).toBe('Removed 1 link whose end no longer exists');
    expect(describeRepair('droppedUnreadable', 'machine', 2)).toBe('Dropped 2 machines that could not be read');
  });
});
