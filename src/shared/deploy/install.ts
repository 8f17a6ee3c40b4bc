import { z } from 'zod';
import { jobOutcomes } from '../ipc/jobs';
import { isHostOrAddress, isIPv6, machineNamePattern } from '../validation/syntax';

// Installing NixOS on a machine that does not run it yet: Clan's own install flow, as the argument lists the app runs
// (never shell strings), the strict rule for the disk that gets erased, and the confirmation that must name the
// machine and that disk exactly. Installing is its own action, never part of a deploy: `clan machines install`
// erases the disk.
//
// The clan CLI as read in clan-core (github.com/clan-lol/clan-core, commit d7c35d91, 2026-08-22):
// - pkgs/clan-cli/clan_cli/machines/hardware.py: `init-hardware-config MACHINE --target-host user@host:port
//   [--backend nixos-facter|nixos-generate-config] [-y/--yes]`. It kexecs the machine into a NixOS installer in
//   memory (nixos-anywhere --phases kexec) and writes machines/<m>/facter.json. `update-hardware-config` instead runs
//   nixos-facter on the running system, which clan_lib/machines/hardware.py says "only works on nixos / clan
//   systems", so a machine that is not NixOS yet needs `init-hardware-config`.
// - pkgs/clan-cli/clan_cli/templates/apply_disk.py: `templates apply disk TEMPLATE MACHINE --set PLACEHOLDER VALUE
//   [--force]`. The single-disk template is called `ext4-single-disk` since clan-core commit 977f101e6
//   ("templates/disk: Renamed single-disk"); its placeholder is `mainDisk`. clan_lib/templates/disk.py checks the value
//   against the facter report: the disk's first /dev/disk/by-id name, else its first device name.
// - pkgs/clan-cli/clan_cli/machines/install.py: `install MACHINE --target-host user@host:port [--yes]`.
// - pkgs/clan-cli/clan_cli/cli.py (add_common_flags): every leaf command takes `--flake PATH`.
// - `--target-host` is parsed by clan_lib/ssh/remote.py (_parse_ssh_uri): `[user@]host[:port][?option=value&...]`,
//   IPv6 in brackets; options go to ssh (nixos-anywhere --ssh-option), which is how a jump host is passed.
// The app always passes --yes: the job has no terminal, and the app's own confirmation (the machine's name typed and
// the disk chosen) is the stricter one.

/** The disk layout the app applies: one disk, ext4 (clan-core templates/disk/ext4-single-disk). */
export const INSTALL_DISK_TEMPLATE = 'ext4-single-disk';

/** Characters a disk's name may have (`/dev/<name>` or `/dev/disk/by-id/<name>`). */
const DISK_NAME = /^[A-Za-z0-9._:+-]+$/;

/**
 * Whether a path names a whole disk the app may hand to the install: `/dev/disk/by-id/<id>` or `/dev/<name>`, with only
 * letters, digits and `. _ : + -` in the name, no `..` and no other folders. Anything else is refused before any
 * command is built.
 */
export function isValidDiskPath(path: string): boolean {
  if (path.length > 255 || path.includes('..')) return false;
  const name = path.startsWith('/dev/disk/by-id/') ? path.slice('/dev/disk/by-id/'.length) : path.startsWith('/dev/') ? path.slice('/dev/'.length) : null;
  return name !== null && name !== '' && DISK_NAME.test(name);
}

/** A disk path that follows isValidDiskPath. */
export const diskPathSchema = z.string().max(255).refine(isValidDiskPath, 'a disk is /dev/disk/by-id/<id> or /dev/<name>, with only letters, digits and . _ : + -');

/** How the app logs in to a machine, as Clan's --target-host takes it. */
export interface ClanSshTarget {
  user: string;
  host: string;
  port: number;
  /** The jump host drawn in the design, passed to ssh as ProxyJump. */
  jump?: { user: string; host: string; port: number };
}

/** A login name Clan and ssh take as it is (no '@', '?', '&' or spaces). */
const SSH_USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

