import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ClanProgramDouble } from '../../src/main/cli/installTestDoubles';
import { createBackend, type Backend } from '../../src/main/rpc/createBackend';
import { SshClientPool } from '../../src/main/ssh/sshClient';
import { installReportSchema, isValidDiskPath, parseMachineDisks, type MachineDisk } from '../../src/shared/deploy/install';
import type { InstallProgress, ResponseOf } from '../../src/shared/ipc/contract';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Design, MachineId } from '../../src/shared/model/types';
import { shouldRunLab, type LabSpec } from '../lab/lab';
import { useLab } from '../lab/suite';

// "Install NixOS" against the SSH lab: plain (not NixOS) hosts in a public office and a NATed home that only the
// bastion reaches into, as machines waiting for their first NixOS. SSH, the jump host, the app's host key check and
// lsblk on the host are real; the `clan` program on this computer is a TEST DOUBLE (ClanProgramDouble from
// src/main/cli/installTestDoubles.ts) that records each argument list and answers as Clan would, because
// nixos-anywhere, kexec and NixOS cannot run on the build machines (and must never erase a disk of this computer).
const runLab = await shouldRunLab();
const run = promisify(execFile);

const spec: LabSpec = {
  sites: [
    { name: 'office', nat: false },
    { name: 'home', nat: true },
  ],
  hosts: [
    { name: 'bastion', site: 'office', bastion: true },
    { name: 'alpha', site: 'office' },
    { name: 'gamma', site: 'home' },
  ],
};

/**
 * The whole disks as the lab hosts see them: the lab's hosts are network namespaces of this computer, so they share
 * its kernel's block devices and /dev. Read here with lsblk's name, size and type and the by-id listing, through the
 * app's own parser; null when this computer has no lsblk.
 */
async function localDisks(): Promise<Pick<MachineDisk, 'name' | 'path' | 'sizeBytes'>[] | null> {
  try {
    const { stdout } = await run('lsblk', ['--json', '--nodeps', '--bytes', '-o', 'NAME,SIZE,TYPE'], { timeout: 15_000 });
    const byId = await run('ls', ['-l', '/dev/disk/by-id'], { timeout: 15_000 }).then(
      (r) => r.stdout,
      () => '',
    );
    return parseMachineDisks(stdout, byId)?.map((d) => ({ name: d.name, path: d.path, sizeBytes: d.sizeBytes })) ?? null;
  } catch {
    return null;
  }
}

const expectedDisks = runLab ? await localDisks() : null;
/** The disk the installs name: the biggest one the app would offer (null when this computer shows none). */
const installDisk = expectedDisks?.find((d) => d.path !== null)?.path ?? null;
if (runLab && installDisk === null) console.warn('SKIPPING the full install against the lab: this computer shows no whole disk the app could offer.');

