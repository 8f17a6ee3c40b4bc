import { describe, expect, test } from 'vitest';
import {
  checkInstallConfirmation,
  clanApplyDiskArgv,
  clanInitHardwareArgv,
  clanInstallArgv,
  clanTargetText,
  diskByIdArgv,
  diskListArgv,
  diskPathSchema,
  diskSizeText,
  erasureSentence,
  findDisk,
  installCommands,
  isValidDiskPath,
  parseMachineDisks,
} from './install';

const lsblk = JSON.stringify({
  blockdevices: [
    { name: 'sda', size: 500107862016, model: 'Samsung SSD 860 EVO 500GB', serial: 'S3Z1NB0K123456A', type: 'disk', tran: 'sata', rm: false },
    { name: 'nvme0n1', size: 2000398934016, model: 'WD Black SN850X 2000GB', serial: '22517X800123', type: 'disk', tran: 'nvme', rm: false },
    { name: 'sdb', size: '31457280000', model: 'Cruzer Blade', serial: null, type: 'disk', tran: 'usb', rm: '1' },
    { name: 'sr0', size: 1073741312, model: 'DVD-ROM', serial: null, type: 'rom', tran: 'sata', rm: true },
    { name: 'zram0', size: 4294967296, model: null, serial: null, type: 'disk', tran: null, rm: false },
    { name: 'loop0', size: 0, model: null, serial: null, type: 'loop', tran: null, rm: false },
  ],
});

const byId = [
  'total 0',
  'lrwxrwxrwx 1 root root  9 Aug 22 10:00 ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K123456A -> ../../sda',
  'lrwxrwxrwx 1 root root 10 Aug 22 10:00 ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K123456A-part1 -> ../../sda1',
  'lrwxrwxrwx 1 root root  9 Aug 22 10:00 wwn-0x5002538e40a1b2c3 -> ../../sda',
  'lrwxrwxrwx 1 root root 13 Aug 22 10:00 nvme-WD_Black_SN850X_2000GB_22517X800123 -> ../../nvme0n1',
  'lrwxrwxrwx 1 root root 13 Aug 22 10:00 nvme-eui.e8238fa6bf530001001b448b4a1b2c3d -> ../../nvme0n1',
  'lrwxrwxrwx 1 root root  9 Aug 22 10:00 usb-SanDisk_Cruzer_Blade_4C530001$(reboot)-0:0 -> ../../sdb',
].join('\n');

describe('the disk path rule', () => {
  test('accepts /dev/disk/by-id/<id> and /dev/<name> with letters, digits and . _ : + -', () => {
    for (const path of ['/dev/sda', '/dev/nvme0n1', '/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K123456A', '/dev/disk/by-id/usb-Generic_Flash+Disk-0:0', '/dev/disk/by-id/nvme-eui.e8238fa6bf53']) {
      expect(isValidDiskPath(path), path).toBe(true);
    }
  });

  test('refuses spaces, "..", other folders, shell characters and anything outside /dev', () => {
    for (const path of ['/dev/sd a', '/dev/../etc/passwd', '/dev/disk/by-id/../../sda', '/dev/disk/by-path/pci-0000:00:1f.2-ata-1', '/dev/disk/by-id/', '/dev/', 'sda', '/tmp/sda', '/dev/sda;reboot', '/dev/$(reboot)', '/dev/sda\n', '/dev/disk/by-id/a/b', '/dev/sda`x`', '--flake']) {
      expect(isValidDiskPath(path), JSON.stringify(path)).toBe(false);
    }
    expect(diskPathSchema.safeParse('/dev/sd a').success).toBe(false);
    expect(diskPathSchema.safeParse('/dev/sda').success).toBe(true);
  });
});

describe('the clan commands, as argument lists', () => {
  test('the hardware report, the disk layout and the install, each with --flake', () => {
    expect(clanInitHardwareArgv('/w/home.clan', 'nas', 'admin@nas.lan:2222')).toEqual(['clan', 'machines', 'init-hardware-config', 'nas', '--target-host', 'admin@nas.lan:2222', '--backend', 'nixos-facter', '--yes', '--flake', '/w/home.clan']);
    expect(clanApplyDiskArgv('/w/home.clan', 'nas', '/dev/disk/by-id/ata-X')).toEqual(['clan', 'templates', 'apply', 'disk', 'ext4-single-disk', 'nas', '--set', 'mainDisk', '/dev/disk/by-id/ata-X', '--force', '--flake', '/w/home.clan']);
    expect(clanInstallArgv('/w/home.clan', 'nas', 'root@nas.lan:2222')).toEqual(['clan', 'machines', 'install', 'nas', '--target-host', 'root@nas.lan:2222', '--yes', '--flake', '/w/home.clan']);
  });

  test('installCommands: the login user for the hardware report, root for the install, a jump host as ProxyJump', () => {
    const commands = installCommands({ flakeDir: '/w/my designs/home.clan', machine: 'x--yes', disk: '/dev/disk/by-id/usb-A:0+1-0:0', login: { user: 'admin', host: '192.168.1.20', port: 22, jump: { user: 'root', host: 'vps.example.org', port: 2222 } } })!;
    expect(commands.login).toBe('admin@192.168.1.20?ProxyJump=root@vps.example.org:2222');
    expect(commands.root).toBe('root@192.168.1.20?ProxyJump=root@vps.example.org:2222');
    expect(commands.hardware).toEqual(['clan', 'machines', 'init-hardware-config', 'x--yes', '--target-host', commands.login, '--backend', 'nixos-facter', '--yes', '--flake', '/w/my designs/home.clan']);
    expect(commands.disk).toContain('/dev/disk/by-id/usb-A:0+1-0:0');
    expect(commands.install).toEqual(['clan', 'machines', 'install', 'x--yes', '--target-host', commands.root, '--yes', '--flake', '/w/my designs/home.clan']);
  });

  test('refuses names, disks and addresses Clan would read as something else', () => {
    const ok = { flakeDir: '/w/h.clan', machine: 'nas', disk: '/dev/sda', login: { user: 'root', host: 'nas.lan', port: 22 } };
    expect(installCommands(ok)).not.toBeNull();
    expect(installCommands({ ...ok, machine: '--flake' })).toBeNull();
    expect(installCommands({ ...ok, machine: 'Nas' })).toBeNull();
    expect(installCommands({ ...ok, disk: '/dev/sda b' })).toBeNull();
    expect(installCommands({ ...ok, login: { ...ok.login, host: 'nas.lan?ProxyCommand=reboot' } })).toBeNull();
    expect(installCommands({ ...ok, login: { ...ok.login, user: 'a@b' } })).toBeNull();
    expect(installCommands({ ...ok, login: { ...ok.login, jump: { user: 'root', host: 'a&b', port: 22 } } })).toBeNull();
  });

  test('IPv6 addresses go in brackets; port 22 is left out', () => {
    expect(clanTargetText({ user: 'root', host: 'fd00::5', port: 22 })).toBe('root@[fd00::5]');
    expect(clanTargetText({ user: 'root', host: 'fd00::5', port: 2200 })).toBe('root@[fd00::5]:2200');
  });

  test('the disk listing is read-only', () => {
    expect(diskListArgv()).toEqual(['lsblk', '--json', '--nodeps', '--bytes', '-o', 'NAME,SIZE,MODEL,SERIAL,TYPE,TRAN,RM']);
    expect(diskByIdArgv()).toEqual(['ls', '-l', '/dev/disk/by-id']);
  });
});

