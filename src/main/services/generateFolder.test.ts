import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { deleteItems } from '../../shared/model/ops';
import type { Design, MachineId } from '../../shared/model/types';
import { generateClan, manifestPath, parseManifest, type GeneratedClan } from '../../shared/nix/generate';
import { referenceDesigns } from '../../shared/nix/referenceDesigns';
import type { VpnId } from '../../shared/vpn/ids';
import { failingWrites } from '../fs/testFileOps';
import { compareGeneratedClan, writeGeneratedClan } from './generateFolder';

const households = referenceDesigns()[1]!.design;
// Switching between these two VPNs changes the flake (inventory.json, clan.nix, EasyTier's module) but no machine's
// configuration.nix: both name the VPN's interface after the instance, where the measurement port is opened.
const before: VpnId = 'wireguard';
const after: VpnId = 'easytier';

function generate(design: Design, vpn: VpnId = 'zerotier'): GeneratedClan {
  const result = generateClan(design, { vpnOverride: vpn });
  if (!result.ok) throw new Error(result.error.code);
  return result.value;
}

const withoutMachine = (design: Design, name: string): Design => deleteItems(design, [Object.values(design.machines).find((m) => m.name === name)!.id as MachineId]).design;

function freshDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'flake-writer-')), 'flake');
}

async function write(dir: string, generated: GeneratedClan, force = false) {
  return writeGeneratedClan(dir, generated, { force });
}

