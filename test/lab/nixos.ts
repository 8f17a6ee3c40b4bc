import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The SSH lab's NixOS stand-in: lab hosts that look and behave like NixOS for the commands the deploy runs
 * (docs/deploy.md), while SSH, SFTP, sudo, the jump host, files, processes and the network stay real. NixOS cannot
 * run on the build machines, so the NixOS-only commands are TEST DOUBLES (test/lab/nixos/doubles/), named as such.
 *
 * Each stand-in host has a first process, test/lab/nixos/machine.sh, started in the host's network namespace and in
 * a mount namespace of its own; the host's sshd joins its namespaces (nsenter), so every session sees this host's
 * own /run (a fresh tmpfs), /nix, /home, /var/lib, /usr/local/bin (the doubles) and /etc/os-release (NixOS 25.11,
 * the lab's stand-in), backed by folders under the host's lab folder. Nothing is mounted outside those namespaces:
 * the mounts go when the namespace's last process does (teardown kills every process of the lab's namespaces).
 * The only change outside is an empty /nix folder as a mount point when this computer has none; the lab record
 * lists it, and the last lab that uses it removes it.
 *
 * The tests read what the doubles recorded and set fault switches through NixosStandIn (LabHost.nixos).
 *
 * A test can also stand in for the service activation of a switch (NixosStandIn.onSwitch): while it listens,
 * `switch-to-configuration switch` (the double) asks the test process, over files in the host's
 * /var/lib/cnd-lab/switch-hook/, to (re)start what the activated system runs, and waits for the answer before it
 * returns, as NixOS's activation starts the system's units before the switch ends. test/lab/overlays.ts uses it to
 * start the VPN daemon from the deployed configuration (registerOverlayOnSwitch).
 */

const run = promisify(execFile);

/** How a host stands in for NixOS. */
export interface NixosHostOptions {
  /**
   * Whether nix-command and flakes are enabled in the host's Nix settings (as on a machine Clan installed). Default
   * false, as on a fresh NixOS: commands then need `--extra-experimental-features "nix-command flakes"`.
   */
  flakes?: boolean;
  /**
   * Whether the host was installed with a first system (generation 1 of the system profile, running at boot).
   * Default true. Without one the host has no /run/current-system: a machine this deploy sees for the first time.
   */
  initialSystem?: boolean;
}

/** A fault switch for the deploy's fault tests. Build faults replace each other; the others add up. */
export type NixosFault =
  /** `nix build` fails with this message (Nix's "builder failed" error around it) on standard error. */
  | { kind: 'buildFails'; message?: string }
  /** `nix build` hangs until killed (for at most `seconds`, default an hour, so a lost one cannot outlive the lab by much). */
  | { kind: 'buildHangs'; seconds?: number }
  /** `nix build` takes `seconds` (recorded as the doubles' own sleep, see sleeps()). */
  | { kind: 'buildTakes'; seconds: number }
  /** `switch-to-configuration` takes `seconds` before it switches (recorded as the doubles' own sleep). */
  | { kind: 'switchTakes'; seconds: number }
  /**
   * `switch-to-configuration switch` to a system other than the running one takes eth0 down right after the switch
   * (the new configuration cut the machine off); switching back to the system that ran before brings it up again.
   */
  | { kind: 'linkDropsOnSwitch' }
  /**
   * The disk fills: a tmpfs of `bytes` (default 16 KiB; whole 4 KiB pages) over the user's flake folder for `clan`,
   * ~/.local/share/clan-network-designer/flakes/<clan>. While it is on, the folder starts empty; clearFaults()
   * unmounts it and what was there before shows again.
   */
  | { kind: 'diskFull'; user: string; clan: string; bytes?: number };

/** One call of a double, as it recorded itself. */
export interface NixosCall {
  /** Seconds since the epoch. */
  time: number;
  /** Which double: nix, nix-env, switch-to-configuration, systemd-run, systemctl, nixos-version. */
  command: string;
  /** The path it ran as ($0): a system's own copy shows which system, e.g. <system>/bin/switch-to-configuration. */
  argv0: string;
  /** Effective user id (0 under sudo). */
  uid: number;
  /** The arguments, byte for byte. */
  args: string[];
  /** The variables the deploy passes that were set: SOPS_AGE_KEY_FILE, NIXOS_INSTALL_BOOTLOADER, LOCALE_ARCHIVE, SUDO_USER. */
  env: Record<string, string>;
}

