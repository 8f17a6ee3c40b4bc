import type { Machine } from './model/types';
import { quoteArgument } from './shellQuote';

/**
 * "Check machines" before a deploy (CLAN.md 4.6), the pure half: the fixed script that gathers every fact in one SSH
 * round-trip, the parser of its key=value output, and the evaluation of those facts against a machine of the design.
 * The SSH half (connect, run the script, turn connection errors into findings) is in main/services/checkMachines.ts.
 */

/** The checks, in the order they are shown. */
export const machineCheckIds = ['reachable', 'auth', 'hostKey', 'nixos', 'nix', 'flakes', 'arch', 'memory', 'disk', 'tun', 'root', 'systemdRun', 'clock'] as const;
/** Checks of this computer rather than of a machine. */
export const localCheckIds = ['clanCli'] as const;
export type CheckId = (typeof machineCheckIds)[number] | (typeof localCheckIds)[number];
export const checkStatuses = ['ok', 'warning', 'error', 'skipped'] as const;
export type CheckStatus = (typeof checkStatuses)[number];

/** One finding: what was found, why it matters and what to do; `command` is something to copy and run. */
export interface CheckFinding {
  id: CheckId;
  status: CheckStatus;
  message: string;
  command?: string;
}

/** The check of one machine: where it was reached, its worst status and every finding. */
export interface MachineCheckResult {
  machineId: string;
  name: string;
  /** user@host:port, or null when the design has no SSH address. */
  target: string | null;
  /** The jump machine's name when it was used. */
  via: string | null;
  /** The worst status of its findings. */
  status: CheckStatus;
  findings: CheckFinding[];
}

const severity: Record<CheckStatus, number> = { ok: 0, skipped: 1, warning: 2, error: 3 };

/** The worst status among findings ('ok' for none). */
export function worstStatus(findings: readonly { status: CheckStatus }[]): CheckStatus {
  return findings.reduce<CheckStatus>((worst, f) => (severity[f.status] > severity[worst] ? f.status : worst), 'ok');
}

/** The facts the script prints; a field is undefined when the script did not print it. */
export interface CheckFacts {
  osId?: string;
  osVersion?: string;
  osName?: string;
  unameMachine?: string;
  nixosMarker?: boolean;
  nixosVersion?: string;
  nixVersion?: string;
  nixFeatures?: string;
  memTotalKb?: number;
  diskRootFreeKb?: number;
  diskNixFreeKb?: number;
  tun?: boolean;
  uid?: number;
  /** Exit status of `sudo -n true`, or 'absent' when there is no sudo. */
  sudo?: number | 'absent';
  systemdRun?: boolean;
  /** The machine's clock, seconds since the epoch. */
  date?: number;
  /** The script ran to its end. */
  complete: boolean;
}

/**
 * The remote script: a constant with no user data, run as `sh -c SCRIPT`. It never fails part-way (every probe has
 * a fallback) and prints one key=value line per fact, then `end=1`. It reads files with the shell's own `read`
 * instead of sed/awk pipelines, so it starts five programs (uname, df, id, sudo, date) rather than dozens: on a
 * Raspberry Pi, or twenty machines at once, process start-up is most of a check's cost.
 */