describe('the machine’s disks', () => {
  test('whole disks only, biggest first, each with its by-id names and the path the install uses', () => {
    const disks = parseMachineDisks(lsblk, byId)!;
    expect(disks.map((d) => d.name)).toEqual(['nvme0n1', 'sda', 'sdb']);
    const sda = disks.find((d) => d.name === 'sda')!;
    expect(sda).toEqual({
      name: 'sda',
      devPath: '/dev/sda',
      byId: ['/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K123456A', '/dev/disk/by-id/wwn-0x5002538e40a1b2c3'],
      path: '/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K123456A',
      sizeBytes: 500107862016,
      model: 'Samsung SSD 860 EVO 500GB',
      serial: 'S3Z1NB0K123456A',
      transport: 'sata',
      removable: false,
    });
    // A by-id name with characters the rule refuses is listed but never chosen: the /dev name is used instead.
    const usb = disks.find((d) => d.name === 'sdb')!;
    expect(usb.removable).toBe(true);
    expect(usb.sizeBytes).toBe(31457280000);
    expect(usb.path).toBe('/dev/sdb');
    expect(findDisk(disks, '/dev/disk/by-id/wwn-0x5002538e40a1b2c3')?.name).toBe('sda');
    expect(findDisk(disks, '/dev/sdc')).toBeUndefined();
  });

  test('a machine without /dev/disk/by-id lists its disks by /dev name; unreadable lsblk output is null', () => {
    expect(parseMachineDisks(JSON.stringify({ blockdevices: [{ name: 'vda', size: 274877906944, model: null, serial: null, type: 'disk', tran: null, rm: false }] }), '')).toEqual([
      { name: 'vda', devPath: '/dev/vda', byId: [], path: '/dev/vda', sizeBytes: 274877906944, model: null, serial: null, transport: null, removable: false },
    ]);
    expect(parseMachineDisks('lsblk: unknown column', '')).toBeNull();
    expect(parseMachineDisks('{"devices":[]}', '')).toBeNull();
  });

  test('sizes as vendors label them, and the sentence the person reads before confirming', () => {
    expect(diskSizeText(500107862016)).toBe('500 GB');
    expect(diskSizeText(2000398934016)).toBe('2.0 TB');
    expect(diskSizeText(31457280000)).toBe('31.5 GB');
    expect(diskSizeText(512)).toBe('512 B');
    expect(erasureSentence('nas', '/dev/sda', { sizeBytes: 500107862016, model: 'Samsung SSD' })).toBe('This erases every file on /dev/sda (500 GB Samsung SSD) of nas and installs NixOS with its configuration.');
  });
});

describe('the confirmation', () => {
  const expected = { machine: 'nas', disk: '/dev/disk/by-id/ata-X' };
  test('passes only with the machine’s exact name and the chosen disk', () => {
    expect(checkInstallConfirmation({ machine: 'nas', disk: '/dev/disk/by-id/ata-X' }, expected)).toEqual({ ok: true });
  });

  test('refuses a missing confirmation, another name (case, spaces) or another disk, saying which', () => {
    expect(checkInstallConfirmation(undefined, expected)).toEqual({ ok: false, mismatch: 'missing' });
    expect(checkInstallConfirmation({ machine: 'NAS', disk: expected.disk }, expected)).toEqual({ ok: false, mismatch: 'machine' });
    expect(checkInstallConfirmation({ machine: ' nas', disk: expected.disk }, expected)).toEqual({ ok: false, mismatch: 'machine' });
    expect(checkInstallConfirmation({ machine: 'nas', disk: '/dev/sda' }, expected)).toEqual({ ok: false, mismatch: 'disk' });
    expect(checkInstallConfirmation({ machine: 'pc', disk: '/dev/sda' }, expected)).toEqual({ ok: false, mismatch: 'both' });
  });
});
