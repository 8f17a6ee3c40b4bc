import { describe, expect, test } from 'vitest';
import { createEmptyDesign, makeMachine, makeSite, putMachine, putSite } from '../model/ops';
import type { Design, MachineId, SiteId } from '../model/types';
import { DESIGN_FILE_KIND, serializeDesign } from './envelope';
import { CURRENT_FORMAT_VERSION } from './migrations';

function twoSites(order: 'ab' | 'ba'): Design {
  const a = makeSite('site_a' as SiteId, { name: 'A', meta: { zeta: 1, alpha: { y: 2, x: 1 } } });
  const b = makeSite('site_b' as SiteId, { name: 'B' });
  let design = createEmptyDesign();
  for (const site of order === 'ab' ? [a, b] : [b, a]) design = putSite(design, site);
  return design;
}

describe('serializeDesign', () => {
  test('writes the envelope fields in a fixed order with the current format version', () => {
    const text = serializeDesign(createEmptyDesign(), '1.2.3', { origin: 'test' });
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['kind', 'formatVersion', 'appVersion', 'design', 'meta']);
    expect(parsed).toMatchObject({ kind: DESIGN_FILE_KIND, formatVersion: CURRENT_FORMAT_VERSION, appVersion: '1.2.3', meta: { origin: 'test' } });
  });

  test('uses a 2-space indent and ends with one newline', () => {
    const text = serializeDesign(createEmptyDesign(), '1.0.0');
    expect(text.startsWith('{\n  "kind": ')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.endsWith('\n\n')).toBe(false);
  });

  test('gives identical bytes for equal designs built in a different order', () => {
    expect(serializeDesign(twoSites('ab'), '1.0.0')).toBe(serializeDesign(twoSites('ba'), '1.0.0'));
  });

  test('sorts records by id and meta keys, and keeps record fields in schema order', () => {
    const design = twoSites('ba');
    const reversedFields = Object.fromEntries(Object.entries(design.sites['site_b' as SiteId]!).reverse());
    const reordered = { ...design, sites: { site_b: reversedFields } } as unknown as Design;
    const parsed = JSON.parse(serializeDesign(twoSites('ba'), '1.0.0')) as { design: { sites: Record<string, Record<string, unknown>> } };
    expect(Object.keys(parsed.design.sites)).toEqual(['site_a', 'site_b']);
    expect(Object.keys(parsed.design.sites.site_a!)).toEqual(['id', 'name', 'kind', 'nat', 'quality', 'uplink', 'position', 'size', 'meta']);
    expect(Object.keys(parsed.design.sites.site_a!.meta as object)).toEqual(['alpha', 'zeta']);
    expect(Object.keys((parsed.design.sites.site_a!.meta as { alpha: object }).alpha)).toEqual(['x', 'y']);
    const parsedReordered = JSON.parse(serializeDesign(reordered, '1.0.0')) as { design: { sites: Record<string, Record<string, unknown>> } };
    expect(Object.keys(parsedReordered.design.sites.site_b!)[0]).toBe('id');
  });

  test('sorts VPN role keys and keeps the order inside arrays', () => {
    let design = createEmptyDesign();
    design = putMachine(design, makeMachine('mach_z' as MachineId, { tags: ['b', 'a'] }));
    design = putMachine(design, makeMachine('mach_a' as MachineId));
    design = { ...design, vpn: { id: 'nebula', instance: 'mesh', roles: { ['mach_z' as MachineId]: ['relay', 'lighthouse'], ['mach_a' as MachineId]: ['peer'] } } };
    const parsed = JSON.parse(serializeDesign(design, '1.0.0')) as { design: Design };
    expect(Object.keys(parsed.design.vpn.roles)).toEqual(['mach_a', 'mach_z']);
    expect(parsed.design.vpn.roles['mach_z' as MachineId]).toEqual(['relay', 'lighthouse']);
    expect(parsed.design.machines['mach_z' as MachineId]!.tags).toEqual(['b', 'a']);
  });

  test('writes a "__proto__" meta key as data instead of losing it to a prototype setter', () => {
    const meta = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as Record<string, never>;
    const text = serializeDesign(createEmptyDesign(), '1.0.0', meta);
    expect(text).toContain('"__proto__": {');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