export const CHECK_SCRIPT = [
  'exec 2>/dev/null',
  'PATH="$PATH:/run/current-system/sw/bin:/nix/var/nix/profiles/default/bin:/usr/sbin:/sbin"',
  'if [ -r /etc/os-release ]; then',
  '  while IFS="=" read -r k v; do',
  '    v=${v#[\\"\\\']}; v=${v%[\\"\\\']}',
  '    case $k in ID) echo "os_id=$v" ;; VERSION_ID) echo "os_version=$v" ;; PRETTY_NAME) echo "os_name=$v" ;; esac',
  '  done </etc/os-release',
  'fi',
  'echo "uname_m=$(uname -m)"',
  'if [ -e /etc/NIXOS ]; then echo nixos_marker=1; else echo nixos_marker=0; fi',
  'if command -v nixos-version >/dev/null; then echo "nixos_version=$(nixos-version)"; fi',
  'if command -v nix >/dev/null; then',
  '  echo "nix_version=$(nix --version)"',
  // One nix run where it can be (each costs tens of milliseconds): show-config, named `config show` since Nix 2.20.
  // nix-command is asked for on the command line, so it is in the list; whether flakes is there is what counts.
  '  { nix --extra-experimental-features nix-command show-config || nix --extra-experimental-features nix-command config show; } |',
  '    while IFS= read -r l; do case $l in "experimental-features = "*) echo "nix_features=${l#*= }" ;; esac; done',
  'fi',
  'while read -r k v rest; do if [ "$k" = MemTotal: ]; then echo "mem_kb=$v"; break; fi; done </proc/meminfo',
  'df -Pk / /nix | while read -r fs size used avail cap mnt; do case $mnt in /) echo "disk_root_kb=$avail" ;; /nix) echo "disk_nix_kb=$avail" ;; esac; done',
  'if [ -c /dev/net/tun ]; then echo tun=1; else echo tun=0; fi',
  'echo "uid=$(id -u)"',
  'if command -v sudo >/dev/null; then sudo -n true </dev/null >/dev/null; echo "sudo=$?"; else echo sudo=absent; fi',
  'if command -v systemd-run >/dev/null; then echo systemd_run=1; else echo systemd_run=0; fi',
  'echo "date=$(date +%s)"',
  'echo end=1',
].join('\n');

