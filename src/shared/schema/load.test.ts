import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createEmptyDesign, makeMachine, makeSite, putLink, putMachine, putSite } from '../model/ops';
import type { Design, LinkId, MachineId, SiteId } from '../model/types';
import { vpnIds } from '../vpn/ids';
import { cpuArchs, createDefaultComparison, designSchema, linkKinds, linkQualities, machineKinds, natTypes, siteKinds } from './design';
import { concurrencyRange, rollbackSecondsRange } from './designDefaults';
import { DESIGN_FILE_KIND, serializeDesign } from './envelope';
import { loadDesignFile, type LoadedDesign } from './load';
import { CURRENT_FORMAT_VERSION } from './migrations';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function loaded(text: string): LoadedDesign {
  const result = loadDesignFile(text);
  if (!result.ok) throw new Error(`expected the file to load, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function errorOf(text: string) {
  const result = loadDesignFile(text);
  if (result.ok) throw new Error('expected the file to fail');
  return result.error;
}

describe('the frozen version 1 fixture', () => {
  const value = loaded(fixture('design-v1.json'));

  test('migrates to the current version through AddVpnComparison and AddDeploySettings, without repairs', () => {
    expect(value.formatVersion).toBe(CURRENT_FORMAT_VERSION);
    expect(value.migratedFrom).toBe(1);
    expect(value.repairs).toEqual([]);
  });

  test('gets the default VPN comparison and deploy settings', () => {
    expect(value.design.comparison).toEqual(createDefaultComparison());
    expect(value.design.deploy).toEqual(createEmptyDesign().deploy);
  });

  test('keeps the three sites with their NAT types', () => {
    const { sites } = value.design;
    expect(Object.keys(sites).sort()).toEqual(['site_cloud', 'site_home', 'site_parents']);
    expect(sites['site_home' as SiteId]!.nat).toBe('nat');
    expect(sites['site_parents' as SiteId]!.nat).toBe('cgnat');
    expect(sites['site_parents' as SiteId]!.kind).toBe('family');
    expect(sites['site_cloud' as SiteId]).toMatchObject({ nat: 'public', kind: 'cloud', meta: { provider: 'hetzner', location: 'fsn1' } });
    expect(sites['site_home' as SiteId]!.uplink).toEqual({ downMbps: 250, upMbps: 40 });
  });

  test('keeps the five machines, including the unmanaged phone', () => {
    const { machines } = value.design;
    expect(Object.keys(machines)).toHaveLength(5);
    expect(machines['mach_phone' as MachineId]).toMatchObject({ kind: 'phone', managed: false, ssh: null, siteId: 'site_home' });
    expect(machines['mach_pi' as MachineId]).toMatchObject({ arch: 'aarch64-linux', siteId: 'site_parents', tags: ['offsite-backup'] });
    expect(machines['mach_vps' as MachineId]).toMatchObject({ publicAddress: '203.0.113.7', ssh: { host: '203.0.113.7', port: 2222, user: 'root' } });
  });

  test('keeps the links, the ZeroTier choice with its roles and the admin location', () => {
    const { links, vpn, admin, meta } = value.design;
    expect(links['link_vps_pi' as LinkId]).toMatchObject({ kind: 'jumpHost', source: 'mach_vps', target: 'mach_pi' });
    expect(links['link_desktop_nas' as LinkId]!.label).toBe('2.5 GbE');
    expect(vpn.id).toBe('zerotier');
    expect(vpn.instance).toBe('family');
    expect(vpn.roles['mach_vps' as MachineId]).toEqual(['controller', 'peer']);
    expect(Object.keys(vpn.roles).sort()).toEqual(['mach_desktop', 'mach_nas', 'mach_pi', 'mach_vps']);
    expect(admin.siteId).toBe('site_home');
    expect(meta.clanName).toBe('mueller');
  });
});

describe('the frozen version 2 fixture', () => {
  const value = loaded(fixture('design-v2.json'));

  test('migrates to the current version through AddDeploySettings, without repairs', () => {
    expect(value.formatVersion).toBe(CURRENT_FORMAT_VERSION);
    expect(value.migratedFrom).toBe(2);
    expect(value.repairs).toEqual([]);
  });

  test('gets the default deploy settings: no vars helper chosen, a rollback after 90 seconds, four machines at once', () => {
    expect(value.design.deploy).toEqual({ varsHelper: null, rollbackSeconds: 90, concurrency: 4 });
  });

  test('keeps the VPN comparison the user chose', () => {
    expect(value.design.comparison).toEqual({
      profile: 'medium',
      preset: 'custom',
      weights: { tcp: 0.5, parallelTcp: 0.5, udp: 0, pingRtt: 1, pingLoss: 1, quic: 1, video: 3, nixCache: 2 },
      scoreProfiles: ['medium', 'high'],
      sort: { column: 'nixCache', direction: 'bestFirst' },
      priorities: { throughput: 1, latency: 2, resilience: 3, selfHosted: 3, clanNative: 0, decentralised: 1 },
    });
  });

  test('has the same design as the version 1 fixture apart from the comparison', () => {
    const v1 = loaded(fixture('design-v1.json')).design;
    expect({ ...value.design, comparison: v1.comparison }).toEqual(v1);
  });

  test('round-trips to identical bytes', () => {
    const text = serializeDesign(value.design, '0.1.0');
    expect(serializeDesign(loaded(text).design, '0.1.0')).toBe(text);
  });
});

describe('the frozen version 3 fixture', () => {
  const value = loaded(fixture('design-v3.json'));

  test('loads cleanly, without migration or repairs', () => {
    expect(value.formatVersion).toBe(3);
    expect(value.migratedFrom).toBeUndefined();
    expect(value.repairs).toEqual([]);
  });

  test('keeps the deploy settings the user chose: the VPS makes the vars, three minutes to confirm, two at once', () => {
    expect(value.design.deploy).toEqual({ varsHelper: 'mach_vps', rollbackSeconds: 180, concurrency: 2 });
  });

  test('has the same design as the version 2 fixture apart from the deploy settings', () => {
    const v2 = loaded(fixture('design-v2.json')).design;
    expect({ ...value.design, deploy: v2.deploy }).toEqual(v2);
  });

  test('round-trips to identical bytes, at the current version', () => {
    const text = serializeDesign(value.design, '0.1.0');
    expect(JSON.parse(text)).toMatchObject({ formatVersion: CURRENT_FORMAT_VERSION, design: { deploy: value.design.deploy } });
    expect(serializeDesign(loaded(text).design, '0.1.0')).toBe(text);
  });
});

describe('the frozen version 0 (pre-release) fixture', () => {
  test('migrates through InitialFormat and reports where it came from', () => {
    const value = loaded(fixture('design-v0.json'));
    expect(value.migratedFrom).toBe(0);
    expect(value.formatVersion).toBe(CURRENT_FORMAT_VERSION);
    expect(value.repairs).toEqual([]);
    expect(value.design.vpn).toEqual({ id: 'wireguard', instance: 'wg', roles: { mach_server: ['controller'] } });
    expect(value.design.comparison).toEqual(createDefaultComparison());
    expect(value.design.deploy).toEqual(createEmptyDesign().deploy);
  });
});

describe('load errors', () => {
  test('returns notADesignFile with reason notJson for text that is not JSON', () => {
    for (const text of [fixture('malformed/truncated.json'), '', '{oops', 'null null']) {
      const error = errorOf(text);
      expect(error.code).toBe('notADesignFile');
      expect(error.details).toMatchObject({ reason: 'notJson' });
    }
  });

  test('returns notADesignFile with reason notAnObject for JSON that is not an object', () => {
    for (const text of [fixture('malformed/array.json'), '42', '"text"', 'null']) expect(errorOf(text)).toMatchObject({ code: 'notADesignFile', details: { reason: 'notAnObject' } });
  });

  test('returns notADesignFile with reason wrongKind for other JSON files', () => {
    const error = errorOf(fixture('malformed/package-json.json'));
    expect(error).toMatchObject({ code: 'notADesignFile', details: { reason: 'wrongKind', message: 'the file has no "kind" field' } });
    const other = errorOf(JSON.stringify({ kind: 'excalidraw', formatVersion: 1, design: {} }));
    expect(other.details).toMatchObject({ reason: 'wrongKind' });
    expect(JSON.stringify(other.details)).toContain('excalidraw');
  });

  test('returns notADesignFile with reason badFormatVersion when the version is not a whole number', () => {
    expect(errorOf(fixture('malformed/bad-format-version.json'))).toMatchObject({ code: 'notADesignFile', details: { reason: 'badFormatVersion' } });
    for (const formatVersion of [-1, 1.5, null]) {
      expect(errorOf(JSON.stringify({ kind: DESIGN_FILE_KIND, formatVersion, design: {} })).details).toMatchObject({ reason: 'badFormatVersion' });
    }
    expect(errorOf(`{"kind":"${DESIGN_FILE_KIND}","formatVersion":1e999,"design":{}}`).details).toMatchObject({ reason: 'badFormatVersion' });
  });

  test('returns fileFromNewerVersion with both versions and the writing app version', () => {
    expect(errorOf(fixture('malformed/newer-version.json'))).toEqual({
      code: 'fileFromNewerVersion',
      details: { fileVersion: 99, supportedVersion: CURRENT_FORMAT_VERSION, savedBy: '9.0.0' },
    });
  });

  test('returns migrationFailed when a step throws (see migrations.test.ts for the step machinery)', () => {
    const steps = [
      {
        version: 1,
        name: 'InitialFormat',
        up: () => {
          throw new Error('cannot');
        },
      },
    ];
    const result = loadDesignFile(fixture('design-v0.json'), { migrations: steps });
    expect(result).toEqual({ ok: false, error: { code: 'migrationFailed', details: { step: 'InitialFormat', version: 1, message: 'Error: cannot' } } });
  });

  test('returns invalidDesign with a path when the design is not an object', () => {
    const error = errorOf(fixture('malformed/design-not-object.json'));
    expect(error).toEqual({ code: 'invalidDesign', details: { issues: [{ path: 'design', message: 'expected an object, found string' }], issueCount: 1 } });
    expect(errorOf(JSON.stringify({ kind: DESIGN_FILE_KIND, formatVersion: 1 })).code).toBe('invalidDesign');
    expect(errorOf(JSON.stringify({ kind: DESIGN_FILE_KIND, formatVersion: 1, design: [] })).code).toBe('invalidDesign');
  });

  test('never throws, even for values that are not strings', () => {
    expect(loadDesignFile(undefined as unknown as string)).toMatchObject({ ok: false, error: { code: 'notADesignFile' } });
    expect(loadDesignFile({ toString: () => '{}' } as unknown as string)).toMatchObject({ ok: false, error: { code: 'notADesignFile' } });
  });

  test('accepts a file that starts with a byte order mark', () => {
    expect(loaded(`\uFEFF${fixture('design-v1.json')}`).design.meta.clanName).toBe('mueller');
  });
});

const sampleDesign = (): Design => {
  let design = createEmptyDesign('round', 'round.lan');
  design = putSite(design, makeSite('site_b' as SiteId, { name: 'B', meta: { z: 1, a: { y: [1, { d: 2, c: 3 }], b: null } } }));
  design = putSite(design, makeSite('site_a' as SiteId, { name: 'A', nat: 'cgnat' }));
  design = putMachine(design, makeMachine('mach_2' as MachineId, { name: 'two', siteId: 'site_a' as SiteId, tags: ['x', 'y'] }));
  design = putMachine(design, makeMachine('mach_1' as MachineId, { name: 'one', kind: 'phone', ssh: { host: 'h', port: 22, user: 'root' } }));
  design = putLink(design, { id: 'link_1' as LinkId, kind: 'portForward', source: 'site_a', target: 'mach_2', ports: { external: 443, internal: 8443 }, label: 'https', meta: {} });
  return {
    ...design,
    vpn: { id: 'nebula', instance: 'mesh', roles: { ['mach_2' as MachineId]: ['lighthouse'], ['mach_1' as MachineId]: ['peer'] } },
    admin: { siteId: 'site_a' as SiteId },
    deploy: { varsHelper: 'mach_2' as MachineId, rollbackSeconds: 600, concurrency: 8 },
  };
};

describe('round trip', () => {
  test('serialize then load gives the identical design, and serializing it again gives identical bytes', () => {
    const design = sampleDesign();
    const text = serializeDesign(design, '0.1.0');
    const value = loaded(text);
    expect(value.design).toEqual(design);
    expect(value.repairs).toEqual([]);
    expect(serializeDesign(value.design, '0.1.0')).toBe(text);
  });

  test('the fixture survives a round trip unchanged', () => {
    const design = loaded(fixture('design-v1.json')).design;
    const again = loaded(serializeDesign(design, '0.1.0'));
    expect(again.design).toEqual(design);
    expect(serializeDesign(again.design, '0.1.0')).toBe(serializeDesign(design, '0.1.0'));
  });

  const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
  const text = fc.string({ maxLength: 20 });
  const coordinate = fc.integer({ min: -5000, max: 5000 });
  // Through JSON once, so -0 becomes 0 as in any file; "__proto__" keys are restore's business (restore.test.ts).
  const json = fc
    .jsonValue({ maxDepth: 3 })
    .map((value) => JSON.stringify(value))
    .filter((value) => !value.includes('"__proto__"'))
    .map((value) => JSON.parse(value) as unknown);
  const meta = fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), json, { maxKeys: 3 });
  const site = fc.record({
    id: id.map((s) => `site_${s}` as SiteId),
    name: text,
    kind: fc.constantFrom(...siteKinds),
    nat: fc.constantFrom(...natTypes),
    quality: fc.constantFrom(...linkQualities),
    uplink: fc.record({ downMbps: fc.option(fc.integer({ min: 1, max: 10_000 })), upMbps: fc.option(fc.integer({ min: 1, max: 10_000 })) }),
    position: fc.record({ x: coordinate, y: coordinate }),
    size: fc.record({ width: fc.integer({ min: 80, max: 2000 }), height: fc.integer({ min: 60, max: 2000 }) }),
    meta,
  });
  const designArbitrary = fc
    .record({
      sites: fc.uniqueArray(site, { selector: (s) => s.id, maxLength: 4 }),
      machines: fc.uniqueArray(
        fc.record({ id: id.map((s) => `mach_${s}` as MachineId), name: text, kind: fc.constantFrom(...machineKinds), arch: fc.constantFrom(...cpuArchs), managed: fc.boolean(), notes: text, tags: fc.array(text, { maxLength: 3 }), meta }),
        { selector: (m) => m.id, maxLength: 6 },
      ),
      linkKinds: fc.array(fc.constantFrom(...linkKinds), { maxLength: 4 }),
      vpn: fc.option(fc.constantFrom(...vpnIds)),
      picks: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
      rollbackSeconds: fc.integer({ min: rollbackSecondsRange.min, max: rollbackSecondsRange.max }),
      concurrency: fc.integer({ min: concurrencyRange.min, max: concurrencyRange.max }),
    })
    .map(({ sites, machines, linkKinds: kinds, vpn, picks, rollbackSeconds, concurrency }): Design => {
      let design = createEmptyDesign();
      for (const s of sites) design = putSite(design, s);
      machines.forEach((m, index) => {
        const home = sites.length === 0 || picks[index]! % 3 === 0 ? null : sites[picks[index]! % sites.length]!.id;
        design = putMachine(design, makeMachine(m.id, { ...m, siteId: home, position: { x: index * 10, y: 5 } }));
      });
      if (machines.length >= 2) {
        kinds.forEach((kind, index) => {
          const source = machines[picks[index]! % machines.length]!.id;
          const target = machines[picks[index + 4]! % machines.length]!.id;
          design = putLink(design, { id: `link_${index}` as LinkId, kind, source, target, ports: null, label: '', meta: {} });
        });
      }
      const roles: Record<string, string[]> = {};
      for (const m of machines.slice(0, 3)) roles[m.id] = ['peer'];
      const varsHelper = machines.length === 0 || picks[11]! % 2 === 0 ? null : machines[picks[11]! % machines.length]!.id;
      return { ...design, vpn: { id: vpn, instance: 'mesh', roles }, admin: { siteId: sites[0]?.id ?? null }, deploy: { varsHelper, rollbackSeconds, concurrency } };
    });

  test('any valid design round-trips to an equal design and identical bytes (property)', () => {
    fc.assert(
      fc.property(designArbitrary, (design) => {
        expect(designSchema.safeParse(design).success).toBe(true);
        const text = serializeDesign(design, '0.1.0');
        const value = loaded(text);
        expect(value.repairs).toEqual([]);
        expect(value.design).toEqual(design);
        expect(serializeDesign(value.design, '0.1.0')).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});