function endpointText(user: string, host: string, port: number): string | null {
  if (!SSH_USER.test(user) || !isHostOrAddress(host) || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return `${user}@${isIPv6(host) ? `[${host}]` : host}${port === 22 ? '' : `:${port}`}`;
}

/**
 * The --target-host of a machine: `user@host[:port]`, with `?ProxyJump=user@jump[:port]` when the design draws a jump
 * host. Null when a part has characters Clan's parser would read as something else (the URI's '?', '&', '@').
 */
export function clanTargetText(target: ClanSshTarget): string | null {
  const main = endpointText(target.user, target.host, target.port);
  if (main === null) return null;
  if (target.jump === undefined) return main;
  const jump = endpointText(target.jump.user, target.jump.host, target.jump.port);
  return jump === null ? null : `${main}?ProxyJump=${jump}`;
}

/**
 * The hardware report: kexecs the machine into a NixOS installer in memory and writes machines/<m>/facter.json (the
 * report the disk layout is checked against). Nothing is written to the machine's disks yet.
 */
export function clanInitHardwareArgv(flakeDir: string, machine: string, target: string): string[] {
  return ['clan', 'machines', 'init-hardware-config', machine, '--target-host', target, '--backend', 'nixos-facter', '--yes', '--flake', flakeDir];
}

/**
 * The disk layout: writes machines/<m>/disko.nix for the chosen disk. `--force` replaces a layout from an earlier
 * attempt, so the layout always names the disk the person confirmed this time.
 */
export function clanApplyDiskArgv(flakeDir: string, machine: string, disk: string): string[] {
  return ['clan', 'templates', 'apply', 'disk', INSTALL_DISK_TEMPLATE, machine, '--set', 'mainDisk', disk, '--force', '--flake', flakeDir];
}

/** The install itself (nixos-anywhere): erases the disk, installs NixOS with the machine's configuration, reboots. */
export function clanInstallArgv(flakeDir: string, machine: string, target: string): string[] {
  return ['clan', 'machines', 'install', machine, '--target-host', target, '--yes', '--flake', flakeDir];
}

/** What the three commands need. */
export interface InstallCommandInput {
  flakeDir: string;
  machine: string;
  disk: string;
  /** How the app logs in now (the hardware report's first connection). */
  login: ClanSshTarget;
}

/**
 * The three commands of an install, in order; null when the machine name, the disk or the address cannot be passed
 * safely. The install logs in as root: after init-hardware-config the machine runs nixos-anywhere's installer in
 * memory, where only root logs in (with the key Clan put there), and nixos-anywhere's first phase would try the old
 * login user otherwise (nixos-anywhere src/nixos-anywhere.sh switches to root@ only after its own kexec).
 */
export function installCommands(input: InstallCommandInput): { hardware: string[]; disk: string[]; install: string[]; login: string; root: string } | null {
  if (!machineNamePattern.test(input.machine) || !isValidDiskPath(input.disk)) return null;
  const login = clanTargetText(input.login);
  const root = clanTargetText({ ...input.login, user: 'root' });
  if (login === null || root === null) return null;
  return {
    hardware: clanInitHardwareArgv(input.flakeDir, input.machine, login),
    disk: clanApplyDiskArgv(input.flakeDir, input.machine, input.disk),
    install: clanInstallArgv(input.flakeDir, input.machine, root),
    login,
    root,
  };
}

/** Lists the machine's whole disks (no partitions), sizes in bytes; read-only. */
export function diskListArgv(): string[] {
  return ['lsblk', '--json', '--nodeps', '--bytes', '-o', 'NAME,SIZE,MODEL,SERIAL,TYPE,TRAN,RM'];
}

/** Lists the stable names of the machine's disks; read-only. A machine without the folder answers with an error. */
export function diskByIdArgv(): string[] {
  return ['ls', '-l', '/dev/disk/by-id'];
}

/** One disk of a machine, as the install dialog and the command line list it. */
export const machineDiskSchema = z.object({
  /** The kernel's name: sda, nvme0n1, vda. */
  name: z.string().max(255),
  /** /dev/<name>. */
  devPath: z.string().max(255),
  /** Its /dev/disk/by-id names, sorted. */
  byId: z.array(z.string().max(300)).max(64),
  /**
   * The path the install uses: the first by-id name (the one Clan's disk template expects), else /dev/<name>; null when
   * neither follows the disk path rule (then it cannot be picked).
   */
  path: z.string().max(255).nullable(),
  sizeBytes: z.number().min(0),
  model: z.string().max(300).nullable(),
  serial: z.string().max(300).nullable(),
  /** How it is attached: sata, nvme, usb, ...; null when unknown. */
  transport: z.string().max(60).nullable(),
  removable: z.boolean(),
});
export type MachineDisk = z.infer<typeof machineDiskSchema>;

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

/** lsblk's JSON: older versions write numbers and booleans as strings. */
function lsblkRows(stdout: string): { name: string; size: number; model: string | null; serial: string | null; type: string | null; tran: string | null; rm: boolean }[] | null {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    return null;
  }
  const devices = (json as { blockdevices?: unknown } | null)?.blockdevices;
  if (!Array.isArray(devices)) return null;
  return devices.flatMap((d: Record<string, unknown>) => {
    const name = text(d?.name);
    const size = typeof d?.size === 'number' ? d.size : typeof d?.size === 'string' && /^\d+$/.test(d.size) ? Number(d.size) : null;
    if (name === null || size === null) return [];
    const rm = d.rm === true || d.rm === 1 || d.rm === '1' || d.rm === 'true';
    return [{ name, size, model: text(d.model), serial: text(d.serial), type: text(d.type), tran: text(d.tran), rm }];
  });
}

/** The by-id links of `ls -l /dev/disk/by-id`: link name -> kernel name it points to ("../../sda" -> "sda"). */
export function parseDiskById(stdout: string): Map<string, string> {
  const links = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = / ([^ /]+) -> (?:\.\.\/)*([^ /]+)$/.exec(line.trim());
    if (match !== null) links.set(match[1]!, match[2]!);
  }
  return links;
}

/**
 * The machine's disks from lsblk's JSON and the by-id listing, biggest first: whole disks only (no partitions, CD
 * drives, loop or RAM devices, nothing of size 0). Null when lsblk's output cannot be read.
 */