/** A sleep of a double (a fault switch): how long was asked for and how long it took. */
export interface NixosSleep {
  time: number;
  command: string;
  seconds: number;
  measuredSeconds: number;
}

/** Something the doubles did besides being called: link-down, link-up, timer-elapsed, timer-stopped, ... */
export interface NixosEvent {
  time: number;
  what: string;
  details: string[];
}

/**
 * What `switch-to-configuration switch` (the double) asks a test that listens (NixosStandIn.onSwitch) once the
 * system is switched: to do what the activation of that system would start or stop.
 */
export interface NixosSwitchRequest {
  /** The system switched to (/nix/store/...-nixos-system-<machine>-...). */
  system: string;
  /** The machine the system was built for (its `machine` file); empty for a system without one. */
  machine: string;
  /**
   * The flake folder the system was built from, as the host sees it (the nix double notes it in the system's
   * `flake` file), or null for a system that was not built from one (the host's first system, installed by hand).
   */
  flakeDir: string | null;
  /** The system that ran before, or null. */
  previous: string | null;
}

/** What the test answers: whether the system's units started, and the lines the switch prints (its output or, when not ok, its errors). */
export interface NixosSwitchAnswer {
  ok: boolean;
  lines: string[];
}

/** A test's stand-in for the service activation of a switch; a throw is answered as a failed unit start with its message. */
export type NixosSwitchHandler = (request: NixosSwitchRequest) => Promise<NixosSwitchAnswer>;

/** A transient unit of the systemd-run double. */
export interface NixosUnit {
  name: string;
  kind: 'timer' | 'service';
  /** Timer units: waiting (not fired yet), elapsed (fired) or stopped. */
  timer?: 'waiting' | 'elapsed' | 'stopped';
  service: 'inactive' | 'starting' | 'running' | 'exited' | 'stopped';
  /** How the service ended: success, `exit-code N` or `signal N`. */
  result?: string;
  command: string[];
  stdout: string;
  stderr: string;
}