function int(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function flag(value: string | undefined): boolean | undefined {
  return value === '1' ? true : value === '0' ? false : undefined;
}

function text(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** Parses the script's output. Unknown keys and malformed lines are ignored; the first value of a key wins. */
export function parseCheckFacts(output: string): CheckFacts {
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^([a-z_]+)=(.*)$/.exec(line.replace(/\r$/, ''));
    if (match !== null && !values.has(match[1]!)) values.set(match[1]!, match[2]!);
  }
  const sudo = values.get('sudo');
  return {
    osId: text(values.get('os_id')),
    osVersion: text(values.get('os_version')),
    osName: text(values.get('os_name')),
    unameMachine: text(values.get('uname_m')),
    nixosMarker: flag(values.get('nixos_marker')),
    nixosVersion: text(values.get('nixos_version')),
    nixVersion: text(values.get('nix_version')),
    nixFeatures: values.has('nix_features') ? (values.get('nix_features') ?? '').trim() : undefined,
    memTotalKb: int(values.get('mem_kb')),
    diskRootFreeKb: int(values.get('disk_root_kb')),
    diskNixFreeKb: int(values.get('disk_nix_kb')),
    tun: flag(values.get('tun')),
    uid: int(values.get('uid')),
    sudo: sudo === 'absent' ? 'absent' : int(sudo),
    systemdRun: flag(values.get('systemd_run')),
    date: int(values.get('date')),
    complete: values.get('end') === '1',
  };
}

/** Thresholds from CLAN.md 4.6. MemTotal is a little below the installed RAM (the kernel keeps some), hence 1.9 GiB. */
export const checkThresholds = {
  memoryWarnKb: 1.9 * 1024 * 1024,
  diskWarnKb: 10 * 1024 * 1024,
  diskErrorKb: 5 * 1024 * 1024,
  clockSkewWarnSeconds: 60,
} as const;

/** uname -m → the Nix platform name the design uses. */
export function nixPlatformOf(unameMachine: string): string | undefined {
  const map: Record<string, string> = {
    x86_64: 'x86_64-linux',
    amd64: 'x86_64-linux',
    aarch64: 'aarch64-linux',
    arm64: 'aarch64-linux',
    armv7l: 'armv7l-linux',
    armv7: 'armv7l-linux',
    riscv64: 'riscv64-linux',
  };
  return map[unameMachine];
}

/** A word for a command the person copies into their own terminal: the same quoting as remote commands. */
const copyWord = quoteArgument;

function gb(kb: number): string {
  return `${(kb / 1024 / 1024).toFixed(1)} GB`;
}

/** The findings for facts gathered from a machine; `nowSeconds` is this computer's clock when they arrived. */
export function evaluateFacts(facts: CheckFacts, machine: Machine, nowSeconds: number): CheckFinding[] {
  const name = `"${machine.name}"`;
  const findings: CheckFinding[] = [];
  const add = (id: CheckId, status: CheckStatus, message: string, command?: string) => findings.push(command === undefined ? { id, status, message } : { id, status, message, command });
  const incomplete = facts.complete ? '' : ' (the check script did not finish, so this fact may be missing)';
  const unknown = (id: CheckId, what: string) => add(id, 'warning', `Could not tell ${what} on ${name}${incomplete}. Check it by hand before deploying.`);

  // NixOS
  const isNixos = facts.osId === 'nixos' || facts.nixosMarker === true;
  if (isNixos) {
    add('nixos', 'ok', `${name} runs NixOS ${facts.nixosVersion ?? facts.osVersion ?? '(version unknown)'}, so it can be updated in place.`);
  } else if (facts.osId === undefined && facts.nixosMarker === undefined) {
    unknown('nixos', 'which operating system runs');
  } else {
    const what = facts.osName ?? (facts.osId === undefined ? 'another Linux' : `${facts.osId}${facts.osVersion === undefined ? '' : ` ${facts.osVersion}`}`);
    const target = machine.ssh === null ? 'root@HOST' : `${machine.ssh.user === '' ? 'root' : machine.ssh.user}@${machine.ssh.host}`;
    const port = machine.ssh === null || machine.ssh.port === 22 ? [] : ['--target-host-port', String(machine.ssh.port)];
    add(
      'nixos',
      'error',
      `${name} is not NixOS (it runs ${what}). Deploying a Clan configuration needs NixOS, so an update cannot work. Install NixOS on it first: "clan machines install" runs nixos-anywhere over SSH, which erases the disk; or install NixOS from its ISO by hand.`,
      ['clan', 'machines', 'install', machine.name, '--target-host', target, ...port].map(copyWord).join(' '),
    );
  }

  // Nix and flakes
  if (facts.nixVersion !== undefined) {
    const match = /(\d+)\.(\d+)/.exec(facts.nixVersion);
    const old = match !== null && (Number(match[1]) < 2 || (Number(match[1]) === 2 && Number(match[2]) < 4));
    if (old) add('nix', 'warning', `${name} has ${facts.nixVersion}, older than 2.4, which has no flakes. Update Nix (or NixOS) before deploying.`);
    else add('nix', 'ok', `${name} has ${facts.nixVersion}.`);
    const features = (facts.nixFeatures ?? '').split(/\s+/);
    if (features.includes('flakes') && features.includes('nix-command')) add('flakes', 'ok', `Flakes are enabled on ${name}.`);
    else
      add(
        'flakes',
        'warning',
        `Flakes are not enabled on ${name}. The first deploy passes them on the command line and Clan turns them on for good, so this is fine; to use nix by hand before that, enable them.`,
        `export NIX_CONFIG='experimental-features = nix-command flakes'`,
      );
  } else if (isNixos) {
    add('nix', 'error', `No nix command was found on ${name}, although it runs NixOS. The deploy needs it; check the PATH of user "${machine.ssh?.user ?? 'root'}".`);
    add('flakes', 'skipped', `Flakes could not be checked on ${name} without nix.`);
  } else {
    add('nix', 'skipped', `${name} has no Nix; installing NixOS brings it.`);
    add('flakes', 'skipped', `Flakes are checked once ${name} has Nix.`);
  }

  // Architecture
  if (facts.unameMachine === undefined) unknown('arch', 'the CPU architecture');
  else {
    const platform = nixPlatformOf(facts.unameMachine);
    if (platform === undefined) add('arch', 'error', `${name} has a ${facts.unameMachine} CPU, which Clan does not support. Use another machine.`);
    else if (platform !== machine.arch) {
      add('arch', 'error', `${name} has a ${facts.unameMachine} CPU (${platform}), but the design says ${machine.arch}. A configuration built for the wrong architecture does not boot; change the machine's architecture in the design to ${platform}.`);
    } else add('arch', 'ok', `${name} is ${platform}, as the design says.`);
  }

  // Memory
  if (facts.memTotalKb === undefined) unknown('memory', 'how much memory there is');
  else if (facts.memTotalKb < checkThresholds.memoryWarnKb) {
    add('memory', 'warning', `${name} has ${gb(facts.memTotalKb)} of memory; at least 2 GB is recommended to evaluate and build the configuration there. Add swap, or build on another machine (a build host).`);
  } else add('memory', 'ok', `${name} has ${gb(facts.memTotalKb)} of memory.`);

  // Disk: /nix when it exists (that is where builds go), else /.
  const disk = facts.diskNixFreeKb ?? facts.diskRootFreeKb;
  const where = facts.diskNixFreeKb === undefined ? '/' : '/nix';
  if (disk === undefined) unknown('disk', 'how much disk space is free');
  else if (disk < checkThresholds.diskErrorKb) {
    add('disk', 'error', `${name} has only ${gb(disk)} free on ${where}; the first deploy needs at least 5 GB (10 GB recommended). Free some space or grow the disk.`, 'sudo nix-collect-garbage -d');
  } else if (disk < checkThresholds.diskWarnKb) {
    add('disk', 'warning', `${name} has ${gb(disk)} free on ${where}; 10 GB is recommended for the first build. It may run out of space; free some if you can.`, 'sudo nix-collect-garbage -d');
  } else add('disk', 'ok', `${name} has ${gb(disk)} free on ${where}.`);

  // TUN
  if (facts.tun === undefined) unknown('tun', 'whether /dev/net/tun exists');
  else if (!facts.tun) {
    add('tun', 'error', `${name} has no /dev/net/tun, so a mesh VPN cannot create its network interface there. This is common in LXC or OpenVZ containers: enable TUN for the container at the hosting provider, or use a full virtual machine.`);
  } else add('tun', 'ok', `${name} has /dev/net/tun for the VPN.`);

  // Root
  const user = machine.ssh?.user ?? 'root';
  if (facts.uid === 0) add('root', 'ok', `The deploy logs in to ${name} as root.`);
  else if (facts.uid === undefined) unknown('root', 'whether the user is root');
  else if (facts.sudo === 0) add('root', 'ok', `User "${user}" on ${name} can use sudo without a password, which the deploy needs.`);
  else {
    const why = facts.sudo === 'absent' ? 'sudo is not installed' : 'sudo asks for a password (or the user may not use it)';
    add(
      'root',
      'error',
      `User "${user}" on ${name} is not root and ${why}, so the deploy cannot activate the configuration. Log in as root instead, or allow this user passwordless sudo: add the line "${user} ALL=(ALL) NOPASSWD: ALL" with the command below (as root).`,
      'visudo -f /etc/sudoers.d/clan-deploy',
    );
  }

  // systemd-run
  if (facts.systemdRun === undefined) unknown('systemdRun', 'whether systemd-run exists');
  else if (!facts.systemdRun) add('systemdRun', isNixos ? 'error' : 'warning', `${name} has no systemd-run, which the deploy uses to activate the configuration safely. NixOS always has it; ${isNixos ? 'check the PATH of the deploy user' : 'installing NixOS brings it'}.`);
  else add('systemdRun', 'ok', `${name} has systemd-run.`);

  // Clock
  if (facts.date === undefined) unknown('clock', 'the time');
  else {
    const skew = facts.date - nowSeconds;
    if (Math.abs(skew) > checkThresholds.clockSkewWarnSeconds) {
      add(
        'clock',
        'warning',
        `The clock of ${name} is ${Math.abs(skew)} seconds ${skew > 0 ? 'ahead of' : 'behind'} this computer's. Downloads over TLS fail when a clock is far off; turn on time synchronisation (NTP) on the machine.`,
        'sudo timedatectl set-ntp true',
      );
    } else add('clock', 'ok', `The clock of ${name} is within ${checkThresholds.clockSkewWarnSeconds} seconds of this computer's.`);
  }
  return findings;
}
