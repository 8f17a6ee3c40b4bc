import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { installReportSchema } from '../../shared/deploy/install';
import type { InstallProgress, ResponseOf } from '../../shared/ipc/contract';
import { designBuilder } from '../../shared/model/designBuilder';
import type { Design, MachineId } from '../../shared/model/types';
import { ClanProgramDouble, ScriptedDiskMachines } from '../cli/installTestDoubles';
import { createBackend, type Backend } from '../rpc/createBackend';

// Installing NixOS as a job, through the app's own back end (dispatch, job engine, install service). The `clan` program
// is a TEST DOUBLE that records each argument list (no NixOS or nixos-anywhere can run here), and the machines' disks
// over SSH are a scripted TEST DOUBLE. What is proved: no command runs without the exact confirmation, and with it
// exactly the three argument lists run, in order, with names passed as exact arguments.

const DISK = '/dev/disk/by-id/usb-Flash+Disk_0:1-0:0';

/** A home with a NAS (NixOS already), a PC that is not NixOS yet (named to look like an option), and a phone. */
function homeDesign(): { design: Design; pc: MachineId; nas: MachineId; phone: MachineId } {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const nas = b.machine('nas', home, 'nas');
  const pc = b.machine('x--yes', home, 'desktop', { ssh: { host: 'pc.lan', port: 2222, user: 'admin' } });
  const phone = b.machine('phone', home, 'phone');
  b.admin(home);
  return { design: b.design, pc, nas, phone };
}

const disks = () =>
  new ScriptedDiskMachines({
    'pc.lan': {
      disks: [
        { name: 'sda', size: 500107862016, model: 'Samsung SSD 860', serial: 'S3Z1', tran: 'sata' },
        { name: 'sdb', size: 31457280000, model: 'Flash Disk', tran: 'usb', rm: true },
      ],
      byId: { 'ata-Samsung_SSD_860_S3Z1': 'sda', 'usb-Flash+Disk_0:1-0:0': 'sdb' },
    },
  });

interface Setup {
  backend: Backend;
  clan: ClanProgramDouble;
  machines: ScriptedDiskMachines;
  workspace: string;
  events: InstallProgress[];
}

function setup(options: { hasClan?: boolean; machines?: ScriptedDiskMachines } = {}): Setup {
  // A folder with a space: the flake folder is one argument however it is spelled.
  const root = mkdtempSync(join(tmpdir(), 'install-service-'));
  const workspace = join(root, 'my designs');
  mkdirSync(workspace);
  const clan = new ClanProgramDouble();
  const machines = options.machines ?? disks();
  const backend = createBackend({
    mode: 'serve',
    log: () => undefined,
    workspaceDir: workspace,
    dataDir: join(root, 'data'),
    cleanStaleTempFiles: false,
    createMachineSsh: machines.createSsh,
    deploy: { hasLocalClan: async () => options.hasClan ?? true, runLocal: clan.runLocal },
  });
  const events: InstallProgress[] = [];
  backend.services.events.connect((channel, payload) => {
    if (channel === 'job:onDidProgress' && (payload as InstallProgress).kind === 'install') events.push(payload as InstallProgress);
  });
  return { backend, clan, machines, workspace, events };
}

async function saved(s: Setup, design: Design): Promise<void> {
  const result = await s.backend.dispatch('project:save', { name: 'home.clan-design.json', design, overwrite: true });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
}