export function parseMachineDisks(lsblkJson: string, byIdListing: string): MachineDisk[] | null {
  const rows = lsblkRows(lsblkJson);
  if (rows === null) return null;
  const links = parseDiskById(byIdListing);
  return rows
    .filter((r) => r.type === 'disk' && r.size > 0 && !/^(loop|ram|zram)\d/.test(r.name) && DISK_NAME.test(r.name))
    .map((r) => {
      const byId = [...links].filter(([, target]) => target === r.name).map(([link]) => `/dev/disk/by-id/${link}`).sort();
      const devPath = `/dev/${r.name}`;
      const path = byId.find(isValidDiskPath) ?? (isValidDiskPath(devPath) ? devPath : null);
      return { name: r.name, devPath, byId, path, sizeBytes: r.size, model: r.model, serial: r.serial, transport: r.tran, removable: r.rm };
    })
    .sort((a, b) => b.sizeBytes - a.sizeBytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The disk of a list a path names (its /dev path or one of its by-id names), or undefined. */
export function findDisk(disks: readonly MachineDisk[], path: string): MachineDisk | undefined {
  return disks.find((d) => d.devPath === path || d.byId.includes(path) || d.path === path);
}

/** A disk's size as vendors label it (decimal units): "500 GB", "2.0 TB", "64.0 GB". */
export function diskSizeText(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** "500 GB Samsung SSD 860" (size and model; the model when known). */
export function diskLabel(disk: Pick<MachineDisk, 'sizeBytes' | 'model'>): string {
  return `${diskSizeText(disk.sizeBytes)}${disk.model === null ? '' : ` ${disk.model}`}`;
}

/** What the person confirmed: the machine's name as typed and the disk as chosen. */
export const installConfirmationSchema = z.object({ machine: z.string().max(300), disk: z.string().max(300) }).strict();
export type InstallConfirmation = z.infer<typeof installConfirmationSchema>;

/**
 * Whether a confirmation names exactly this machine and this disk (no trimming, no case folding). `mismatch` says what
 * did not match.
 */
export function checkInstallConfirmation(confirm: InstallConfirmation | undefined, expected: { machine: string; disk: string }): { ok: true } | { ok: false; mismatch: 'missing' | 'machine' | 'disk' | 'both' } {
  if (confirm === undefined) return { ok: false, mismatch: 'missing' };
  const machine = confirm.machine === expected.machine;
  const disk = confirm.disk === expected.disk;
  if (machine && disk) return { ok: true };
  return { ok: false, mismatch: !machine && !disk ? 'both' : machine ? 'disk' : 'machine' };
}

/** The sentence the dialog and the command line show before the person confirms. */
export function erasureSentence(machine: string, disk: string, info: Pick<MachineDisk, 'sizeBytes' | 'model'> | undefined): string {
  return `This erases every file on ${disk}${info === undefined ? '' : ` (${diskLabel(info)})`} of ${machine} and installs NixOS with its configuration.`;
}

/** The steps of an install, in order. */
export const installStepIds = ['connect', 'hardware', 'disk', 'install'] as const;
export type InstallStepId = (typeof installStepIds)[number];

/** What each step does, as the progress shows it. */
export const installStepLabels: Record<InstallStepId, string> = {
  connect: 'Connect over SSH and find the disk',
  hardware: 'Read the hardware (the machine restarts into a NixOS installer in memory)',
  disk: 'Write the disk layout for the chosen disk',
  install: 'Erase the disk and install NixOS',
};

/**
 * How an install ended. `installed`: clan machines install finished (the machine reboots into NixOS). `failed`: a step
 * failed; the message says whether the disk was touched. `cancelled`: stopped by the person.
 */
export const installStatuses = ['installed', 'failed', 'cancelled'] as const;
export type InstallStatus = (typeof installStatuses)[number];

/** The install's result for its machine. */
export const installMachineResultSchema = z.object({
  machineId: z.string(),
  name: z.string(),
  status: z.enum(installStatuses),
  /** The step it stopped at, or null. */
  step: z.enum(installStepIds).nullable(),
  message: z.string().max(4000),
  whatToDo: z.string().max(2000).nullable(),
  disk: z.string().max(300),
});
export type InstallMachineResult = z.infer<typeof installMachineResultSchema>;

/** The report of one install, kept as `<name>.installs/<run id>/install.json`. */
export const installReportSchema = z.object({
  kind: z.literal('clan-designer-install'),
  version: z.literal(1),
  runId: z.string().regex(/^[0-9a-z-]{1,80}$/),
  startedAt: z.number(),
  finishedAt: z.number(),
  outcome: z.enum(jobOutcomes),
  machine: installMachineResultSchema,
  /** The --target-host of the hardware report and of the install, as passed to Clan. */
  target: z.object({ login: z.string().max(600), install: z.string().max(600) }).nullable(),
  /** The commands that ran (or were to run), in order. */
  commands: z.array(z.array(z.string().max(2000)).max(40)).max(10),
});
export type InstallReport = z.infer<typeof installReportSchema>;