describe.skipIf(!runLab)('install NixOS against the SSH lab (the clan program is a test double)', () => {
  const suite = useLab('install', spec);
  const host = (name: string) => suite.lab.host(name);
  const user = () => suite.lab.users.plain.name;
  const knownHosts = () => join(suite.work, 'known_hosts');
  let workspace: string | undefined;

  /** The lab as a design: the admin's laptop apart, alpha and the bastion in the public office, gamma at home behind the bastion. */
  function labDesign(): { design: Design; ids: Record<'bastion' | 'alpha' | 'gamma', MachineId> } {
    const b = designBuilder();
    const laptop = b.site('Laptop', 'nat');
    const office = b.site('Office', 'public');
    const home = b.site('Home', 'nat');
    const machine = (name: string, site: typeof office) => b.machine(name, site, 'server', { ssh: { host: host(name).address, port: host(name).port, user: user() } });
    const bastion = machine('bastion', office);
    const alpha = machine('alpha', office);
    const gamma = machine('gamma', home);
    b.link('jumpHost', bastion, gamma);
    b.admin(laptop);
    return { design: b.design, ids: { bastion, alpha, gamma } };
  }

  /**
   * The app's back end with the lab's key, a known_hosts of the test's own that already holds every lab host key (as
   * after "Check machines"), and the host key mode each request asks for. The `clan` program is the test double.
   */
  function makeBackend(clan: ClanProgramDouble): { backend: Backend; events: InstallProgress[]; prompts: unknown[] } {
    // Inside the lab's scratch folder, which goes with the lab.
    workspace ??= join(suite.work, 'designs');
    mkdirSync(workspace, { recursive: true });
    const dataDir = join(suite.work, 'data');
    mkdirSync(dataDir, { recursive: true });
    if (!existsSync(knownHosts())) writeFileSync(knownHosts(), Object.values(suite.lab.hosts).map((h) => `${h.address} ssh-ed25519 ${h.hostKeyBase64}\n`).join(''));
    const backend = createBackend({
      mode: 'serve',
      log: () => undefined,
      workspaceDir: workspace,
      dataDir,
      cleanStaleTempFiles: false,
      createMachineSsh: (hooks) => {
        const pool = new SshClientPool({
          knownHostsPath: knownHosts(),
          connectTimeoutMs: 5_000,
          hostKeyPolicy: hooks.hostKeyMode === 'strict' ? { mode: 'strict' } : { mode: 'tofu', confirm: hooks.confirmHostKey },
        });
        suite.track(pool);
        return { pool, knownHostsPath: knownHosts(), identityFor: () => ({ privateKey: suite.lab.users.plain.privateKey }) };
      },
      deploy: { hasLocalClan: async () => true, runLocal: clan.runLocal },
      install: { timeouts: { connect: 10_000 } },
    });
    const events: InstallProgress[] = [];
    const prompts: unknown[] = [];
    backend.services.events.connect((channel, payload) => {
      if (channel === 'job:onDidProgress' && (payload as InstallProgress).kind === 'install') events.push(payload as InstallProgress);
      if (channel === 'job:onDidPrompt') prompts.push(payload);
    });
    return { backend, events, prompts };
  }

  /** Saves the design and installs on one machine, confirmed with its exact name and the disk; resolves with the end. */
  async function install(b: ReturnType<typeof makeBackend>, design: Design, machineId: MachineId, name: string, disk: string): Promise<Extract<InstallProgress, { type: 'done' }>> {
    const saved = await b.backend.dispatch('project:save', { name: 'lab.clan-design.json', design, overwrite: true });
    if (!saved.ok) throw new Error(`save: ${JSON.stringify(saved.error)}`);
    const started = await b.backend.dispatch('deploy:install', { name: 'lab.clan-design.json', design, machineId, disk, confirm: { machine: name, disk }, hostKeys: 'ask' });
    if (!started.ok) throw new Error(`deploy:install: ${JSON.stringify(started.error)}`);
    const jobId = (started.value as ResponseOf<'deploy:install'>).jobId;
    const isDone = (e: InstallProgress): e is Extract<InstallProgress, { type: 'done' }> => e.type === 'done' && e.jobId === jobId;
    await expect.poll(() => b.events.some(isDone), { timeout: 20_000, interval: 20 }).toBe(true);
    return b.events.find(isDone)!;
  }

  /** The install kept beside the design for a run: its report and its log. */
  function kept(runId: string) {
    const dir = join(workspace!, 'lab.installs', runId);
    return { files: readdirSync(dir).sort(), report: installReportSchema.parse(JSON.parse(readFileSync(join(dir, 'install.json'), 'utf8'))), log: readFileSync(join(dir, 'install.log'), 'utf8') };
  }

  test('deploy:disks reads the disks over real SSH with lsblk on the host, directly and through the bastion, as this computer sees them', async () => {
    const clan = new ClanProgramDouble();
    const b = makeBackend(clan);
    const { design, ids } = labDesign();
    expect(expectedDisks).not.toBeNull();
    for (const [name, via] of [
      ['alpha', ''],
      ['gamma', ' through bastion'],
    ] as const) {
      const result = await b.backend.dispatch('deploy:disks', { design, machineId: ids[name] });
      if (!result.ok) throw new Error(`deploy:disks for ${name}: ${JSON.stringify(result.error)}`);
      const listed = result.value as ResponseOf<'deploy:disks'>;
      expect(listed.machine).toBe(name);
      expect(listed.target).toBe(`${user()}@${host(name).address}${via}`);
      // The same disks, sizes and stable paths the host's kernel shows this computer (the namespaces share it).
      expect(listed.disks.map((d) => ({ name: d.name, path: d.path, sizeBytes: d.sizeBytes }))).toEqual(expectedDisks);
      expect(listed.disks.map((d) => d.devPath)).toEqual(expectedDisks!.map((d) => `/dev/${d.name}`));
      // Every disk offered has a path the install accepts, biggest first; nothing is a partition, loop or RAM device.
      for (const d of listed.disks) expect(d.path === null || isValidDiskPath(d.path), d.name).toBe(true);
      expect(listed.disks.map((d) => d.sizeBytes)).toEqual([...listed.disks.map((d) => d.sizeBytes)].sort((x, y) => y - x));
      expect(listed.disks.filter((d) => /^(loop|ram|zram)\d/.test(d.name) || d.sizeBytes === 0)).toEqual([]);
    }
    if (installDisk !== null) expect(isValidDiskPath(installDisk)).toBe(true);
    // Reading the disks ran no clan command and asked nothing.
    expect(clan.calls).toEqual([]);
    expect(b.prompts).toEqual([]);
  });

  test.skipIf(installDisk === null)('a full install through the bastion runs exactly Clan\'s three commands with ProxyJump, the disk and the flake folder, and is kept beside the design', async () => {
    const clan = new ClanProgramDouble();
    const b = makeBackend(clan);
    const { design, ids } = labDesign();
    const disk = installDisk!;
    const flake = join(workspace!, 'lab.clan');
    const gamma = host('gamma').address;
    const bastion = host('bastion').address;

    const done = await install(b, design, ids.gamma, 'gamma', disk);
    expect(done.outcome).toBe('finished');
    expect(done.report.machine).toMatchObject({ name: 'gamma', status: 'installed', step: null, disk });
    // Exactly the argument lists Clan gets: the hardware report logs in as the design's user, the install as root
    // (nixos-anywhere's installer in memory), both through the bastion as ssh's ProxyJump.
    expect(clan.calls).toEqual([
      ['clan', 'machines', 'init-hardware-config', 'gamma', '--target-host', `${user()}@${gamma}?ProxyJump=${user()}@${bastion}`, '--backend', 'nixos-facter', '--yes', '--flake', flake],
      ['clan', 'templates', 'apply', 'disk', 'ext4-single-disk', 'gamma', '--set', 'mainDisk', disk, '--force', '--flake', flake],
      ['clan', 'machines', 'install', 'gamma', '--target-host', `root@${gamma}?ProxyJump=${user()}@${bastion}`, '--yes', '--flake', flake],
    ]);
    expect(done.report.target).toEqual({ login: `${user()}@${gamma}?ProxyJump=${user()}@${bastion}`, install: `root@${gamma}?ProxyJump=${user()}@${bastion}` });
    expect(readdirSync(flake)).toContain('flake.nix');
    // The four steps in order, the connection through the bastion in the log, nobody asked about a host key.
    expect(b.events.filter((e) => e.type === 'machineStep').map((e) => (e.type === 'machineStep' ? e.step.index : 0))).toEqual([1, 2, 3, 4]);
    expect(b.events.some((e) => e.type === 'log' && e.text.startsWith(`Connected to gamma through bastion. ${disk} is /dev/`))).toBe(true);
    expect(b.prompts).toEqual([]);
    // Kept as lab.installs/<run id>/install.json and install.log.
    const record = kept(done.report.runId);
    expect(record.files).toEqual(['install.json', 'install.log']);
    expect(record.report.commands).toEqual(clan.calls);
    expect(record.report.machine.status).toBe('installed');
    expect(record.log).toContain(`$ clan machines install gamma --target-host 'root@${gamma}?ProxyJump=${user()}@${bastion}' --yes --flake ${flake}`);
    expect(record.log).toContain('clan test double: templates apply disk');

    // A machine in the office is reached directly: no ProxyJump.
    const direct = new ClanProgramDouble();
    const d = makeBackend(direct);
    const alpha = host('alpha').address;
    const alphaDone = await install(d, design, ids.alpha, 'alpha', disk);
    expect(alphaDone.report.machine.status).toBe('installed');
    expect(direct.calls).toEqual([
      ['clan', 'machines', 'init-hardware-config', 'alpha', '--target-host', `${user()}@${alpha}`, '--backend', 'nixos-facter', '--yes', '--flake', flake],
      ['clan', 'templates', 'apply', 'disk', 'ext4-single-disk', 'alpha', '--set', 'mainDisk', disk, '--force', '--flake', flake],
      ['clan', 'machines', 'install', 'alpha', '--target-host', `root@${alpha}`, '--yes', '--flake', flake],
    ]);
  });

  test('a disk the host does not have stops the install at the connection, naming the disks it has; no clan command runs', async () => {
    const clan = new ClanProgramDouble();
    const b = makeBackend(clan);
    const { design, ids } = labDesign();
    const missing = '/dev/disk/by-id/cnd-lab-no-such-disk';
    const done = await install(b, design, ids.gamma, 'gamma', missing);
    expect(done.report.machine).toMatchObject({ status: 'failed', step: 'connect', disk: missing });
    const has = expectedDisks!.map((d) => d.path ?? `/dev/${d.name}`).join(', ');
    expect(done.report.machine.message).toContain(`has no disk ${missing}${has === '' ? '' : ` (it has ${has})`}.`);
    expect(done.report.machine.whatToDo).toContain('Nothing was changed on it');
    expect(clan.calls).toEqual([]);
    expect(kept(done.report.runId).report.commands).toEqual([]);
  });

  test('a changed host key refuses the listing and the install before any clan command runs', async () => {
    const clan = new ClanProgramDouble();
    const b = makeBackend(clan);
    const { design, ids } = labDesign();
    // The machine now presents another key than the one known_hosts holds (as after a reinstall, or an interception).
    const now = await host('alpha').replaceHostKey();
    const listed = await b.backend.dispatch('deploy:disks', { design, machineId: ids.alpha });
    expect(listed.ok ? null : listed.error.code).toBe('sshHostKeyChanged');
    const disk = installDisk ?? '/dev/disk/by-id/cnd-lab-disk';
    const done = await install(b, design, ids.alpha, 'alpha', disk);
    expect(done.report.machine).toMatchObject({ name: 'alpha', status: 'failed', step: 'connect' });
    expect(done.report.machine.message).toContain('different host key');
    expect(done.report.machine.message).toContain(now);
    expect(clan.calls).toEqual([]);
    // Refused outright: a changed key is never offered for confirmation, even with hostKeys 'ask'.
    expect(b.prompts).toEqual([]);
    expect(kept(done.report.runId).report).toMatchObject({ target: null, commands: [] });
  });
});
