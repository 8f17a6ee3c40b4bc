import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { deployPlanSchema } from '../../shared/deploy/plan';
import { designBuilder } from '../../shared/model/designBuilder';
import type { Design } from '../../shared/model/types';
import { serializeDesign } from '../../shared/schema/envelope';
import { ScriptedMachines, storePathOf, type ScriptedMachine } from './deployTestDoubles';
import { runPlanCommand } from './planCommand';
import { runCli } from './run';

// `clan-designer plan`: the deploy's dry run on the command line. The machines are a scripted SSH stand-in (a test
// double, deployTestDoubles.ts); the deploy service, its plan and the quoting are the app's own.

/** Home with the admin and a NAS, a public cloud machine, and grandma's tablet behind CGNAT reached through the cloud machine. */
function family(options: { withUnreachable?: boolean } = {}): Design {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud', 'public');
  const grandma = b.site('Grandma', 'cgnat');
  b.machine('nas', home, 'nas');
  const bastion = b.machine('bastion', cloud, 'vps');
  const tablet = b.machine('tablet', grandma, 'sbc');
  b.link('jumpHost', bastion, tablet);
  if (options.withUnreachable === true) b.machine('pc', b.site('Office', 'portForward'), 'desktop');
  b.admin(home);
  return b.design;
}

function designFile(design: Design, name = 'family.clan-design.json'): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'plan-cli-'));
  const file = join(dir, name);
  writeFileSync(file, serializeDesign(design, '0.0.0'));
  return { dir, file };
}

const running = (extra: Record<string, ScriptedMachine> = {}) =>
  new ScriptedMachines({ 'nas.lan': { system: storePathOf('nas', 1) }, 'bastion.lan': { system: storePathOf('bastion', 1) }, 'tablet.lan': { system: null }, 'pc.lan': { system: null }, ...extra });

async function plan(argv: string[], machines = running(), options: { hasLocalClan?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runPlanCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, { createSsh: machines.createSsh, hasLocalClan: async () => options.hasLocalClan === true, env: {}, homeDir: tmpdir() });
  return { code, stdout, stderr, machines };
}

