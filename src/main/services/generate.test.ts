import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadDesignFile } from '../../shared/schema/load';
import { updateMachine } from '../../shared/model/ops';
import type { Design } from '../../shared/model/types';
import { GenerateService } from './generate';

const example = (): Design => {
  const loaded = loadDesignFile(readFileSync(resolve(import.meta.dirname, '../../../resources/examples/three-households.clan-design.json'), 'utf8'));
  if (!loaded.ok) throw new Error('example does not load');
  return loaded.value.design;
};

describe('writing the Clan configuration next to the design file', () => {
  test('writes into <name>.clan/, and readLast returns exactly what was written', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'flake-out-'));
    const service = new GenerateService({ workspaceDir: workspace });
    expect(await service.readLast('family.clan-design.json')).toEqual({ ok: true, value: { folder: 'family.clan', files: null } });
    const written = await service.write('family.clan-design.json', example(), {});
    expect(written.ok).toBe(true);
    if (!written.ok) return;
    expect(written.value.folder).toBe('family.clan');
    expect(written.value.report.written).toEqual(expect.arrayContaining(['flake.nix', 'clan.nix', 'inventory.json', 'machines/vps/configuration.nix']));
    const last = await service.readLast('family.clan-design.json');
    expect(last.ok && last.value.files?.['inventory.json']).toBe(readFileSync(join(workspace, 'family.clan', 'inventory.json'), 'utf8'));
  });

  test('refuses to overwrite a file edited by hand unless forced', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'flake-out-'));
    const service = new GenerateService({ workspaceDir: workspace });
    await service.write('family.clan-design.json', example(), {});
    const inventory = join(workspace, 'family.clan', 'inventory.json');
    writeFileSync(inventory, '{"edited": true}\n');
    const design = example();
    const vps = Object.values(design.machines).find((m) => m.name === 'vps')!;
    const changed = updateMachine(design, vps.id, { tags: ['public'] });
    const refused = await service.write('family.clan-design.json', changed, {});
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.code).toBe('generatedFilesChanged');
    expect(readFileSync(inventory, 'utf8')).toBe('{"edited": true}\n');
    const forced = await service.write('family.clan-design.json', changed, { force: true });
    expect(forced.ok && forced.value.report.forced).toEqual(['inventory.json']);
    expect(readFileSync(inventory, 'utf8')).toContain('"public"');
  });

  test('refuses designs that fail the schema and names outside the workspace', async () => {
    const service = new GenerateService({ workspaceDir: mkdtempSync(join(tmpdir(), 'flake-out-')) });
    const bad = await service.write('family.clan-design.json', { meta: 'nope' }, {});
    expect(!bad.ok && bad.error.code).toBe('invalidDesign');
    const escape = await service.write('../../etc.clan-design.json', example(), {});
    expect(!escape.ok && escape.error.code).toBe('invalidFileName');
  });

  test('a design with errors is not generated, and says why', async () => {
    const design = example();
    const first = Object.values(design.machines)[0]!;
    const broken = updateMachine(design, first.id, { name: 'Not Valid' });
    const result = await new GenerateService({ workspaceDir: mkdtempSync(join(tmpdir(), 'flake-out-')) }).write('family.clan-design.json', broken, {});
    expect(!result.ok && result.error.code).toBe('generateFailed');
  });
});