/** The lab API of one NixOS stand-in host (LabHost.nixos). */
export interface NixosStandIn {
  /** Turns a fault switch on; see NixosFault. */
  setFault(fault: NixosFault): Promise<void>;
  /** Turns every fault switch off: unmounts full disks and brings a link the switch dropped up again. */
  clearFaults(): Promise<void>;
  /** The argument lists of every call of `command`, oldest first. */
  recorded(command: string): string[][];
  /** Every call of every double, oldest first. */
  calls(): NixosCall[];
  /** The doubles' own sleeps (fault switches), to subtract from a wall time. */
  sleeps(): NixosSleep[];
  events(): NixosEvent[];
  /** The generation the system profile points at, or null before the first. */
  generation(): number | null;
  /** Every generation of the system profile with the system it points at. */
  generations(): { generation: number; system: string }[];
  /** What /run/current-system points at, or null (no system yet, or the machine is down). */
  currentSystem(): string | null;
  /** The system switch-to-configuration last made the boot entry, or null. */
  bootSystem(): string | null;
  /** The transient units of the systemd-run double, as the host's service manager stand-in keeps them. */
  units(): NixosUnit[];
  /** Whether the host's eth0 is up. */
  isLinkUp(): Promise<boolean>;
  /** The home folder of a lab user on this host (as the host sees it). */
  homeOf(user: string): string;
  /** The app's flake folder for a clan in a user's home on this host (as the host sees it). */
  flakeDir(user: string, clan: string): string;
  /** Where a path of this host is on this computer, to read or change it from a test. */
  path(hostPath: string): string;
  /** Runs a program as root inside the host (its namespaces), e.g. to look at its mounts; killed after `timeoutMs` (default 15 s). */
  exec(argv: string[], options?: { timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The pid of the host's first process (machine.sh), or undefined while it is down. */
  readonly pid: number | undefined;
  /**
   * Listens for switches: from now on `switch-to-configuration switch` asks `handler` (in this test process) what
   * the activation starts, and waits for its answer, at most `limitSeconds` (default 60), before it returns; an
   * answer that is not ok makes the switch print the lines as errors and exit 4, as NixOS's switch does when units
   * failed to start. A TEST DOUBLE of the service activation, opt-in: without a handler a switch starts nothing, as
   * before. `null` stops listening (a switch still waiting is told no one listens). One handler per host.
   */
  onSwitch(handler: NixosSwitchHandler | null, options?: { limitSeconds?: number }): void;
}

const doublesDir = (projectRoot: string) => join(projectRoot, 'test/lab/nixos/doubles');
/** Files of doubles installed in /usr/local/bin; the library is sourced, not run. */
const doubles = ['nix', 'nix-env', 'switch-to-configuration', 'systemd-run', 'systemctl', 'nixos-version'] as const;
const doublesLibrary = 'lab-double-lib.sh';

/** The parts of the host's view: folder name under the view, and where the host sees it. */
const viewMounts = [
  ['nix', '/nix'],
  ['home', '/home'],
  ['var-lib', '/var/lib'],
  ['usr-local-bin', '/usr/local/bin'],
  ['os-release', '/etc/os-release'],
] as const;

const osRelease = [
  'ANSI_COLOR="0;38;2;126;186;228"',
  'BUILD_ID="25.11.lab"',
  'DOCUMENTATION_URL="https://nixos.org/learn.html"',
  'HOME_URL="https://nixos.org/"',
  'ID=nixos',
  'LOGO="nix-snowflake"',
  'NAME=NixOS',
  'PRETTY_NAME="NixOS 25.11 (Xantusia), the SSH lab\'s stand-in (test double, not NixOS)"',
  'VERSION="25.11 (Xantusia)"',
  'VERSION_CODENAME=xantusia',
  'VERSION_ID="25.11"',
  '',
].join('\n');

const nixBase32 = '0123456789abcdfghijklmnpqrsvwxyz';

/** The hash part of a store path derived from text, as the nix double makes them (lab_store_hash). */
export function storeHash(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  let out = '';
  for (let i = 0; i < 32; i += 1) out += nixBase32[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % 32];
  return out;
}

/** Splits a call log (records of: type, field count, fields; each ended by NUL) into records. */
export function parseCallLog(data: Buffer): { type: string; fields: string[] }[] {
  const parts = data.toString('utf8').split('\0');
  const records: { type: string; fields: string[] }[] = [];
  let i = 0;
  while (i + 1 < parts.length) {
    const type = parts[i]!;
    const count = Number(parts[i + 1]);
    if (type === '' || !Number.isInteger(count) || count < 0 || i + 2 + count > parts.length - 1) break;
    records.push({ type, fields: parts.slice(i + 2, i + 2 + count) });
    i += 2 + count;
  }
  return records;
}

async function idOf(user: string, flag: '-u' | '-g'): Promise<number> {
  const { stdout } = await run('id', [flag, user], { timeout: 15_000 });
  return Number(stdout.trim());
}

/** Makes `path` and any missing folders above it (below `root`), owned by uid:gid. */
function mkdirOwned(root: string, relative: string, uid: number, gid: number): string {
  let current = root;
  for (const part of relative.split('/').filter((p) => p !== '')) {
    current = join(current, part);
    if (!existsSync(current)) {
      mkdirSync(current, { mode: 0o755 });
      chownSync(current, uid, gid);
    }
  }
  return current;
}

export interface NixosMachineSetup {
  name: string;
  namespace: string;
  /** The host's folder in the lab (its sshd files live there too). */
  hostDir: string;
  /** The lab's folder (kept reachable inside the host even if it lies under /home). */
  labDir: string;
  projectRoot: string;
  /** The lab's users and their home folders (under /home). */
  users: readonly { name: string; home: string }[];
  options: NixosHostOptions;
  /** Where the lab keeps its child processes (stopped at teardown). */
  children: Map<string, ChildProcess>;
  /** Brings the host's link up again with its default route (the lab's own linkUp). */
  linkUp(): Promise<void>;
}

/** One NixOS stand-in host: its folders, its first process and the lab API. */
export class NixosMachine implements NixosStandIn {
  private readonly view: string;
  private readonly state: string;
  private readonly childKey: string;
  private readonly diskMounts = new Set<string>();
  private switchListener: { handler: NixosSwitchHandler; timer: NodeJS.Timeout; inFlight: Set<string> } | null = null;

  constructor(private readonly setup: NixosMachineSetup) {
    this.view = join(setup.hostDir, 'nixos');
    this.state = join(this.view, 'var-lib', 'cnd-lab');
    // A key no host name can take (names have no NUL).
    this.childKey = `${setup.name}\0machine`;
  }

  /** Makes the host's folders: store and profiles, homes, /var/lib with the doubles' state, the doubles, os-release. */
  async prepare(): Promise<void> {
    const { view } = this;
    mkdirSync(view, { mode: 0o755 });
    // The store is writable by everyone, standing in for the Nix daemon, which builds for any user; the profiles
    // are root's.
    mkdirSync(join(view, 'nix', 'store'), { recursive: true, mode: 0o755 });
    chmodSync(join(view, 'nix', 'store'), 0o1777);
    mkdirSync(join(view, 'nix', 'var', 'nix', 'profiles'), { recursive: true, mode: 0o755 });
    mkdirSync(join(view, 'home'), { mode: 0o755 });
    for (const user of this.setup.users) {
      if (!user.home.startsWith('/home/')) throw new Error(`lab user ${user.name}: the home folder must be under /home`);
      mkdirOwned(join(view, 'home'), user.home.slice('/home/'.length), await idOf(user.name, '-u'), await idOf(user.name, '-g'));
    }
    mkdirSync(join(this.state, 'faults'), { recursive: true, mode: 0o755 });
    writeFileSync(join(this.state, 'calls.log'), '');
    // Any user's call is recorded, but only root reads the log on the host (the tests read it from outside).
    chmodSync(join(this.state, 'calls.log'), 0o622);
    writeFileSync(join(this.state, 'nix-experimental-features'), this.setup.options.flakes === true ? 'nix-command flakes\n' : '\n');
    const bin = join(view, 'usr-local-bin');
    mkdirSync(bin, { mode: 0o755 });
    for (const file of doubles) {
      copyFileSync(join(doublesDir(this.setup.projectRoot), file), join(bin, file));
      chmodSync(join(bin, file), 0o755);
    }
    copyFileSync(join(doublesDir(this.setup.projectRoot), doublesLibrary), join(bin, doublesLibrary));
    chmodSync(join(bin, doublesLibrary), 0o644);
    writeFileSync(join(view, 'os-release'), osRelease, { mode: 0o644 });
    if (this.setup.options.initialSystem !== false) this.installInitialSystem();
  }

  /** Generation 1: a stand-in system made as the nix double makes them, as if NixOS had been installed by hand. */
  private installInitialSystem(): void {
    const name = this.setup.name;
    const tree = createHash('sha256').update(`installed ${name}`).digest('hex');
    const version = `25.11.lab.${tree.slice(0, 7)}`;
    const system = `/nix/store/${storeHash(`${tree} ${name}`)}-nixos-system-${name}-${version}`;
    const out = join(this.view, system);
    const bin = join(this.view, 'usr-local-bin');
    mkdirSync(join(out, 'bin'), { recursive: true });
    mkdirSync(join(out, 'sw', 'bin'), { recursive: true });
    copyFileSync(join(bin, 'switch-to-configuration'), join(out, 'bin', 'switch-to-configuration'));
    copyFileSync(join(bin, 'nix-env'), join(out, 'sw', 'bin', 'nix-env'));
    copyFileSync(join(bin, 'systemctl'), join(out, 'sw', 'bin', 'systemctl'));
    writeFileSync(join(out, 'machine'), `${name}\n`);
    writeFileSync(join(out, 'nixos-version'), `${version}\n`);
    writeFileSync(join(out, 'README'), "TEST DOUBLE: the stand-in NixOS system the SSH lab installs first (test/lab/nixos.ts); nothing here boots.\n");
    for (const file of ['bin/switch-to-configuration', 'sw/bin/nix-env', 'sw/bin/systemctl']) chmodSync(join(out, file), 0o555);
    const profiles = join(this.view, 'nix', 'var', 'nix', 'profiles');
    symlinkSync(system, join(profiles, 'system-1-link'));
    symlinkSync('system-1-link', join(profiles, 'system'));
    symlinkSync(system, join(this.state, 'boot-entry'));
  }

  get pid(): number | undefined {
    const child = this.setup.children.get(this.childKey);
    return child === undefined || child.exitCode !== null || child.signalCode !== null ? undefined : child.pid;
  }

  /**
   * Starts the host's first process unless it runs ("boots" the host: fresh /run, the system profile's system
   * running). Resolves once its mounts are in place.
   */
  async boot(): Promise<number> {
    const running = this.pid;
    if (running !== undefined) return running;
    const { name, namespace, hostDir, labDir, projectRoot, children } = this.setup;
    const log = openSync(join(hostDir, 'machine.log'), 'a');
    const child = spawn(
      'ip',
      ['netns', 'exec', namespace, 'unshare', '--mount', '--propagation', 'private', '--uts', '--', 'bash', join(projectRoot, 'test/lab/nixos/machine.sh'), name, labDir, this.view],
      { stdio: ['ignore', 'pipe', log] },
    );
    closeSync(log);
    children.set(this.childKey, child);
    child.once('exit', () => {
      if (children.get(this.childKey) === child) children.delete(this.childKey);
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => {
        fail(new Error('did not get ready within 10 s'));
        child.kill('SIGKILL');
      }, 10_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.stdout!.removeListener('data', onData);
        const tail = readFileSync(join(hostDir, 'machine.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
        reject(new Error(`NixOS stand-in ${name}: ${error.message}${tail === '' ? '' : ` (machine.log: ${tail})`}`));
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(new Error(`its first process ended (${signal ?? code}) before it was ready`));
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (!output.includes('ready\n')) return;
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        child.stdout!.removeListener('data', onData);
        child.stdout!.resume();
        resolve();
      };
      child.once('exit', onExit);
      child.stdout!.on('data', onData);
    });
    return child.pid!;
  }

  /** Resolves when the host's first process has ended (after a kill of the namespace's processes). */
  async waitForExit(): Promise<void> {
    const child = this.setup.children.get(this.childKey);
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  }

  /** The argv of sshd started inside this host's namespaces (after boot()). */
  sshdCommand(configPath: string): [string, string[]] {
    const pid = this.pid;
    if (pid === undefined) throw new Error(`NixOS stand-in ${this.setup.name} is not running`);
    return ['nsenter', ['--target', String(pid), '--mount', '--uts', '--net', '--', '/usr/sbin/sshd', '-D', '-e', '-f', configPath]];
  }

  onSwitch(handler: NixosSwitchHandler | null, options: { limitSeconds?: number } = {}): void {
    const hook = join(this.state, 'switch-hook');
    const previous = this.switchListener;
    if (previous !== null) {
      clearInterval(previous.timer);
      this.switchListener = null;
    }
    if (handler === null) {
      // A switch still waiting gets an answer instead of waiting out its limit.
      if (previous !== null) for (const id of this.pendingSwitches(hook)) if (!previous.inFlight.has(id)) this.answerSwitch(hook, id, { ok: false, lines: ['test double: the test stopped listening for switches'] });
      rmSync(hook, { recursive: true, force: true });
      return;
    }
    const limit = options.limitSeconds ?? 60;
    if (!Number.isInteger(limit) || limit <= 0) throw new RangeError(`onSwitch limitSeconds must be a whole number > 0, got ${limit}`);
    mkdirSync(join(hook, 'requests'), { recursive: true, mode: 0o700 });
    mkdirSync(join(hook, 'answers'), { recursive: true, mode: 0o700 });
    writeFileSync(join(hook, 'limit'), `${limit}\n`, { mode: 0o644 });
    const inFlight = new Set<string>();
    // Polled: the double writes through the host's bind mount, and a poll every 50 ms costs nothing next to a switch.
    const timer = setInterval(() => {
      for (const id of this.pendingSwitches(hook)) {
        if (inFlight.has(id)) continue;
        inFlight.add(id);
        void this.serveSwitch(hook, id, handler).finally(() => inFlight.delete(id));
      }
    }, 50);
    timer.unref();
    this.switchListener = { handler, timer, inFlight };
  }

  /** Requests written completely (the double renames a finished one into place), oldest first. */
  private pendingSwitches(hook: string): string[] {
    try {
      return readdirSync(join(hook, 'requests'))
        .filter((name) => /^[0-9]+-[0-9]+$/.test(name))
        .sort();
    } catch {
      return [];
    }
  }

  private async serveSwitch(hook: string, id: string, handler: NixosSwitchHandler): Promise<void> {
    let answer: NixosSwitchAnswer;
    try {
      const [system = '', machine = '', flakeDir = '', previous = ''] = readFileSync(join(hook, 'requests', id), 'utf8').split('\0');
      answer = await handler({ system, machine, flakeDir: flakeDir === '' ? null : flakeDir, previous: previous === '' ? null : previous });
    } catch (error) {
      answer = { ok: false, lines: [`test double: the lab could not start what the system runs: ${(error as Error).message}`] };
    }
    this.answerSwitch(hook, id, answer);
  }

  private answerSwitch(hook: string, id: string, answer: NixosSwitchAnswer): void {
    try {
      const file = join(hook, 'answers', id);
      writeFileSync(`${file}.tmp`, `${answer.ok ? 'ok' : 'failed'}\n${answer.lines.join('\n')}${answer.lines.length > 0 ? '\n' : ''}`, { mode: 0o644 });
      renameSync(`${file}.tmp`, file);
      rmSync(join(hook, 'requests', id), { force: true });
    } catch {
      // The hook folder is gone (the test stopped listening): the double times out with its own message.
    }
  }

  async setFault(fault: NixosFault): Promise<void> {
    const faults = join(this.state, 'faults');
    const write = (file: string, lines: string[]) => writeFileSync(join(faults, file), `${lines.join('\n')}\n`, { mode: 0o644 });
    const seconds = (value: number) => {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`fault seconds must be a number >= 0, got ${value}`);
      return String(value);
    };
    switch (fault.kind) {
      case 'buildFails':
        return write('build', ['fail', fault.message ?? 'the lab set this build to fail']);
      case 'buildHangs':
        return write('build', ['hang', seconds(fault.seconds ?? 3600)]);
      case 'buildTakes':
        return write('build', ['sleep', seconds(fault.seconds)]);
      case 'switchTakes':
        return write('switch', ['sleep', seconds(fault.seconds)]);
      case 'linkDropsOnSwitch':
        return write('link-drop', ['on']);
      case 'diskFull': {
        const uid = await idOf(fault.user, '-u');
        const gid = await idOf(fault.user, '-g');
        const relative = this.flakeDir(fault.user, fault.clan).slice(this.homeOf(fault.user).length + 1);
        mkdirOwned(join(this.view, this.homeOf(fault.user)), relative, uid, gid);
        const target = this.flakeDir(fault.user, fault.clan);
        const bytes = fault.bytes ?? 16_384;
        if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new RangeError(`diskFull bytes must be a whole number > 0, got ${bytes}`);
        const mounted = await this.exec(['mount', '-t', 'tmpfs', '-o', `size=${bytes},mode=0755,uid=${uid},gid=${gid}`, 'cnd-lab-disk-full', target]);
        if (mounted.code !== 0) throw new Error(`diskFull: mount failed: ${mounted.stderr.trim()}`);
        this.diskMounts.add(target);
        return;
      }
    }
  }

  async clearFaults(): Promise<void> {
    rmSync(join(this.state, 'faults'), { recursive: true, force: true });
    mkdirSync(join(this.state, 'faults'), { mode: 0o755 });
    for (const target of this.diskMounts) {
      if (this.pid !== undefined) await this.exec(['umount', '--lazy', target]);
      this.diskMounts.delete(target);
    }
    // Only a link the fault switch took down (a test's own linkDown() is its business).
    if (this.pid !== undefined && existsSync(this.path('/run/cnd-lab/link-dropped'))) {
      rmSync(this.path('/run/cnd-lab/link-dropped'));
      if (!(await this.isLinkUp())) await this.setup.linkUp();
    }
  }

  private records(): { type: string; fields: string[] }[] {
    return parseCallLog(readFileSync(join(this.state, 'calls.log')));
  }

  calls(): NixosCall[] {
    return this.records()
      .filter((r) => r.type === 'call')
      .map(({ fields }) => {
        const count = Number(fields[4]);
        const env = Object.fromEntries(fields.slice(5 + count).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
        return { time: Number(fields[0]), command: fields[1]!, argv0: fields[2]!, uid: Number(fields[3]), args: fields.slice(5, 5 + count), env };
      });
  }

  recorded(command: string): string[][] {
    return this.calls()
      .filter((c) => c.command === command)
      .map((c) => c.args);
  }

  sleeps(): NixosSleep[] {
    return this.records()
      .filter((r) => r.type === 'sleep')
      .map(({ fields }) => ({ time: Number(fields[0]), command: fields[1]!, seconds: Number(fields[2]), measuredSeconds: Number(fields[3]) / 1e6 }));
  }

  events(): NixosEvent[] {
    return this.records()
      .filter((r) => r.type === 'event')
      .map(({ fields }) => ({ time: Number(fields[0]), what: fields[1]!, details: fields.slice(2) }));
  }

  generations(): { generation: number; system: string }[] {
    const profiles = join(this.view, 'nix', 'var', 'nix', 'profiles');
    return readdirSync(profiles)
      .map((name) => /^system-(\d+)-link$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ generation: Number(m[1]), system: readlinkSync(join(profiles, m[0])) }))
      .sort((a, b) => a.generation - b.generation);
  }

  generation(): number | null {
    try {
      const match = /^system-(\d+)-link$/.exec(readlinkSync(join(this.view, 'nix', 'var', 'nix', 'profiles', 'system')));
      return match === null ? null : Number(match[1]);
    } catch {
      return null;
    }
  }

  currentSystem(): string | null {
    if (this.pid === undefined) return null;
    try {
      return readlinkSync(this.path('/run/current-system'));
    } catch {
      return null;
    }
  }

  bootSystem(): string | null {
    try {
      return readlinkSync(join(this.state, 'boot-entry'));
    } catch {
      return null;
    }
  }

  units(): NixosUnit[] {
    if (this.pid === undefined) return [];
    const folder = this.path('/run/cnd-lab/units');
    const read = (unit: string, file: string) => {
      try {
        return readFileSync(join(folder, unit, file), 'utf8');
      } catch {
        return undefined;
      }
    };
    return readdirSync(folder, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map(({ name }) => {
        const timer = read(name, 'timer')?.trim() as NixosUnit['timer'];
        const result = read(name, 'result')?.trim();
        return {
          name,
          kind: read(name, 'kind')?.trim() === 'timer' ? 'timer' : 'service',
          ...(timer === undefined ? {} : { timer }),
          service: (read(name, 'service')?.trim() ?? 'inactive') as NixosUnit['service'],
          ...(result === undefined ? {} : { result }),
          command: (read(name, 'command') ?? '').split('\0').slice(0, -1),
          stdout: read(name, 'stdout') ?? '',
          stderr: read(name, 'stderr') ?? '',
        };
      });
  }

  async isLinkUp(): Promise<boolean> {
    const { stdout } = await run('ip', ['-n', this.setup.namespace, '-j', 'link', 'show', 'eth0'], { timeout: 15_000 });
    const [link] = JSON.parse(stdout) as { flags: string[] }[];
    return link?.flags.includes('UP') === true;
  }

  homeOf(user: string): string {
    const found = this.setup.users.find((u) => u.name === user);
    if (found === undefined) throw new Error(`${user} is not a lab user`);
    return found.home;
  }

  flakeDir(user: string, clan: string): string {
    if (clan === '' || clan === '.' || clan === '..' || clan.includes('/') || clan.includes('\0')) throw new Error(`not a clan folder name: ${JSON.stringify(clan)}`);
    return `${this.homeOf(user)}/.local/share/clan-network-designer/flakes/${clan}`;
  }

  path(hostPath: string): string {
    if (!hostPath.startsWith('/') || hostPath.split('/').some((part) => part === '.' || part === '..')) throw new Error(`not an absolute path without . or ..: ${hostPath}`);
    // The host's own folders are read from their backing folders even while the host is down; anything else (its
    // /run, or a full-disk tmpfs) through its first process's view of the file system.
    const underMount = (prefix: string) => hostPath === prefix || hostPath.startsWith(`${prefix}/`);
    const inDiskMount = [...this.diskMounts].some(underMount);
    for (const [folder, where] of viewMounts) {
      if (!inDiskMount && underMount(where)) return join(this.view, folder, hostPath.slice(where.length));
    }
    const pid = this.pid;
    if (pid === undefined) throw new Error(`NixOS stand-in ${this.setup.name} is down; ${hostPath} cannot be reached`);
    return `/proc/${pid}/root${hostPath}`;
  }

  async exec(argv: string[], options: { timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const pid = this.pid;
    if (pid === undefined) throw new Error(`NixOS stand-in ${this.setup.name} is down`);
    try {
      const { stdout, stderr } = await run('nsenter', ['--target', String(pid), '--mount', '--uts', '--net', '--', ...argv], { timeout: options.timeoutMs ?? 15_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number | string; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
    }
  }
}
