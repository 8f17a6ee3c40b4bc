import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { NixosMachine, type NixosHostOptions, type NixosStandIn } from './nixos';

/**
 * The SSH test lab: real machines as Linux network namespaces, each with its own OpenSSH server (own host key,
 * key-only auth), grouped into sites behind one router namespace, optionally NATed (masquerade; nothing from
 * outside may open a connection into a NATed site except a bastion), and reachable from the test runner over one
 * uplink veth. All addresses are in one 10.x.0.0/16 chosen free per lab; the only route added outside the lab's
 * namespaces is that /16 via the uplink, so traffic never leaves the lab.
 *
 * Everything created is recorded in .lab/<id>.json before it is created, so destroyLeftovers() (npm run lab:down)
 * removes it after a crash. sshd runs as a child of this process (MACHINE-NOTES: orphans are not reaped here).
 *
 * Hosts marked `nixos` stand in for NixOS (test/lab/nixos.ts): a mount namespace of their own with their own /run,
 * /nix, /home, /var/lib, /usr/local/bin (test doubles of the NixOS-only commands) and /etc/os-release. Other hosts
 * share this machine's file system, as before.
 */

const run = promisify(execFile);

export const projectRoot = resolve(import.meta.dirname, '../..');
/** Where lab records and files live (gitignored). */
export const labRoot = join(projectRoot, '.lab');

/**
 * Test users, shared by every host (the hosts share one filesystem): one without and one with passwordless sudo, and
 * one more with passwordless sudo whose home folder is a hostile path (spaces, quotes, command substitutions, shell
 * operators, and the characters a URL gives meaning to), to prove such a path reaches remote programs only as exact
 * arguments.
 */
export const labUsers = { plain: 'cndlab', sudo: 'cndlabsu', odd: 'cndlabod' } as const;

/** The odd user's home folder: if any part of it were run by a shell, files named cnd-pwned* would appear. */
export const ODD_HOME = `/home/cnd odd 'q' "dq" $(touch cnd-pwned) \`touch cnd-pwned-bt\` ;#?%20x & y`;

/** A lab user's home folder. */
export function labHomeOf(name: string): string {
  return name === labUsers.odd ? ODD_HOME : `/home/${name}`;
}

export interface LabSpec {
  /** Namespace name prefix; namespaces are `<prefix><id>-r` and `<prefix><id>-h<n>`. */
  prefix?: string;
  sites: { name: string; nat?: boolean }[];
  /** `nixos`: the host stands in for NixOS (see test/lab/nixos.ts); true for the defaults. */
  hosts: { name: string; site: string; bastion?: boolean; nixos?: boolean | NixosHostOptions }[];
}

export interface LabUser {
  name: string;
  /** OpenSSH private key (ed25519) authorised on every host. */
  privateKey: string;
  privateKeyPath: string;
}

export interface LabHost {
  name: string;
  site: string;
  namespace: string;
  address: string;
  port: number;
  /** A second port the same sshd listens on (for SSH configuration tests with a Port other than 22). */
  altPort: number;
  /** `SHA256:...` of the current host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** The current host public key blob, base64 (the middle field of the .pub file). */
  hostKeyBase64: string;
  /** A remote program that prints its arguments NUL-separated, to see the exact argv a command arrived with. */
  argvCommand: string;
  /** A remote program that sleeps for $1 seconds (default 3600): a command that hangs. */
  hangCommand: string;
  linkDown(): Promise<void>;
  linkUp(): Promise<void>;
  /**
   * Stops the host's sshd listener: new connections are refused. Open sessions live in their own sshd processes and
   * keep running, unless `killSessions` also kills every process in the host's namespace (as when the machine's
   * SSH server dies or the machine crashes mid-command).
   */
  stopSshd(options?: { killSessions?: boolean }): Promise<void>;
  startSshd(): Promise<void>;
  /** Generates a new host key and restarts sshd; returns the new fingerprint. */
  replaceHostKey(): Promise<string>;
  /** The NixOS stand-in's lab API: fault switches and what its test doubles recorded. Only on `nixos` hosts. */
  nixos?: NixosStandIn;
}