describe('clan-designer plan', () => {
  test('prints the way, wave by wave each machine with how it is reached, what it needs, its files and its exact commands; exit 0', async () => {
    const { dir, file } = designFile(family());
    const before = readdirSync(dir);
    const result = await plan([file]);
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain('A dry run: the machines were read, nothing was changed anywhere.');
    expect(out).toContain('Way: on the machines over SSH (no Nix on this computer).');
    expect(out).toContain('There is no clan CLI');
    // The wave order: the machine behind the jump host first, the jump host last.
    expect(out.indexOf('Wave 1: Behind a jump host')).toBeLessThan(out.indexOf('Wave 2: Reached directly'));
    expect(out.indexOf('  tablet (through the jump host "bastion")')).toBeLessThan(out.indexOf('  nas (directly, on your network)'));
    expect(out.indexOf('  nas (directly')).toBeLessThan(out.indexOf('  bastion (directly, at a public address)'));
    expect(out).toContain('    needs: bastion (its jump host)');
    expect(out).toContain('    warning: First deploy: there is no previous system to roll back to, so no watchdog is armed.');
    expect(out).toMatch(/files: first deploy: \d+ files to upload/);
    // Commands as a person would paste them: words with spaces or shell characters in single quotes.
    expect(out).toContain(`$ nix build --no-link --print-out-paths --extra-experimental-features 'nix-command flakes' 'path:/root/.local/share/clan-network-designer/flakes/family#nixosConfigurations."nas".config.system.build.toplevel'`);
    expect(out).toContain(`$ systemctl stop 'cnd-rollback-<run>.timer'`);
    expect(out).toContain('$ readlink /run/current-system');
    expect(out).toContain('Can be deployed: tablet, nas and bastion (3).');
    // A dry run: strict host keys (nothing asked or recorded), read-only commands only, and no file written.
    expect(result.machines.hooks.map((h) => h.hostKeyMode)).toEqual(['strict']);
    const programs = new Set(result.machines.commands.map((c) => c.argv[0]));
    expect([...programs].sort()).toEqual(['sh']);
    expect(readdirSync(dir)).toEqual(before);
  });

  test('--files lists each file that changes; without it only how many', async () => {
    const { file } = designFile(family());
    const listed = await plan([file, '--files', '--machines', 'nas']);
    expect(listed.stdout).toMatch(/\n {6}\+ flake\.nix\n/);
    const counted = await plan([file, '--machines', 'nas']);
    expect(counted.stdout).not.toContain('+ flake.nix');
  });

  test('a blocked machine is printed with the reason and what to do, and the plan exits 1', async () => {
    const { file } = designFile(family({ withUnreachable: true }));
    const result = await plan([file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Not deployable:');
    expect(result.stdout).toContain('  pc (no way in)');
    expect(result.stdout).toContain('    BLOCKED: "pc" is in "Office", behind a router without a port forward for it');
    expect(result.stdout).toContain('    what to do: Give it an SSH address the app can reach');
    expect(result.stdout).toContain('Blocked: pc (1); see each for what to do.');
    // Leaving the blocked machine out makes the plan clear.
    const others = await plan([file, '--machines', 'nas,bastion,tablet']);
    expect(others.code).toBe(0);
    expect(others.stdout).toContain('Not selected: pc.');
  });

  test('a machine whose host key is unknown is not asked about: it is planned unread, with a warning', async () => {
    const { file } = designFile(family());
    const result = await plan([file], running({ 'nas.lan': { system: storePathOf('nas', 1), unknownHostKey: true } }));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/warning: The plan could not read the machine \(.*is not in your known hosts yet/);
    expect(result.stdout).toContain('files: unknown: the machine could not be read, so every file is uploaded');
  });

  test('with the clan CLI here the steps are Clan\'s own commands', async () => {
    const { file } = designFile(family());
    const result = await plan([file, '--machines', 'nas'], running(), { hasLocalClan: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Way: with the clan CLI on this computer.');
    expect(result.stdout).toContain('$ clan machines update nas --flake family.clan');
  });

  test('--json prints the DeployPlan; its exit code is the same as the text', async () => {
    const { file } = designFile(family({ withUnreachable: true }));
    const result = await plan([file, '--json']);
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as { ok: boolean; file: string; plan: unknown };
    expect(parsed.ok).toBe(false);
    expect(parsed.file).toBe(file);
    const planned = deployPlanSchema.parse(parsed.plan);
    expect(planned.waves.map((w) => w.machines.map((m) => m.name))).toEqual([['tablet'], ['nas'], ['bastion']]);
    expect(planned.notDeployable.map((m) => [m.name, m.blocked !== null])).toEqual([['pc', true]]);
  });

  test('unusable input exits 2 and says why', async () => {
    const { dir, file } = designFile(family());
    expect((await plan([])).code).toBe(2);
    const unknown = await plan([file, '--machines', 'nas,printer']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('The design has no machine named "printer". The design\'s managed machines are "nas", "bastion" and "tablet".');
    const renamed = join(dir, 'family.json');
    writeFileSync(renamed, serializeDesign(family(), '0.0.0'));
    const badName = await plan([renamed, '--json']);
    expect(badName.code).toBe(2);
    expect(JSON.parse(badName.stdout).error.message).toContain('rename the file, for example to family.clan-design.json');
    const missing = await plan([join(dir, 'gone.clan-design.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('it does not exist');
    const noConfig = await plan([file, '--ssh-config', join(dir, 'nope')]);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain('Could not read the SSH configuration');
  });

  test('it is a command of the CLI, with its help', async () => {
    let stdout = '';
    const code = await runCli(['plan', '--help'], { stdout: (t) => (stdout += t), stderr: () => undefined });
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: clan-designer plan <design-file>');
    expect(stdout).toContain('--machines LIST');
    let help = '';
    await runCli(['--help'], { stdout: (t) => (help += t), stderr: () => undefined });
    expect(help).toMatch(/plan FILE +show what a deploy would do/);
    expect(help).toMatch(/deploy FILE +deploy the design to its machines/);
  });
});