describe('writeGeneratedClan', () => {
  test('writes every file into a new folder, then finds them unchanged on a second run', async () => {
    const dir = freshDir();
    const clan = generate(households);
    const first = await write(dir, clan);
    expect(first.ok && first.value.written).toEqual(Object.keys(clan.files).sort());
    for (const [path, text] of Object.entries(clan.files)) expect(readFileSync(join(dir, path), 'utf8')).toBe(text);
    expect(parseManifest(readFileSync(join(dir, manifestPath), 'utf8'))).not.toBeNull();
    const second = await write(dir, clan);
    expect(second.ok && second.value).toMatchObject({ written: [], removed: [], keptEdits: [], unchanged: Object.keys(clan.files).sort() });
  });

  test('updates files it wrote and never touches files it did not generate', async () => {
    const dir = freshDir();
    await write(dir, generate(households, before));
    mkdirSync(join(dir, 'vars/per-machine/vps/zerotier'), { recursive: true });
    writeFileSync(join(dir, 'vars/per-machine/vps/zerotier/value'), 'public');
    writeFileSync(join(dir, 'flake.lock'), '{}');
    writeFileSync(join(dir, 'machines/vps/hardware-configuration.nix'), '{ }');
    const next = generate(households, after);
    const result = await write(dir, next);
    expect(result.ok && result.value.written).toEqual(['.clan-designer/manifest.json', 'clan.nix', 'inventory.json', 'modules/clan-services/easytier/default.nix', 'modules/clan-services/lib.nix']);
    expect(readFileSync(join(dir, 'flake.lock'), 'utf8')).toBe('{}');
    expect(readFileSync(join(dir, 'vars/per-machine/vps/zerotier/value'), 'utf8')).toBe('public');
    expect(readFileSync(join(dir, 'machines/vps/hardware-configuration.nix'), 'utf8')).toBe('{ }');
  });

  test('keeps a file edited by hand while its generated content stays the same', async () => {
    const dir = freshDir();
    await write(dir, generate(households, before));
    const edited = join(dir, 'machines/desktop/configuration.nix');
    writeFileSync(edited, '{ boot.loader.systemd-boot.enable = true; }\n');
    const result = await write(dir, generate(households, after));
    expect(result.ok && result.value.keptEdits).toEqual(['machines/desktop/configuration.nix']);
    expect(result.ok && result.value.written).toContain('inventory.json');
    expect(readFileSync(edited, 'utf8')).toContain('systemd-boot');
    const check = await compareGeneratedClan(dir, generate(households, after));
    expect(check.ok && check.value).toMatchObject({ upToDate: true, keptEdits: ['machines/desktop/configuration.nix'] });
  });

  test('refuses, writing nothing, when an edited file would change; force overwrites it', async () => {
    const dir = freshDir();
    await write(dir, generate(households));
    const edited = join(dir, 'machines/desktop/configuration.nix');
    writeFileSync(edited, '{ boot.loader.systemd-boot.enable = true; }\n');
    // Mycelium adds peers to every member's configuration.nix, so the generated content of the edited file changes.
    const mycelium = generateClan(households, { vpnOverride: 'mycelium' });
    if (!mycelium.ok) throw new Error(mycelium.error.code);
    const refused = await write(dir, mycelium.value);
    expect(!refused.ok && refused.error).toEqual({ code: 'generatedFilesChanged', details: { conflicts: [{ path: 'machines/desktop/configuration.nix', reason: 'editedByHand', action: 'overwrite' }] } });
    // All or nothing: the other changed files were not written either.
    expect(readFileSync(join(dir, 'inventory.json'), 'utf8')).toBe(generate(households).files['inventory.json']);
    expect(readFileSync(edited, 'utf8')).toContain('systemd-boot');
    const forced = await write(dir, mycelium.value, true);
    expect(forced.ok && forced.value.forced).toEqual(['machines/desktop/configuration.nix']);
    expect(readFileSync(edited, 'utf8')).toBe(mycelium.value.files['machines/desktop/configuration.nix']);
  });

  test('removes the folder of a deleted machine (no ghost machine), unless it holds files the user added', async () => {
    const dir = freshDir();
    await write(dir, generate(households));
    writeFileSync(join(dir, 'machines/parents-pi/hardware-configuration.nix'), '{ }');
    const result = await write(dir, generate(withoutMachine(withoutMachine(households, 'sister-nas'), 'parents-pi')));
    expect(result.ok && result.value).toMatchObject({
      removed: ['machines/parents-pi/configuration.nix', 'machines/sister-nas/configuration.nix'],
      keptFolders: ['machines/parents-pi'],
    });
    expect(existsSync(join(dir, 'machines/sister-nas'))).toBe(false);
    expect(existsSync(join(dir, 'machines/parents-pi/hardware-configuration.nix'))).toBe(true);
    expect(Object.keys(parseManifest(readFileSync(join(dir, manifestPath), 'utf8'))!.files)).not.toContain('machines/sister-nas/configuration.nix');
  });

  test('does not delete a no-longer-generated file that was edited by hand', async () => {
    const dir = freshDir();
    await write(dir, generate(households));
    writeFileSync(join(dir, 'machines/sister-nas/configuration.nix'), '# mine\n{ }\n');
    const result = await write(dir, generate(withoutMachine(households, 'sister-nas')));
    expect(!result.ok && result.error).toEqual({ code: 'generatedFilesChanged', details: { conflicts: [{ path: 'machines/sister-nas/configuration.nix', reason: 'editedByHand', action: 'delete' }] } });
    expect(existsSync(join(dir, 'machines/sister-nas/configuration.nix'))).toBe(true);
  });

  test('treats existing files without a manifest as not its own: same content is fine, different content a conflict', async () => {
    const dir = freshDir();
    const clan = generate(households);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'flake.nix'), clan.files['flake.nix']!);
    writeFileSync(join(dir, 'clan.nix'), '{ meta.name = "mine"; }\n');
    const result = await write(dir, clan);
    expect(!result.ok && result.error).toEqual({ code: 'generatedFilesChanged', details: { conflicts: [{ path: 'clan.nix', reason: 'notWrittenByApp', action: 'overwrite' }] } });
  });

  test('never replaces a folder or a link in a file\'s place, not even with force', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'clan.nix'), { recursive: true });
    const outside = mkdtempSync(join(tmpdir(), 'flake-outside-'));
    writeFileSync(join(outside, 'victim.nix'), 'precious');
    symlinkSync(join(outside, 'victim.nix'), join(dir, 'flake.nix'));
    const result = await write(dir, generate(households), true);
    expect(!result.ok && result.error.code === 'generatedFilesChanged' && result.error.details.conflicts.map((c) => `${c.path}:${c.reason}`)).toEqual(['clan.nix:notAFile', 'flake.nix:notAFile']);
    expect(readFileSync(join(outside, 'victim.nix'), 'utf8')).toBe('precious');
    expect(existsSync(join(dir, 'inventory.json'))).toBe(false);
  });

  test('a folder in the flake that is a link out of it stops the write before anything is written, not even with force', async () => {
    const dir = freshDir();
    const outside = mkdtempSync(join(tmpdir(), 'flake-outside-'));
    mkdirSync(dir, { recursive: true });
    symlinkSync(outside, join(dir, 'machines'));
    const result = await write(dir, generate(households), true);
    expect(!result.ok && result.error).toMatchObject({ code: 'pathOutsideFolder', details: { folder: 'output', reason: 'link', link: 'machines' } });
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(dir)).toEqual(['machines']);
  });

  test('a folder in the flake that is a link to another folder inside it is written through', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'shared-machines'), { recursive: true });
    symlinkSync(join(dir, 'shared-machines'), join(dir, 'machines'));
    const result = await write(dir, generate(households));
    expect(result.ok).toBe(true);
    expect(existsSync(join(dir, 'shared-machines', 'vps', 'configuration.nix'))).toBe(true);
  });

  test('reports a failed write as fileAccessFailed with the path and errno', async () => {
    const dir = freshDir();
    const fileOps = failingWrites('ENOSPC');
    const result = await writeGeneratedClan(dir, generate(households), { fileOps });
    expect(!result.ok && result.error).toMatchObject({ code: 'fileAccessFailed', details: { operation: 'write', errno: 'ENOSPC' } });
  });

  test('refuses a generated path that would leave the folder', async () => {
    const clan = generate(households);
    const evil: GeneratedClan = { ...clan, files: { ...clan.files, '../escape.nix': '{ }' } };
    const result = await write(freshDir(), evil);
    expect(!result.ok && result.error).toEqual({ code: 'invalidGeneratedPath', details: { path: '../escape.nix' } });
  });
});

describe('compareGeneratedClan', () => {
  test('says whether a folder is up to date, and what differs, is missing or is stale', async () => {
    const dir = freshDir();
    const clan = generate(households, before);
    expect((await compareGeneratedClan(dir, clan)).ok && (await compareGeneratedClan(dir, clan))).toMatchObject({ ok: true, value: { upToDate: false } });
    await write(dir, clan);
    const fresh = await compareGeneratedClan(dir, clan);
    expect(fresh.ok && fresh.value).toEqual({ upToDate: true, changed: [], keptEdits: [], missing: [], stale: [] });
    const smaller = generate(withoutMachine(households, 'sister-nas'), after);
    const report = await compareGeneratedClan(dir, smaller);
    expect(report.ok && report.value).toEqual({
      upToDate: false,
      changed: ['.clan-designer/manifest.json', 'clan.nix', 'inventory.json'],
      keptEdits: [],
      missing: ['modules/clan-services/easytier/default.nix', 'modules/clan-services/lib.nix'],
      stale: ['machines/sister-nas/configuration.nix'],
    });
  });
});