export interface Lab {
  id: string;
  dir: string;
  users: { plain: LabUser; sudo: LabUser; odd: LabUser };
  hosts: Record<string, LabHost>;
  host(name: string): LabHost;
  /**
   * Records a file that something running in the lab makes outside the lab folder (wireguard-go's control socket in
   * /var/run/wireguard), before it is made, so teardown removes it, after a crash too (npm run lab:down).
   */
  recordOutsideFile(path: string): void;
  destroy(): Promise<void>;
}

/** What a lab created, written before each step so a crashed run can be cleaned up. */
interface LabRecord {
  id: string;
  ownerPid: number;
  dir: string;
  subnet: number;
  namespaces: string[];
  rootLinks: string[];
  usersCreated: string[];
  sudoersFiles: string[];
  sshdPids: number[];
  /** /etc/netns/<ns> folders: `ip netns exec` mounts their hosts and resolv.conf over /etc's for that namespace. */
  etcDirs?: string[];
  /** Namespaces of NixOS stand-in hosts (their mounts live in their processes and go with them). */
  nixosNamespaces?: string[];
  /** Empty folders made outside the lab as mount points for NixOS stand-ins (/nix), removed by the last lab using them. */
  mountPoints?: string[];
  /** Files made outside the lab folder by programs running in the lab (Lab.recordOutsideFile). */
  outsideFiles?: string[];
}

async function sh(file: string, args: string[]): Promise<string> {
  const { stdout } = await run(file, args, { timeout: 15_000 });
  return stdout;
}

function recordPath(id: string): string {
  return join(labRoot, `${id}.json`);
}

function saveRecord(record: LabRecord): void {
  mkdirSync(labRoot, { recursive: true });
  writeFileSync(recordPath(record.id), `${JSON.stringify(record, null, 2)}\n`);
}

function readRecords(): LabRecord[] {
  if (!existsSync(labRoot)) return [];
  return readdirSync(labRoot)
    .filter((f) => /^[0-9a-f]+\.json$/.test(f))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(join(labRoot, f), 'utf8')) as LabRecord];
      } catch {
        return [];
      }
    });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What the lab needs from this machine, or a list of what is missing (empty when it can run). */
export async function missingLabDependencies(): Promise<string[]> {
  const missing: string[] = [];
  if (process.platform !== 'linux') return ['Linux (network namespaces)'];
  if (process.getuid?.() !== 0) missing.push('root (network namespaces and sshd need it; run the tests as root)');
  for (const [path, what] of [
    ['/usr/sbin/sshd', 'openssh-server'],
    ['/usr/bin/ssh-keygen', 'openssh-client'],
    ['/usr/sbin/iptables', 'iptables'],
    ['/usr/sbin/useradd', 'passwd (useradd)'],
    ['/usr/bin/jq', 'jq (the NixOS stand-in\'s test doubles read the flake manifest with it)'],
  ] as const) {
    if (!existsSync(path)) missing.push(`${what} (${path})`);
  }
  if (missing.length > 0) return missing.map((m) => `${m}; install with: sudo bash scripts/install-test-deps.sh`);
  const probe = `cndprobe${process.pid}`;
  try {
    await sh('ip', ['netns', 'add', probe]);
    await sh('ip', ['netns', 'del', probe]);
  } catch (error) {
    missing.push(`working network namespaces (ip netns add failed: ${(error as Error).message.split('\n')[0]})`);
  }
  return missing;
}

