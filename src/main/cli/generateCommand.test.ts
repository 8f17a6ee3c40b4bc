import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { serializeDesign } from '../../shared/schema/envelope';
import { referenceAdminKey, referenceDesigns } from '../../shared/nix/referenceDesigns';
import { runCli } from './run';

const examples = resolve(import.meta.dirname, '../../../resources/examples');

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'generate-cli-'));
}

function designFile(dir: string, index: number): string {
  const file = join(dir, 'design.clan-design.json');
  writeFileSync(file, serializeDesign(referenceDesigns()[index]!.design, '0.1.0'));
  return file;
}

describe('clan-designer generate', () => {
  test('writes the flake of an example design and lists the files and notes', async () => {
    const out = join(tempDir(), 'flake');
    const result = await cli('generate', join(examples, 'three-households.clan-design.json'), '--out', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('written  inventory.json');
    expect(result.stdout).toContain('Notes:');
    expect(JSON.parse(readFileSync(join(out, 'inventory.json'), 'utf8')).instances.mesh.module.name).toBe('zerotier');
    expect(existsSync(join(out, '.clan-designer/manifest.json'))).toBe(true);
  });

  test('--check exits 0 when the folder is up to date and 1 when it is not, changing nothing', async () => {
    const dir = tempDir();
    const file = designFile(dir, 1);
    const out = join(dir, 'flake');
    expect((await cli('generate', file, '--out', out)).code).toBe(0);
    const upToDate = await cli('generate', file, '--out', out, '--check');
    expect(upToDate.code).toBe(0);
    expect(upToDate.stdout).toContain('is up to date');
    const whatIf = await cli('generate', file, '--out', out, '--check', '--vpn', 'nebula');
    expect(whatIf.code).toBe(1);
    expect(whatIf.stdout).toContain('differs  inventory.json');
    expect(whatIf.stdout).toContain('missing  modules/clan-services/nebula/default.nix');
    expect(existsSync(join(out, 'modules'))).toBe(false);
    const json = await cli('--json', 'generate', file, '--out', out, '--check', '--vpn', 'nebula');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, vpn: 'nebula', check: { upToDate: false } });
  });

  test('--vpn generates a what-if for another VPN and --admin-key adds sshd', async () => {
    const dir = tempDir();
    const key = join(dir, 'id_ed25519.pub');
    writeFileSync(key, `${referenceAdminKey}\n`);
    const out = join(dir, 'flake');
    const result = await cli('--json', 'generate', designFile(dir, 1), '--out', out, '--vpn', 'tinc', '--admin-key', key);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed).toMatchObject({ ok: true, vpn: 'tinc', instance: 'mesh' });
    expect(parsed.files).toContain('modules/clan-services/tinc/default.nix');
    const inventory = JSON.parse(readFileSync(join(out, 'inventory.json'), 'utf8'));
    expect(inventory.instances.sshd.roles.server.settings.authorizedKeys.admin).toBe(referenceAdminKey);
  });

  test('refuses to overwrite a file changed by hand (exit 1) until --force', async () => {
    const dir = tempDir();
    const file = designFile(dir, 1);
    const out = join(dir, 'flake');
    await cli('generate', file, '--out', out);
    writeFileSync(join(out, 'inventory.json'), '{}\n');
    const refused = await cli('generate', file, '--out', out, '--vpn', 'nebula');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('would overwrite  inventory.json: changed since the app wrote it');
    expect(refused.stderr).toContain('--force');
    const forced = await cli('generate', file, '--out', out, '--vpn', 'nebula', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('forced   inventory.json');
  });

  test('a design with errors exits 1 with every blocking problem', async () => {
    const dir = tempDir();
    const design = referenceDesigns()[1]!.design;
    const first = Object.keys(design.machines)[0]! as keyof typeof design.machines;
    const broken = { ...design, machines: { ...design.machines, [first]: { ...design.machines[first]!, name: 'Living Room PC' } } };
    const file = join(dir, 'bad.clan-design.json');
    writeFileSync(file, serializeDesign(broken, '0.1.0'));
    const result = await cli('generate', file, '--out', join(dir, 'flake'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[machineNameInvalid]');
    expect(existsSync(join(dir, 'flake'))).toBe(false);
    const lan = await cli('--json', 'generate', designFile(dir, 2), '--out', join(dir, 'flake'), '--vpn', 'vpncloud');
    expect(lan.code).toBe(1);
    expect(JSON.parse(lan.stdout).error.code).toBe('vpnNeedsPublicNode');
  });

  test('unusable arguments or files exit 2', async () => {
    const dir = tempDir();
    expect((await cli('generate')).code).toBe(2);
    expect((await cli('generate', designFile(dir, 0))).stderr).toContain('--out');
    expect((await cli('generate', designFile(dir, 0), '--out', dir, '--vpn', 'openvpn')).stderr).toContain('Unknown VPN "openvpn"');
    expect((await cli('generate', join(dir, 'missing.json'), '--out', dir)).stderr).toContain('it does not exist');
    expect((await cli('generate', designFile(dir, 0), '--out', dir, '--admin-key', join(dir, 'nope.pub'))).code).toBe(2);
    expect((await cli('generate', designFile(dir, 0), '--out', dir, '--check', '--force')).code).toBe(2);
    expect((await cli('generate', '--help')).stdout).toContain('--vpn ID');
  });

  test('a write that fails exits 3', async () => {
    const dir = tempDir();
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const result = await cli('generate', designFile(dir, 1), '--out', join(blocker, 'flake'));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Writing the flake stopped');
  });
});