const until = async (what: string, condition: () => boolean) => {
  for (let i = 0; i < 400 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error(`${what} did not happen`);
};

const doneOf = (s: Setup) => s.events.find((e): e is Extract<InstallProgress, { type: 'done' }> => e.type === 'done');

describe('deploy:disks', () => {
  test('lists the machine’s disks over SSH with size, model and by-id path, changing nothing', async () => {
    const s = setup();
    const { design, pc } = homeDesign();
    const result = await s.backend.dispatch('deploy:disks', { design, machineId: pc });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const listed = result.value as ResponseOf<'deploy:disks'>;
    expect(listed.machine).toBe('x--yes');
    expect(listed.target).toBe('admin@pc.lan:2222');
    expect(listed.disks.map((d) => [d.path, d.sizeBytes, d.model])).toEqual([
      ['/dev/disk/by-id/ata-Samsung_SSD_860_S3Z1', 500107862016, 'Samsung SSD 860'],
      [DISK, 31457280000, 'Flash Disk'],
    ]);
    // Read-only: the listing and nothing else.
    expect(s.machines.commands.map((c) => c.argv[0])).toEqual(['lsblk', 'ls']);
    expect(s.clan.calls).toEqual([]);
  });

  test('refuses machines the app cannot install: unmanaged, without an SSH address, not in the design', async () => {
    const s = setup();
    const { design, phone } = homeDesign();
    const unmanaged = await s.backend.dispatch('deploy:disks', { design, machineId: phone });
    expect(unmanaged.ok ? null : unmanaged.error).toEqual({ code: 'installMachineUnusable', details: { machine: 'phone', reason: 'notManaged' } });
    const missing = await s.backend.dispatch('deploy:disks', { design, machineId: 'nope' });
    expect(missing.ok ? null : missing.error.details?.reason).toBe('notFound');
    expect(s.machines.commands).toEqual([]);
  });

  test('a machine whose lsblk is missing says so and what to do', async () => {
    const s = setup({ machines: new ScriptedDiskMachines({ 'pc.lan': { disks: [], noLsblk: true } }) });
    const { design, pc } = homeDesign();
    const result = await s.backend.dispatch('deploy:disks', { design, machineId: pc });
    expect(result.ok ? null : result.error.code).toBe('installDisksUnreadable');
  });
});

describe('deploy:install', () => {
  const request = (design: Design, machineId: MachineId, confirm: { machine: string; disk: string }, disk = DISK) => ({ name: 'home.clan-design.json', design, machineId, disk, confirm, hostKeys: 'strict' as const });

  test('without the exact confirmation nothing runs, nothing is read and nothing is written', async () => {
    const s = setup();
    const { design, pc } = homeDesign();
    await saved(s, design);
    const wrong = [
      { machine: 'X--YES', disk: DISK },
      { machine: 'x--yes ', disk: DISK },
      { machine: 'x--', disk: DISK },
      { machine: 'x--yes', disk: '/dev/sdb' },
      { machine: 'x--yes', disk: '/dev/disk/by-id/ata-Samsung_SSD_860_S3Z1' },
      { machine: '', disk: '' },
    ];
    for (const confirm of wrong) {
      const result = await s.backend.dispatch('deploy:install', request(design, pc, confirm));
      expect(result.ok, JSON.stringify(confirm)).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('installNotConfirmed');
    }
    // A request without a confirmation does not pass the contract at all.
    const { confirm: _omitted, ...bare } = request(design, pc, { machine: 'x--yes', disk: DISK });
    expect((await s.backend.dispatch('deploy:install', bare as never)).ok).toBe(false);
    expect(s.clan.calls).toEqual([]);
    expect(s.machines.commands).toEqual([]);
    expect(existsSync(join(s.workspace, 'home.clan'))).toBe(false);
    expect(s.events).toEqual([]);
  });

  test('refuses a disk path outside the rule, and says why, before anything runs', async () => {
    const s = setup();
    const { design, pc } = homeDesign();
    await saved(s, design);
    for (const disk of ['/dev/sd b', '/dev/disk/by-id/../../sda', '/dev/sda;reboot']) {
      const result = await s.backend.dispatch('deploy:install', request(design, pc, { machine: 'x--yes', disk }, disk));
      expect(result.ok ? null : result.error).toEqual({ code: 'installDiskInvalid', details: { disk } });
    }
    expect(s.clan.calls).toEqual([]);
  });

  test('without the clan CLI on this computer it refuses and says what to do; nothing runs', async () => {
    const s = setup({ hasClan: false });
    const { design, pc } = homeDesign();
    await saved(s, design);
    const result = await s.backend.dispatch('deploy:install', request(design, pc, { machine: 'x--yes', disk: DISK }));
    expect(result.ok ? null : result.error).toEqual({ code: 'installNeedsClanCli', details: { machine: 'x--yes' } });
    expect(s.clan.calls).toEqual([]);
    expect(s.machines.commands).toEqual([]);
  });

  test('with the exact confirmation: exactly the three clan commands, in order, names as exact arguments', async () => {
    const s = setup();
    const { design, pc } = homeDesign();
    await saved(s, design);
    const started = await s.backend.dispatch('deploy:install', request(design, pc, { machine: 'x--yes', disk: DISK }));
    expect(started.ok).toBe(true);
    await until('the install to end', () => doneOf(s) !== undefined);
    const flake = join(s.workspace, 'home.clan');
    expect(s.clan.calls).toEqual([
      ['clan', 'machines', 'init-hardware-config', 'x--yes', '--target-host', 'admin@pc.lan:2222', '--backend', 'nixos-facter', '--yes', '--flake', flake],
      ['clan', 'templates', 'apply', 'disk', 'ext4-single-disk', 'x--yes', '--set', 'mainDisk', DISK, '--force', '--flake', flake],
      ['clan', 'machines', 'install', 'x--yes', '--target-host', 'root@pc.lan:2222', '--yes', '--flake', flake],
    ]);
    // The configuration was written first; the machine was only read over SSH (its disk found again).
    expect(existsSync(join(flake, 'flake.nix'))).toBe(true);
    expect(s.machines.commands.map((c) => c.argv[0])).toEqual(['lsblk', 'ls']);
    const done = doneOf(s)!;
    expect(done.outcome).toBe('finished');
    expect(done.report.machine).toMatchObject({ name: 'x--yes', status: 'installed', step: null, disk: DISK });
    expect(done.report.commands).toEqual(s.clan.calls);
    // Steps and every line of Clan's output reach the job's log.
    expect(s.events.filter((e) => e.type === 'machineStep').map((e) => (e.type === 'machineStep' ? e.step.index : 0))).toEqual([1, 2, 3, 4]);
    expect(s.events.some((e) => e.type === 'log' && e.text === 'clan test double: machines install x--yes')).toBe(true);
    // Kept beside the design.
    const runs = readdirSync(join(s.workspace, 'home.installs'));
    expect(runs).toHaveLength(1);
    const kept = installReportSchema.parse(JSON.parse(readFileSync(join(s.workspace, 'home.installs', runs[0]!, 'install.json'), 'utf8')));
    expect(kept.machine.status).toBe('installed');
    expect(readFileSync(join(s.workspace, 'home.installs', runs[0]!, 'install.log'), 'utf8')).toContain('clan test double: templates apply disk');
  });

  test('a disk that is no longer on the machine stops the install before any clan command', async () => {
    const s = setup();
    const { design, pc } = homeDesign();
    await saved(s, design);
    const gone = '/dev/disk/by-id/ata-Gone_Disk';
    await s.backend.dispatch('deploy:install', request(design, pc, { machine: 'x--yes', disk: gone }, gone));
    await until('the install to end', () => doneOf(s) !== undefined);
    expect(doneOf(s)!.report.machine).toMatchObject({ status: 'failed', step: 'connect' });
    expect(doneOf(s)!.report.machine.message).toContain('has no disk /dev/disk/by-id/ata-Gone_Disk');
    expect(s.clan.calls).toEqual([]);
  });

  test('the first clan command that fails stops the rest, and the result says the disk was not touched', async () => {
    const s = setup();
    s.clan.failAt = { step: 'disk', code: 1, stderr: 'Invalid value /dev/disk/by-id/x for placeholder mainDisk' };
    const { design, pc } = homeDesign();
    await saved(s, design);
    await s.backend.dispatch('deploy:install', request(design, pc, { machine: 'x--yes', disk: DISK }));
    await until('the install to end', () => doneOf(s) !== undefined);
    expect(s.clan.calls.map((c) => c[2])).toEqual(['init-hardware-config', 'apply']);
    const machine = doneOf(s)!.report.machine;
    expect(machine).toMatchObject({ status: 'failed', step: 'disk' });
    expect(machine.message).toContain('Its disk was not touched');
  });

  test('cancel during the install stops Clan and says the disk may be partly erased; a deploy is refused meanwhile', async () => {
    const s = setup();
    s.clan.holdAt = 'install';
    const held = s.clan.whenHeld();
    const { design, pc } = homeDesign();
    await saved(s, design);
    const started = await s.backend.dispatch('deploy:install', request(design, pc, { machine: 'x--yes', disk: DISK }));
    if (!started.ok) throw new Error('not started');
    await held;
    const deploy = await s.backend.dispatch('deploy:start', { name: 'home.clan-design.json', design, hostKeys: 'strict' });
    expect(deploy.ok ? null : deploy.error.code).toBe('installAlreadyRunning');
    const second = await s.backend.dispatch('deploy:install', request(design, pc, { machine: 'x--yes', disk: DISK }));
    expect(second.ok ? null : second.error.code).toBe('installAlreadyRunning');
    await s.backend.dispatch('job:cancel', { jobId: (started.value as ResponseOf<'deploy:install'>).jobId });
    await until('the install to end', () => doneOf(s) !== undefined);
    expect(doneOf(s)!.outcome).toBe('cancelled');
    expect(doneOf(s)!.report.machine).toMatchObject({ status: 'cancelled', step: 'install' });
    expect(doneOf(s)!.report.machine.message).toContain('may be partly erased');
  });
});