/** Whether the lab tests run: skips with a message locally, throws with CI=true (mirrors test/e2e/support.ts). */
export async function shouldRunLab(): Promise<boolean> {
  const missing = await missingLabDependencies();
  if (missing.length === 0) return true;
  const message = `SSH lab tests need: ${missing.join('; ')}.`;
  if (process.env.CI === 'true') throw new Error(`${message} CI=true, so this fails instead of skipping.`);
  console.warn(`SKIPPING SSH lab tests. ${message}`);
  return false;
}

/** Picks a free 10.x.0.0/16 (x in 240..254) that no route on this machine and no other lab uses. */
async function pickSubnet(): Promise<number> {
  const routes = await sh('ip', ['-4', 'route', 'show', 'table', 'all']);
  const addresses = await sh('ip', ['-4', '-o', 'addr', 'show']);
  const used = new Set(readRecords().map((r) => r.subnet));
  for (let x = 240; x <= 254; x += 1) {
    if (used.has(x)) continue;
    if (routes.includes(`10.${x}.`) || addresses.includes(`10.${x}.`)) continue;
    return x;
  }
  throw new Error('No free 10.240-254.0.0/16 range for the lab; run npm run lab:down.');
}

/** Waits until sshd accepts TCP connections, probing from inside the host's own namespace (NATed hosts are not reachable from outside). */
async function waitForSshd(namespace: string, address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await sh('ip', ['netns', 'exec', namespace, 'bash', '-c', 'exec 3<>"/dev/tcp/$1/22"', 'bash', address]);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`sshd on ${address} (${namespace}) did not start within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function fingerprintOfFile(pubPath: string): Promise<string> {
  const out = await sh('ssh-keygen', ['-lf', pubPath]);
  return out.split(' ')[1] ?? '';
}

async function ensureUser(name: string, record: LabRecord): Promise<void> {
  try {
    await sh('id', ['-u', name]);
    return;
  } catch {
    // Not there yet: create it below, and record that this lab did.
  }
  record.usersCreated.push(name);
  saveRecord(record);
  // Password '*' (no password login) instead of useradd's locked '!': sshd without PAM refuses locked accounts.
  await sh('useradd', ['--create-home', '--home-dir', labHomeOf(name), '--shell', '/bin/sh', '--password', '*', name]);
}

/** Builds a lab. On failure everything already created is removed again before the error is thrown. */
export async function createLab(spec: LabSpec): Promise<Lab> {
  const prefix = spec.prefix ?? 'cnd';
  if (!/^[a-z]{1,5}$/.test(prefix)) throw new Error('lab prefix: 1 to 5 lowercase letters');
  const id = randomBytes(2).toString('hex');
  const dir = join(labRoot, id);
  mkdirSync(dir, { recursive: true });
  chmodSync(labRoot, 0o755);
  chmodSync(dir, 0o755);
  const record: LabRecord = { id, ownerPid: process.pid, dir, subnet: 0, namespaces: [], rootLinks: [], usersCreated: [], sudoersFiles: [], sshdPids: [] };
  saveRecord(record);
  const children = new Map<string, ChildProcess>();
  try {
    record.subnet = await pickSubnet();
    saveRecord(record);
    return await buildLab(spec, prefix, record, children);
  } catch (error) {
    await teardown(record, children);
    throw error;
  }
}

async function buildLab(spec: LabSpec, prefix: string, record: LabRecord, children: Map<string, ChildProcess>): Promise<Lab> {
  const { id, dir, subnet } = record;
  const net = `10.${subnet}`;
  const router = `${prefix}${id}-r`;
  const uplink = `${prefix}${id}u`;

  // Users and keys, shared by all hosts of this lab.
  const users = {} as Lab['users'];
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'authorized_keys'), { recursive: true });
  for (const [role, name] of Object.entries(labUsers) as [keyof typeof labUsers, string][]) {
    await ensureUser(name, record);
    const keyPath = join(dir, 'keys', name);
    await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@lab`, '-f', keyPath]);
    writeFileSync(join(dir, 'authorized_keys', name), readFileSync(`${keyPath}.pub`));
    users[role] = { name, privateKey: readFileSync(keyPath, 'utf8'), privateKeyPath: keyPath };
  }
  if (existsSync('/etc/sudoers.d')) {
    const sudoers = `/etc/sudoers.d/cnd-lab-${id}`;
    record.sudoersFiles.push(sudoers);
    saveRecord(record);
    writeFileSync(sudoers, `${labUsers.sudo} ALL=(ALL) NOPASSWD: ALL\n${labUsers.odd} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
  }

  // sshd refuses to start without its privilege separation directory (normally made by the init system).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  // NixOS stand-ins mount their store over /nix inside their own mount namespace, which needs the folder to exist.
  if (spec.hosts.some((h) => h.nixos !== undefined && h.nixos !== false) && !existsSync('/nix')) {
    record.mountPoints = [...(record.mountPoints ?? []), '/nix'];
    saveRecord(record);
    try {
      mkdirSync('/nix', { mode: 0o755 });
    } catch (error) {
      // Another lab made it meanwhile: then that lab owns it.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      record.mountPoints = record.mountPoints.filter((p) => p !== '/nix');
      saveRecord(record);
    }
  }

  // Router and uplink from the test runner's namespace.
  record.namespaces.push(router);
  record.rootLinks.push(uplink);
  saveRecord(record);
  await sh('ip', ['netns', 'add', router]);
  await sh('ip', ['-n', router, 'link', 'set', 'lo', 'up']);
  await sh('ip', ['netns', 'exec', router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  await sh('ip', ['link', 'add', uplink, 'type', 'veth', 'peer', 'name', 'up0', 'netns', router]);
  // No IPv6 link-local address on the one link outside the lab: the kernel would add it a second or two after the lab
  // is up, and Chromium takes any address change on this machine as a network change (ERR_NETWORK_CHANGED), failing
  // the requests of a browser test that just started.
  await sh('ip', ['link', 'set', uplink, 'addrgenmode', 'none']);
  await sh('ip', ['addr', 'add', `${net}.0.1/24`, 'dev', uplink]);
  await sh('ip', ['link', 'set', uplink, 'up']);
  await sh('ip', ['-n', router, 'addr', 'add', `${net}.0.254/24`, 'dev', 'up0']);
  await sh('ip', ['-n', router, 'link', 'set', 'up0', 'up']);
  await sh('ip', ['route', 'add', `${net}.0.0/16`, 'via', `${net}.0.254`, 'dev', uplink]);

  const siteIndex = new Map<string, number>();
  for (const [i, site] of spec.sites.entries()) {
    const n = i + 1;
    siteIndex.set(site.name, n);
    await sh('ip', ['-n', router, 'link', 'add', `s${n}`, 'type', 'bridge']);
    await sh('ip', ['-n', router, 'addr', 'add', `${net}.${n}.1/24`, 'dev', `s${n}`]);
    await sh('ip', ['-n', router, 'link', 'set', `s${n}`, 'up']);
  }

  const hosts: Record<string, LabHost> = {};
  const addressOf = new Map<string, string>();
  for (const [i, h] of spec.hosts.entries()) {
    const n = siteIndex.get(h.site);
    if (n === undefined) throw new Error(`host ${h.name}: no site ${h.site}`);
    addressOf.set(h.name, `${net}.${n}.${10 + i}`);
  }

  // NAT: a NATed site's hosts reach out through the router's address; nothing outside may open a connection in,
  // except the bastions (standing for the one machine a home network lets in).
  for (const [i, site] of spec.sites.entries()) {
    if (site.nat !== true) continue;
    const cidr = `${net}.${i + 1}.0/24`;
    const ipt = (args: string[]) => sh('ip', ['netns', 'exec', router, 'iptables', '-w', ...args]);
    await ipt(['-t', 'nat', '-A', 'POSTROUTING', '-s', cidr, '!', '-d', cidr, '-j', 'MASQUERADE']);
    await ipt(['-A', 'FORWARD', '-d', cidr, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT']);
    for (const b of spec.hosts.filter((x) => x.bastion === true)) await ipt(['-A', 'FORWARD', '-s', addressOf.get(b.name)!, '-d', cidr, '-j', 'ACCEPT']);
    await ipt(['-A', 'FORWARD', '-d', cidr, '!', '-s', cidr, '-j', 'DROP']);
  }

  for (const [i, h] of spec.hosts.entries()) {
    const n = siteIndex.get(h.site)!;
    const ns = `${prefix}${id}-h${i}`;
    const address = addressOf.get(h.name)!;
    record.namespaces.push(ns);
    saveRecord(record);
    // Own /etc/hosts and resolv.conf: the host resolves its own name (sudo looks it up) and never sends DNS out.
    const etcDir = join('/etc/netns', ns);
    record.etcDirs = [...(record.etcDirs ?? []), etcDir];
    saveRecord(record);
    mkdirSync(etcDir, { recursive: true });
    writeFileSync(join(etcDir, 'hosts'), `127.0.0.1 localhost\n${address} ${h.name}\n`);
    writeFileSync(join(etcDir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
    await sh('ip', ['netns', 'add', ns]);
    await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await sh('ip', ['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `h${i}`, 'netns', router]);
    await sh('ip', ['-n', router, 'link', 'set', `h${i}`, 'master', `s${n}`, 'up']);
    await sh('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    await sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', `${net}.${n}.1`]);

    const hostDir = join(dir, 'hosts', h.name.replace(/[^A-Za-z0-9_-]/g, '_'));
    mkdirSync(join(hostDir, 'bin'), { recursive: true, mode: 0o755 });
    chmodSync(join(dir, 'hosts'), 0o755);
    chmodSync(hostDir, 0o755);
    const argvCommand = join(hostDir, 'bin', 'argv');
    writeFileSync(argvCommand, "#!/bin/sh\n# Prints each argument followed by a NUL byte: the exact argv this program received.\nprintf '%s\\0' \"$@\"\n", { mode: 0o755 });
    const hangCommand = join(hostDir, 'bin', 'hang');
    writeFileSync(hangCommand, '#!/bin/sh\n# A command that hangs: sleeps for $1 seconds (default an hour) in a child process.\necho hanging\nsleep "${1:-3600}"\necho woke\n', { mode: 0o755 });
    const keyPath = join(hostDir, 'ssh_host_ed25519_key');
    const configPath = join(hostDir, 'sshd_config');
    writeFileSync(
      configPath,
      [
        `ListenAddress ${address}`,
        'Port 22',
        'Port 2222',
        `HostKey ${keyPath}`,
        'PidFile none',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'PubkeyAuthentication yes',
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}/%u`,
        'PermitRootLogin no',
        `AllowUsers ${Object.values(labUsers).join(' ')}`,
        'UseDNS no',
        'MaxStartups 100',
        'MaxSessions 100',
        'LogLevel ERROR',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );
    const nixosOptions = h.nixos === undefined || h.nixos === false ? undefined : h.nixos === true ? {} : h.nixos;
    let nixos: NixosMachine | undefined;
    if (nixosOptions !== undefined) {
      record.nixosNamespaces = [...(record.nixosNamespaces ?? []), ns];
      saveRecord(record);
      nixos = new NixosMachine({
        name: h.name,
        namespace: ns,
        hostDir,
        labDir: dir,
        projectRoot,
        users: Object.values(labUsers).map((name) => ({ name, home: labHomeOf(name) })),
        options: nixosOptions,
        children,
        linkUp: () => host.linkUp(),
      });
      await nixos.prepare();
    }
    const newHostKey = async () => {
      rmSync(keyPath, { force: true });
      rmSync(`${keyPath}.pub`, { force: true });
      await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${h.name}@lab`, '-f', keyPath]);
      host.hostKeyFingerprint = await fingerprintOfFile(`${keyPath}.pub`);
      host.hostKeyBase64 = readFileSync(`${keyPath}.pub`, 'utf8').split(' ')[1] ?? '';
    };
    const startSshd = async () => {
      if (children.has(h.name)) return;
      // A NixOS stand-in's sshd joins the namespaces of the host's first process (booted here if it is down), so
      // every session sees the host's own files.
      if (nixos !== undefined) await nixos.boot();
      const log = openSync(join(hostDir, 'sshd.log'), 'a');
      // Arguments go to sh as $1 and $2: nothing is spliced into the script text.
      const [file, args] = nixos?.sshdCommand(configPath) ?? ['ip', ['netns', 'exec', ns, 'unshare', '--uts', '--', 'sh', '-c', 'hostname "$1"; exec /usr/sbin/sshd -D -e -f "$2"', 'sh', h.name, configPath]];
      const child = spawn(file, args, { stdio: ['ignore', 'ignore', log] });
      closeSync(log);
      children.set(h.name, child);
      child.once('exit', () => {
        if (children.get(h.name) === child) children.delete(h.name);
      });
      if (child.pid !== undefined) {
        record.sshdPids.push(child.pid);
        saveRecord(record);
      }
      await waitForSshd(ns, address, 5_000);
    };
    const stopSshd = async (options: { killSessions?: boolean } = {}) => {
      const child = children.get(h.name);
      if (child !== undefined) {
        children.delete(h.name);
        await stopChild(child);
        record.sshdPids = record.sshdPids.filter((p) => p !== child.pid);
        saveRecord(record);
      }
      if (options.killSessions === true) {
        await killNamespaceProcesses(ns);
        // A NixOS stand-in went down with them, as a crashed machine does; startSshd boots it again.
        await nixos?.waitForExit();
      }
    };
    const host: LabHost = {
      name: h.name,
      site: h.site,
      namespace: ns,
      address,
      port: 22,
      altPort: 2222,
      hostKeyFingerprint: '',
      hostKeyBase64: '',
      argvCommand,
      hangCommand,
      linkDown: async () => void (await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'down'])),
      linkUp: async () => {
        await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
        await sh('ip', ['-n', ns, 'route', 'replace', 'default', 'via', `${net}.${n}.1`]);
      },
      stopSshd,
      startSshd,
      replaceHostKey: async () => {
        await stopSshd();
        await newHostKey();
        await startSshd();
        return host.hostKeyFingerprint;
      },
      ...(nixos === undefined ? {} : { nixos }),
    };
    await newHostKey();
    hosts[h.name] = host;
  }
  await Promise.all(Object.values(hosts).map((host) => host.startSshd()));

  return {
    id,
    dir,
    users,
    hosts,
    host(name: string) {
      const found = hosts[name];
      if (found === undefined) throw new Error(`no lab host ${name}`);
      return found;
    },
    recordOutsideFile(path: string) {
      if ((record.outsideFiles ?? []).includes(path)) return;
      record.outsideFiles = [...(record.outsideFiles ?? []), path];
      saveRecord(record);
    },
    destroy: () => teardown(record, children),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
  await exited;
  clearTimeout(timer);
}

/** Kills every process inside a network namespace (`ip netns pids`). */
async function killNamespaceProcesses(ns: string): Promise<void> {
  const pids = await sh('ip', ['netns', 'pids', ns]).catch(() => '');
  for (const pid of pids.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
}

/** Removes everything a record lists; every step is tried even when an earlier one fails. */
async function teardown(record: LabRecord, children?: Map<string, ChildProcess>): Promise<void> {
  if (children !== undefined) await Promise.all([...children.values()].map(stopChild));
  for (const pid of record.sshdPids) {
    // Only a process that is still this lab's sshd (pids get reused).
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes('sshd') && cmdline.includes(record.dir)) process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  // Every process still inside a lab namespace goes too: killing the listening sshd leaves its session children
  // (one per open connection) running, and they would outlive the namespace and keep the test users busy.
  for (const ns of record.namespaces) await killNamespaceProcesses(ns);
  for (const ns of [...record.namespaces].reverse()) await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
  for (const link of record.rootLinks) await sh('ip', ['link', 'del', link]).catch(() => undefined);
  for (const file of record.sudoersFiles) rmSync(file, { force: true });
  for (const file of record.outsideFiles ?? []) rmSync(file, { force: true });
  for (const etcDir of record.etcDirs ?? []) rmSync(etcDir, { recursive: true, force: true });
  // A mount point outside the lab goes with the last lab that has NixOS stand-ins (removing it while another one
  // runs would take that lab's mounts away); until then the next such lab takes it over.
  const nixosHeir = readRecords().find((r) => r.id !== record.id && isAlive(r.ownerPid) && (r.nixosNamespaces ?? []).length > 0);
  if (nixosHeir === undefined) {
    for (const path of record.mountPoints ?? []) {
      try {
        rmdirSync(path);
      } catch (error) {
        console.warn(`lab: could not remove the mount point ${path}: ${(error as Error).message}`);
      }
    }
  } else if ((record.mountPoints ?? []).length > 0) {
    nixosHeir.mountPoints = [...new Set([...(nixosHeir.mountPoints ?? []), ...(record.mountPoints ?? [])])];
    saveRecord(nixosHeir);
  }
  // Users are shared: remove them only when no other lab still running needs them.
  const othersAlive = readRecords().some((r) => r.id !== record.id && isAlive(r.ownerPid));
  const stillCreated = readRecords().filter((r) => r.id !== record.id).flatMap((r) => r.usersCreated);
  if (!othersAlive) {
    for (const user of new Set([...record.usersCreated, ...stillCreated])) {
      // userdel refuses while a process of the user is still exiting: one retry after a moment.
      await sh('userdel', ['-r', user]).catch(async () => {
        await new Promise((r) => setTimeout(r, 500));
        await sh('userdel', ['-r', user]).catch((error: Error) => console.warn(`lab: could not remove user ${user}: ${error.message}`));
      });
    }
  } else {
    // Hand the users over to a lab that is still running, so the last one removes them.
    const heir = readRecords().find((r) => r.id !== record.id && isAlive(r.ownerPid));
    if (heir !== undefined && record.usersCreated.length > 0) {
      heir.usersCreated = [...new Set([...heir.usersCreated, ...record.usersCreated])];
      saveRecord(heir);
    }
  }
  rmSync(record.dir, { recursive: true, force: true });
  rmSync(recordPath(record.id), { force: true });
}

/** Tears down every lab whose owning process is gone (or all of them with `all`); returns the ids removed. */
export async function destroyLeftovers(options: { all?: boolean } = {}): Promise<string[]> {
  const removed: string[] = [];
  for (const record of readRecords()) {
    if (options.all !== true && record.ownerPid !== process.pid && isAlive(record.ownerPid)) continue;
    await teardown(record);
    removed.push(record.id);
  }
  return removed;
}

/** The lab the tests use: six hosts in two sites. A public office (the bastion, alpha, beta) and a NATed home (gamma, delta, epsilon) that only the bastion can reach into. */
export const defaultLabSpec: LabSpec = {
  sites: [
    { name: 'office', nat: false },
    { name: 'home', nat: true },
  ],
  hosts: [
    { name: 'bastion', site: 'office', bastion: true },
    { name: 'alpha', site: 'office' },
    { name: 'beta', site: 'office' },
    { name: 'gamma', site: 'home' },
    { name: 'delta', site: 'home' },
    { name: 'epsilon', site: 'home' },
  ],
};
