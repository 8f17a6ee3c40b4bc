import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { designBuilder } from '../../shared/model/designBuilder';
import type { Design } from '../../shared/model/types';
import { serializeDesign } from '../../shared/schema/envelope';
import { TestInterrupts } from './deployTestDoubles';
import { runInstallCommand, type InstallCommandDeps } from './installCommand';
import { ClanProgramDouble, ScriptedDiskMachines } from './installTestDoubles';
import { runCli } from './run';

// `clan-designer install`: the install job on the command line. The `clan` program and the machines' disks over SSH
// are TEST DOUBLES (installTestDoubles.ts): no NixOS or nixos-anywhere can run here. The job engine, the install
// service, the confirmation and the argument lists are the app's own.

const DISK = '/dev/disk/by-id/ata-Samsung_SSD_860_S3Z1';

function designFile(): { dir: string; file: string } {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  b.machine('pc', home, 'desktop');
  b.admin(home);
  const design: Design = b.design;
  const dir = mkdtempSync(join(tmpdir(), 'install-cli-'));
  const file = join(dir, 'home.clan-design.json');
  writeFileSync(file, serializeDesign(design, '0.0.0'));
  return { dir, file };
}

async function install(argv: string[], deps: InstallCommandDeps = {}) {
  let stdout = '';
  let stderr = '';
  const clan = new ClanProgramDouble();
  const machines = new ScriptedDiskMachines({
    'pc.lan': {
      disks: [
        { name: 'sda', size: 500107862016, model: 'Samsung SSD 860', serial: 'S3Z1', tran: 'sata' },
        { name: 'sdb', size: 31457280000, model: 'Flash Disk', tran: 'usb', rm: true },
      ],
      byId: { 'ata-Samsung_SSD_860_S3Z1': 'sda' },
    },
  });
  const code = await runInstallCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, {
    createSsh: machines.createSsh,
    hasLocalClan: async () => true,
    runLocal: clan.runLocal,
    env: { CLAN_DESIGNER_DATA_DIR: mkdtempSync(join(tmpdir(), 'install-cli-data-')) },
    homeDir: tmpdir(),
    terminal: { stdin: false },
    interrupts: new TestInterrupts(),
    exitNow: () => undefined,
    ...deps,
  });
  return { code, stdout, stderr, clan, machines };
}

describe('clan-designer install', () => {
  test('without --disk it lists the machine’s disks and changes nothing', async () => {
    const { dir, file } = designFile();
    const result = await install([file, '--machine', 'pc']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Disks of pc (root@pc.lan):');
    expect(result.stdout).toMatch(/ {2}\/dev\/disk\/by-id\/ata-Samsung_SSD_860_S3Z1 {2}500 GB +Samsung SSD 860 {2}sata, serial S3Z1, sda/);
    expect(result.stdout).toMatch(/ {2}\/dev\/sdb +31\.5 GB {2}Flash Disk +usb, removable, sdb/);
    expect(result.clan.calls).toEqual([]);
    expect(existsSync(join(dir, 'home.clan'))).toBe(false);
    const json = await install([file, '--machine', 'pc', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, machine: 'pc', disks: [{ path: DISK, sizeBytes: 500107862016 }, { path: '/dev/sdb' }] });
  });

  test('off a terminal it needs --confirm-erase NAME:DISK, exactly; nothing runs otherwise', async () => {
    const { file } = designFile();
    const none = await install([file, '--machine', 'pc', '--disk', DISK]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`add --confirm-erase pc:${DISK}`);
    for (const flag of [`PC:${DISK}`, `pc:/dev/sda`, 'pc', `pc:${DISK} `]) {
      const wrong = await install([file, '--machine', 'pc', '--disk', DISK, '--confirm-erase', flag]);
      expect(wrong.code, flag).toBe(2);
      expect(wrong.stderr, flag).toContain('--confirm-erase must be exactly');
      expect(wrong.clan.calls).toEqual([]);
    }
    const badDisk = await install([file, '--machine', 'pc', '--disk', '/dev/sd a', '--confirm-erase', 'pc:/dev/sd a']);
    expect(badDisk.code).toBe(2);
    expect(badDisk.stderr).toContain('cannot be used as the disk');
  });

  test('with --confirm-erase it runs the three clan commands, printing each line; exit 0', async () => {
    const { dir, file } = designFile();
    const result = await install([file, '--machine', 'pc', '--disk', DISK, '--confirm-erase', `pc:${DISK}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.clan.calls.map((c) => c.slice(0, 4))).toEqual([
      ['clan', 'machines', 'init-hardware-config', 'pc'],
      ['clan', 'templates', 'apply', 'disk'],
      ['clan', 'machines', 'install', 'pc'],
    ]);
    expect(result.stdout).toMatch(/Z pc: step 4\/4 Erase the disk and install NixOS\n/);
    expect(result.stdout).toContain('pc | clan test double: machines install pc');
    expect(result.stdout).toContain('Installed: NixOS is installed on pc');
    expect(result.stdout).toContain(`Kept in ${join(dir, 'home.installs')}/`);
  });

  test('on a terminal it asks for the machine’s name: another answer installs nothing (exit 1), the name installs', async () => {
    const { file } = designFile();
    const questions: string[] = [];
    const wrong = await install([file, '--machine', 'pc', '--disk', DISK], { terminal: { stdin: true }, askLine: async (q) => (questions.push(q), 'yes') });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(`This erases every file on ${DISK} (500 GB Samsung SSD 860) of pc and installs NixOS with its configuration.`);
    expect(questions).toEqual([`Type the machine's name (pc) to erase ${DISK} and install NixOS, or anything else to stop: `]);
    expect(wrong.clan.calls).toEqual([]);
    const right = await install([file, '--machine', 'pc', '--disk', DISK], { terminal: { stdin: true }, askLine: async () => 'pc' });
    expect(right.code).toBe(0);
    expect(right.clan.calls).toHaveLength(3);
    const interrupted = await install([file, '--machine', 'pc', '--disk', DISK], { terminal: { stdin: true }, askLine: async () => null });
    expect(interrupted.code).toBe(130);
    expect(interrupted.clan.calls).toEqual([]);
  });

  test('a failed clan command exits 1 and says what to do; no clan CLI here exits 3 and says how to install instead', async () => {
    const { file } = designFile();
    const clan = new ClanProgramDouble();
    clan.failAt = { step: 'hardware', code: 1, stderr: 'kexec failed' };
    const failedRun = await install([file, '--machine', 'pc', '--disk', DISK, '--confirm-erase', `pc:${DISK}`], { runLocal: clan.runLocal });
    expect(failedRun.code).toBe(1);
    expect(failedRun.stdout).toContain('Failed: “Read the hardware');
    expect(failedRun.stdout).toContain('What to do: Restarting it brings back its own system.');
    const noClan = await install([file, '--machine', 'pc', '--disk', DISK, '--confirm-erase', `pc:${DISK}`], { hasLocalClan: async () => false });
    expect(noClan.code).toBe(3);
    expect(noClan.stderr).toContain('install NixOS on the machine from its installer image yourself');
    expect(noClan.clan.calls).toEqual([]);
  });

  test('an unknown machine or a missing --machine is a usage error; install has --help', async () => {
    const { file } = designFile();
    const unknown = await install([file, '--machine', 'nas']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('The design has no machine named "nas". Its managed machines: pc.');
    expect((await install([file])).code).toBe(2);
    let out = '';
    expect(await runCli(['install', '--help'], { stdout: (t) => (out += t), stderr: () => undefined })).toBe(0);
    expect(out).toMatch(/^Usage: clan-designer install/);
  });
});
