import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { deployReportSchema } from '../../src/shared/deploy/report';
import { nixPlatformOf } from '../../src/shared/check';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Machine } from '../../src/shared/model/types';
import { serializeDesign } from '../../src/shared/schema/envelope';
import { projectRoot, shouldRunLab, type LabSpec } from '../lab/lab';
import { useLab } from '../lab/suite';

// `clan-designer plan` and `clan-designer deploy` as a person runs them: the built CLI as its own process, against
// the SSH lab's NixOS stand-in hosts (test/lab/nixos.ts). SSH, the jump host, SFTP, sudo, the files and the history
// are real; nix, nix-env, switch-to-configuration, systemd-run and systemctl on the hosts are the lab's test doubles,
// because NixOS cannot run on the build machines. Standard output is a pipe here, so deploy prints plain lines.
const runLab = await shouldRunLab();

const arch = nixPlatformOf(process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'x86_64' : process.arch) as Machine['arch'];

/** A public office with the bastion and alpha, a NATed home with gamma, reached through the bastion; all NixOS stand-ins. */
const spec: LabSpec = {
  sites: [
    { name: 'office', nat: false },
    { name: 'home', nat: true },
  ],
  hosts: [
    { name: 'bastion', site: 'office', bastion: true, nixos: true },
    { name: 'alpha', site: 'office', nixos: true },
    { name: 'gamma', site: 'home', nixos: true },
  ],
};

const cli = join(projectRoot, 'bin/clan-designer.js');

/** Runs the built CLI with its own HOME and data folder and no ssh-agent; resolves with its exit code and output. */
function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: projectRoot, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!runLab)('clan-designer plan and deploy against the lab', () => {
  const suite = useLab('deploycli', spec);

  test('plan, then deploy with --yes: exit 0, every machine runs its new system, the history is kept, and a new plan finds nothing to change', { timeout: 120_000 }, async () => {
    expect(existsSync(join(projectRoot, 'out/main/cli.js')), 'the CLI is built (npm run build)').toBe(true);
    const { lab, work } = suite;
    const user = lab.users.sudo;
    const b = designBuilder();
    const laptop = b.site('Laptop', 'nat');
    const office = b.site('office', 'public');
    const home = b.site('home', 'nat');
    const machine = (name: string, site: typeof office) => b.machine(name, site, 'server', { arch, ssh: { host: lab.host(name).address, port: lab.host(name).port, user: user.name } });
    const bastion = machine('bastion', office);
    machine('alpha', office);
    b.link('jumpHost', bastion, machine('gamma', home));
    b.admin(laptop);
    const folder = join(work, 'designs');
    mkdirSync(folder);
    const design = join(folder, 'lab.clan-design.json');
    writeFileSync(design, serializeDesign(b.design, '0.0.0'));

    // The person's SSH setup: the lab's host keys already known, a key file, an empty configuration.
    const knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, Object.values(lab.hosts).map((h) => `${h.address} ssh-ed25519 ${h.hostKeyBase64}\n`).join(''));
    const sshConfig = join(work, 'ssh_config');
    writeFileSync(sshConfig, '');
    const ssh = ['--known-hosts', knownHosts, '--ssh-config', sshConfig, '--identity', user.privateKeyPath];
    const env = { HOME: work, CLAN_DESIGNER_DATA_DIR: join(work, 'data') };
    const before = Object.fromEntries(['bastion', 'alpha', 'gamma'].map((name) => [name, lab.host(name).nixos!.currentSystem()]));

    const plan = await run(['plan', design, ...ssh], env);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Way: on the machines over SSH (no Nix on this computer).');
    expect(plan.stdout).toMatch(/Wave 1: Behind a jump host\n.*\n {2}gamma \(through the jump host "bastion"\)/);
    expect(plan.stdout).toMatch(/ {4}files: first deploy: \d+ files to upload/);
    expect(plan.stdout).toContain('Can be deployed: gamma, alpha and bastion (3).');
    // A dry run: nothing written beside the design, nothing built or switched on the machines.
    expect(readdirSync(folder)).toEqual(['lab.clan-design.json']);
    for (const name of ['bastion', 'alpha', 'gamma']) expect(lab.host(name).nixos!.recorded('nix').filter((args) => args.includes('build'))).toEqual([]);

    const deployed = await run(['deploy', design, '--yes', ...ssh], env);
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ deploy started: 3 machines\n/);
    expect(deployed.stdout).toMatch(/Z gamma \| Connected to gamma through bastion\.\n/);
    expect(deployed.stdout).toContain('3 machines: 3 deployed.');
    for (const name of ['bastion', 'alpha', 'gamma']) {
      const now = lab.host(name).nixos!.currentSystem();
      expect(now).not.toBeNull();
      expect(now).not.toBe(before[name]);
    }
    const kept = /Kept in (.*\/lab\.deploys\/([0-9a-z-]+)\/) \(plan\.json, result\.json, logs\/\)\./.exec(deployed.stdout);
    expect(kept).not.toBeNull();
    expect(kept![1]).toBe(join(folder, 'lab.deploys', kept![2]!, '/'));
    const report = deployReportSchema.parse(JSON.parse(readFileSync(join(kept![1]!, 'result.json'), 'utf8')));
    expect(report.machines.map((m) => [m.name, m.status])).toEqual([
      ['gamma', 'deployed'],
      ['alpha', 'deployed'],
      ['bastion', 'deployed'],
    ]);
    expect(readdirSync(join(kept![1]!, 'logs'))).toEqual(expect.arrayContaining(['alpha.log', 'bastion.log', 'gamma.log']));
    expect(readFileSync(join(kept![1]!, 'logs', 'gamma.log'), 'utf8')).toContain('Connected to gamma through bastion.');

    const again = await run(['plan', design, '--json', ...ssh], env);
    expect(again.code).toBe(0);
    const replanned = JSON.parse(again.stdout) as { plan: { waves: { machines: { name: string; files: { firstDeploy: boolean; changes: unknown[] } | null }[] }[] } };
    for (const m of replanned.plan.waves.flatMap((w) => w.machines)) expect([m.name, m.files]).toEqual([m.name, expect.objectContaining({ firstDeploy: false, changes: [] })]);
  });
});
