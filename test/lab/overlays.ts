import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot, type Lab, type LabHost } from './lab';
import type { NixosSwitchRequest } from './nixos';

/**
 * The SSH lab's overlay stand-in: a TEST DOUBLE of the overlay part of a NixOS switch. It reads the flake our
 * generator wrote (inventory.json, clan.nix and our own Clan service modules) and starts the REAL userspace VPN
 * daemon from Debian in each lab host's network namespace, with exactly the peers, addresses, ports and roles the
 * configuration gives it. Nothing missing is filled in: when the configuration lacks something the daemon needs (a
 * peer list, a lighthouse, a public endpoint, a required setting) the start throws, or the daemon runs without it and
 * the pings between the machines fail. That is the point: a wrong peer list in the generator shows up as a red cell.
 *
 * How each VPN is read (each plan function below says what it maps to what):
 * - Nebula and Tinc run through OUR Clan service modules (modules/clan-services/<vpn>/ in the flake). They are
 *   EVALUATED, not re-implemented: test/lab/overlays/evalService.nix imports the generated clan.nix and the module it
 *   registers, resolves the instance's roles and settings from the generated inventory.json as clan does (with the
 *   module's own option types and defaults), calls the role's perInstance and the NixOS module it returns, and hands
 *   back the NixOS options the module sets (services.nebula.networks, services.tinc.networks,
 *   networking.interfaces) and its failed assertions, as JSON (nix-instantiate --eval --strict --json, pure, under
 *   restrict-eval). nixpkgs is not available on the build machines (Debian's Nix 2.8, no <nixpkgs>), so the few
 *   `lib` functions the modules use are re-implemented in test/lab/overlays/stubLib.nix; the step from those NixOS
 *   options to the daemon's config file (what nixpkgs' nebula and tinc modules do) is re-implemented here.
 * - Yggdrasil and WireGuard run through clan-core's own services, which cannot be evaluated here (no clan-core, no
 *   nixpkgs). Their settings are plain JSON in inventory.json; what clan-core's service makes of them (peers from the
 *   internet service's hosts, hub and spoke through the controllers) is re-implemented in TypeScript from
 *   clan-core's clanServices/yggdrasil and clanServices/wireguard, with the required options and defaults of their
 *   interfaces checked as the module system would.
 *
 * Keys and certificates are Clan vars; there is no clan here, so the lab makes them with the real tools, as each
 * vars generator would (`yggdrasil -genconf`, `nebula-cert ca/sign` with the name, address and groups the generator
 * asks for, `wg genkey`, `tincd -K`). Where Debian's daemon is older than the one nixpkgs ships, the stand-in
 * translates and says so (Debian 12: yggdrasil 0.4.7 without QUIC and WebSocket peers, tinc 1.0 with RSA keys
 * instead of Ed25519 and without AutoConnect); every translation is listed in `notes`.
 *
 * Each daemon is a child process of the test runner (MACHINE-NOTES: orphans are not reaped here) started with
 * `ip netns exec`, with its own state folder under the lab folder (removed with the lab, after a crash too).
 * Interface names are the configuration's, which are per namespace, except WireGuard's: wireguard-go's control
 * socket /var/run/wireguard/<interface>.sock is shared by all namespaces, so each host gets a lab-unique interface
 * name, and the socket is recorded with the lab (Lab.recordOutsideFile) so teardown removes it.
 *
 * On a lab whose hosts are all NixOS stand-ins (test/lab/nixos.ts), each host has a file system view of its own
 * (its own /run), so the daemons run INSIDE the host (nsenter into its mount, UTS and network namespaces) and look
 * as they would on the NixOS machine: WireGuard's interface is the configuration's (the instance name, its socket
 * in the host's own /run/wireguard), Yggdrasil's admin socket is at yggdrasilctl's default place, and each daemon
 * is registered under the systemd unit NixOS would run it as (/run/cnd-lab/overlay-units/<unit>/pid), which the
 * host's systemctl TEST DOUBLE answers `systemctl show`/`is-active` from (active while that process lives). So what
 * runs on the host over SSH (the app's verify: systemctl, ip, wg, yggdrasilctl) sees the configuration's names.
 *
 * Two ways to run it: startOverlay starts every member's daemon at once from generated files (a test then verifies
 * or pings), and registerOverlayOnSwitch makes the lab's NixOS switches do it, as a TEST DOUBLE of the switch's
 * service activation: each `switch-to-configuration switch` on a stand-in host (re)starts that host's daemon from the
 * flake the deploy uploaded to it, before the switch returns (see there).
 *
 * Not carried out: the NixOS firewall (networking.firewall). The lab hosts have none, so a port a module forgets to
 * open would not show here; the ports the daemons listen and dial on are the configuration's.
 */

const run = promisify(execFile);

/** The VPNs the stand-in can start. */
export type OverlayVpn = 'yggdrasil' | 'nebula' | 'wireguard' | 'tinc';

/** One machine's daemon as the stand-in started it. */
export interface OverlayMember {
  machine: string;
  host: LabHost;
  /** The overlay address the configuration gives the machine: what the others ping. */
  address: string;
  /** The daemon's interface in the host's namespace. */
  interface: string;
  /** Roles the machine holds in the instance. */
  roles: string[];
  /** The daemon's configuration file as the stand-in wrote it. */
  configPath: string;
  /** The daemon's standard output and error. */
  logPath: string;
}

/** A running overlay in the lab. */
export interface RunningOverlay {
  vpn: OverlayVpn;
  /** The VPN instance name in inventory.json. */
  instance: string;
  members: Readonly<Record<string, OverlayMember>>;
  /** What the stand-in had to translate for Debian's daemons, one sentence each. */
  notes: readonly string[];
  member(machine: string): OverlayMember;
  /** Pings `to`'s overlay address from inside `from`'s namespace; true when a reply came. */
  ping(from: string, to: string, options?: { count?: number; waitSeconds?: number }): Promise<boolean>;
  /** Stops one machine's daemon (SIGTERM; SIGKILL after 2 s). */
  stop(machine: string): Promise<void>;
  /** Starts one machine's daemon again with the same configuration. */
  start(machine: string): Promise<void>;
  /** Drops all overlay traffic between two machines with iptables inside `a`'s namespace (both directions). */
  cut(a: string, b: string): Promise<void>;
  /** Removes a cut again. */
  mend(a: string, b: string): Promise<void>;
  /** The last lines of a machine's daemon log. */
  logTail(machine: string, lines?: number): string;
  /** Stops every daemon, removes cuts, sysctl changes, sockets and the state folder. */
  destroy(): Promise<void>;
}

/** How a daemon is run on one machine. */
interface DaemonPlan {
  machine: string;
  host: LabHost;
  roles: string[];
  interface: string;
  address: string;
  /** Started (and ready) before the others, because the others connect to it. */
  anchor: boolean;
  /** The program and its arguments, run inside the host's namespace. */
  argv: string[];
  configPath: string;
  logPath: string;
  /** A TCP port an anchor listens on before the others start (Yggdrasil retries a peer only once a minute). */
  listenTcp?: number;
  /** Files made outside the state folder; recorded with the lab before the daemon starts. */
  outsideFiles?: string[];
  /** Run after the daemon started and before it is checked: what NixOS does around it (wg setconf, addresses). */
  afterSpawn?: () => Promise<void>;
  /** Sysctls NixOS sets on the machine (boot.kernel.sysctl), as name -> value. */
  sysctls?: Record<string, string>;
  /** The systemd unit NixOS runs the daemon as (nixpkgs' module), without `.service`. */
  unit: string;
  /** Folders of the host's own /run the daemon needs (NixOS stand-ins only: RuntimeDirectory of the unit). */
  runDirs?: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

let overlayCounter = 0;

async function sh(file: string, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const child = run(file, args, { timeout: options.timeoutMs ?? 15_000, maxBuffer: 64 * 1024 * 1024 });
  // Nothing here reads a terminal: standard input is the given text, or closed at once. A program that exits
  // without reading it (wg genkey) makes the write fail with EPIPE, which is no error of the program.
  child.child.stdin?.on('error', () => undefined);
  if (options.input === undefined) child.child.stdin?.end();
  else child.child.stdin?.end(options.input);
  try {
    const { stdout } = await child;
    return stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`${file} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** Runs a program inside a lab host's network namespace. */
function inNamespace(host: LabHost, argv: string[], options: { input?: string } = {}): Promise<string> {
  return sh('ip', ['netns', 'exec', host.namespace, ...argv], options);
}

/**
 * The argv that runs a program inside a lab host: in a NixOS stand-in's own namespaces (its file system view, with
 * its own /run), else in the host's network namespace.
 */
function hostArgv(host: LabHost, argv: string[]): [string, string[]] {
  const pid = host.nixos?.pid;
  if (host.nixos !== undefined && pid === undefined) throw new Error(`NixOS stand-in ${host.name} is down`);
  return pid === undefined ? ['ip', ['netns', 'exec', host.namespace, ...argv]] : ['nsenter', ['--target', String(pid), '--mount', '--uts', '--net', '--', ...argv]];
}

/** Runs a program inside a lab host (see hostArgv). */
function inHost(host: LabHost, argv: string[]): Promise<string> {
  const [file, args] = hostArgv(host, argv);
  return sh(file, args);
}

/** Where a path of a lab host is, from this computer: the host's own view on a NixOS stand-in, else the path itself. */
function hostPath(host: LabHost, path: string): string {
  return host.nixos === undefined ? path : host.nixos.path(path);
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: Json | undefined, what: string): JsonObject {
  if (!isObject(value)) throw new Error(`${what}: expected an object, found ${JSON.stringify(value)}`);
  return value;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Linux accepts interface names of 1 to 15 bytes without '/', ':' or whitespace; NixOS would fail to create others. */
function checkInterfaceName(name: string, what: string): string {
  if (name.length === 0 || Buffer.byteLength(name) > 15 || /[/:\s]/.test(name) || name === '.' || name === '..') {
    throw new Error(`${what}: "${name}" is not a valid Linux interface name (1 to 15 bytes, no '/', ':' or spaces)`);
  }
  return name;
}

// ---------------------------------------------------------------- inventory roles (clan-core services)

/**
 * The machines of each role of an instance with their settings, as clan resolves them: machines listed by name and
 * by tag (`all` is every machine, `nixos` every NixOS machine), role settings with machine settings on top. A machine
 * the role names that inventory.json does not have is an error, as in clan.
 */
function resolveRoles(inventory: JsonObject, instanceName: string): Map<string, Map<string, JsonObject>> {
  const instance = asObject(asObject(inventory.instances, 'inventory.json instances')[instanceName], `instance ${instanceName}`);
  const machines = isObject(inventory.machines) ? inventory.machines : {};
  const names = Object.keys(machines).sort();
  const tagged = (tag: string): string[] => {
    if (tag === 'all') return names;
    if (tag === 'nixos') return names.filter((m) => (asObject(machines[m], m).machineClass ?? 'nixos') === 'nixos');
    return names.filter((m) => {
      const tags = asObject(machines[m], m).tags;
      return Array.isArray(tags) && tags.includes(tag);
    });
  };
  const out = new Map<string, Map<string, JsonObject>>();
  for (const [roleName, roleValue] of Object.entries(asObject(instance.roles ?? {}, `instance ${instanceName} roles`))) {
    const role = asObject(roleValue, `role ${roleName}`);
    const roleSettings = isObject(role.settings) ? role.settings : {};
    const byName = isObject(role.machines) ? role.machines : {};
    const tags = role.tags ?? [];
    const tagList = Array.isArray(tags) ? tags.map(String) : Object.keys(asObject(tags, `role ${roleName} tags`));
    if (!Array.isArray(tags) && tagList.some((t) => Object.keys(asObject(asObject(tags, 'tags')[t], t).settings ?? {}).length > 0)) {
      throw new Error(`instance ${instanceName}: settings per tag are not supported by this stand-in`);
    }
    const members = [...new Set([...Object.keys(byName), ...tagList.flatMap(tagged)])];
    const resolved = new Map<string, JsonObject>();
    for (const m of members) {
      if (!(m in machines)) throw new Error(`instance ${instanceName}: role ${roleName} names machine ${m}, which inventory.json does not have`);
      const own = isObject(byName[m]) && isObject((byName[m] as JsonObject).settings) ? ((byName[m] as JsonObject).settings as JsonObject) : {};
      for (const key of Object.keys(own)) {
        if (key in roleSettings && JSON.stringify(roleSettings[key]) !== JSON.stringify(own[key])) {
          throw new Error(`instance ${instanceName}, role ${roleName}, machine ${m}: setting ${key} is defined differently for the role and the machine`);
        }
      }
      resolved.set(m, { ...roleSettings, ...own });
    }
    out.set(roleName, resolved);
  }
  return out;
}

/** An option of a clan-core service's role interface, as the stand-in checks it. */
interface OptionSpec {
  check: (value: Json) => boolean;
  type: string;
  /** Absent: the option has no default (reading it unset is an error). */
  default?: Json;
}

const isStr = (v: Json) => typeof v === 'string';
const isInt = (v: Json) => typeof v === 'number' && Number.isInteger(v);

/** Settings with defaults applied; unknown settings and wrong types throw, as the module system does. */
function applyInterface(settings: JsonObject, options: Record<string, OptionSpec>, where: string): Map<string, Json | undefined> {
  const out = new Map<string, Json | undefined>();
  for (const key of Object.keys(settings)) {
    if (!(key in options)) throw new Error(`${where}: the setting ${key} does not exist in the service's interface`);
  }
  for (const [key, spec] of Object.entries(options)) {
    const value = settings[key];
    if (value !== undefined) {
      if (!spec.check(value)) throw new Error(`${where}: setting ${key} = ${JSON.stringify(value)} is not a ${spec.type}`);
      out.set(key, value);
    } else {
      out.set(key, spec.default);
    }
  }
  return out;
}

/** Reads an option; unset without a default is the module system's "used but not defined". */
function required(settings: Map<string, Json | undefined>, key: string, where: string): Json {
  const value = settings.get(key);
  if (value === undefined) throw new Error(`${where}: the option \`${key}' is used but not defined`);
  return value;
}

// ---------------------------------------------------------------- our modules, evaluated with nix-instantiate

const harnessDir = join(projectRoot, 'test/lab/overlays');

interface ModuleGenerator {
  share: boolean;
  dependencies: string[];
  validation: Json;
  files: Record<string, { secret: boolean; deploy: boolean }>;
}

interface EvalRequest {
  flakeDir: string;
  instance: string;
  phase: 'generators' | 'system';
  machines: string[];
  vars?: Record<string, Record<string, { files: Record<string, { value: string; path: string }> }>>;
  publicVars?: Record<string, Record<string, Record<string, string>>>;
}

/** Evaluates our module for the given machines (evalService.nix): pure, under restrict-eval, without a store. */
async function evalService(stateDir: string, request: EvalRequest): Promise<JsonObject> {
  const requestPath = join(stateDir, `eval-${request.phase}.json`);
  writeFileSync(requestPath, JSON.stringify(request));
  const args = [
    '--store',
    'dummy://',
    '--option',
    'restrict-eval',
    'true',
    '-I',
    harnessDir,
    '-I',
    stateDir,
    '--eval',
    '--strict',
    '--json',
    join(harnessDir, 'evalService.nix'),
    '--argstr',
    'request',
    requestPath,
  ];
  const stdout = await sh('nix-instantiate', args, { timeoutMs: 60_000 }).catch((error: Error) => {
    throw new Error(`evaluating the generated ${request.instance} module (${request.phase}) failed: ${error.message}`);
  });
  return asObject(JSON.parse(stdout) as Json, 'evalService.nix result');
}

/** The marker evalService.nix's pkgs.writeText puts before the text. */
const writeTextMarker = /^@stand-in-writeText:([^@\n]+)@\n/;

/** A NixOS `path` value: a file our module made with pkgs.writeText is written under `dir`; a path stays as it is. */
function materialise(value: Json | undefined, dir: string, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a path, found ${JSON.stringify(value)}`);
  const match = writeTextMarker.exec(value);
  if (match === null) {
    if (!value.startsWith('/')) throw new Error(`${what}: "${value}" is not an absolute path`);
    return value;
  }
  const path = join(dir, match[1]!.replace(/[^A-Za-z0-9._-]/g, '_'));
  writeFileSync(path, value.slice(match[0].length), { mode: 0o600 });
  return path;
}

/** Vars made by the lab, in the shape evalService.nix takes them. */
interface LabVars {
  vars: NonNullable<EvalRequest['vars']>;
  publicVars: NonNullable<EvalRequest['publicVars']>;
}

type VarMaker = (request: { generator: string; machine: string | null; spec: ModuleGenerator; dir: string; deps: Map<string, Record<string, string>> }) => Promise<Record<string, string>>;

/**
 * Keys are made once and then kept in the overlay's key store (`keysDir`), as Clan makes a machine's vars once and a
 * later switch to a changed configuration keeps them: `name` is the key's folder there, `madeFor` what it was made
 * for. When that changes (a generator now asks for another address), the key is made again, as Clan regenerates the
 * vars of a changed generator. `make` writes the files into the folder and returns what to keep (JSON).
 */
async function keptKey<T>(keysDir: string, name: string, madeFor: Json, make: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(keysDir, name);
  const record = join(dir, '.made.json');
  const madeForText = JSON.stringify(madeFor);
  try {
    const kept = JSON.parse(readFileSync(record, 'utf8')) as { madeFor: string; value: T };
    if (kept.madeFor === madeForText) return kept.value;
  } catch {
    // Not made yet (or made for something else, below).
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = await make(dir);
  writeFileSync(record, JSON.stringify({ madeFor: madeForText, value }), { mode: 0o600 });
  return value;
}

/**
 * Makes every vars generator our module declares, with the real tools (`maker` knows each generator by name; an
 * unknown one throws), or takes the ones kept in the key store (keptKey) when they were made for the same generator
 * and the same files of its dependencies. Shared generators are made once and must be declared identically on every
 * machine, as Clan requires. Files are written to <keysDir>/vars/{shared,per-machine/<m>}/<generator>/<file>.
 */
async function makeVars(keysDir: string, generators: Map<string, Record<string, ModuleGenerator>>, maker: VarMaker): Promise<LabVars> {
  const shared = new Map<string, { spec: ModuleGenerator; files: Record<string, string> }>();
  const vars: LabVars = { vars: {}, publicVars: {} };
  // What a generator's files were made for: its declaration and the files of its dependencies (a new CA signs anew).
  const madeFor = (spec: ModuleGenerator, mine: Map<string, Record<string, string>>): Json => ({
    spec: JSON.stringify(spec),
    dependencies: spec.dependencies.map((dep) => Object.entries(mine.get(dep) ?? {}).map(([file, path]) => `${dep}/${file}:${sha256Hex(readFileSync(path, 'utf8'))}`).join(',')),
  });
  const made = new Map<string, Map<string, Record<string, string>>>();
  const order = (gens: Record<string, ModuleGenerator>): string[] => {
    const sorted: string[] = [];
    const visit = (name: string, path: string[]) => {
      if (sorted.includes(name)) return;
      if (path.includes(name)) throw new Error(`vars generators depend on each other in a cycle: ${[...path, name].join(' -> ')}`);
      const spec = gens[name];
      if (spec === undefined) throw new Error(`vars generator ${path[path.length - 1]} depends on ${name}, which is not declared`);
      for (const dep of spec.dependencies) visit(dep, [...path, name]);
      sorted.push(name);
    };
    for (const name of Object.keys(gens).sort()) visit(name, []);
    return sorted;
  };
  for (const [machine, gens] of [...generators].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const mine = new Map<string, Record<string, string>>();
    made.set(machine, mine);
    for (const name of order(gens)) {
      const spec = gens[name]!;
      let files: Record<string, string>;
      if (spec.share) {
        const existing = shared.get(name);
        if (existing !== undefined) {
          if (JSON.stringify(existing.spec) !== JSON.stringify(spec)) throw new Error(`shared vars generator ${name} is declared differently on ${machine}`);
          files = existing.files;
        } else {
          files = await keptKey(keysDir, join('vars', 'shared', name), madeFor(spec, mine), (dir) => maker({ generator: name, machine: null, spec, dir, deps: mine }));
          shared.set(name, { spec, files });
        }
      } else {
        files = await keptKey(keysDir, join('vars', 'per-machine', machine, name), madeFor(spec, mine), (dir) => maker({ generator: name, machine, spec, dir, deps: mine }));
      }
      for (const file of Object.keys(spec.files)) {
        if (files[file] === undefined) throw new Error(`vars generator ${name} made no file ${file}`);
      }
      mine.set(name, files);
      const entry: Record<string, { value: string; path: string }> = {};
      for (const [file, path] of Object.entries(files)) {
        entry[file] = { value: readFileSync(path, 'utf8'), path };
        if (spec.files[file]?.secret === false) {
          ((vars.publicVars[machine] ??= {})[name] ??= {})[file] = entry[file].value;
        }
      }
      (vars.vars[machine] ??= {})[name] = { files: entry };
    }
  }
  return vars;
}

/**
 * Evaluates our module twice, as a switch would use it: once to learn which vars generators each machine declares
 * (the lab then makes them), once with the vars to get the NixOS options. Returns the members with their options.
 */
async function evaluateOwnModule(
  stateDir: string,
  keysDir: string,
  flakeDir: string,
  inventory: JsonObject,
  instance: string,
  maker: VarMaker,
): Promise<{ members: Map<string, { roles: string[]; options: JsonObject; generators: Record<string, ModuleGenerator> }>; vars: LabVars }> {
  const machines = Object.keys(asObject(inventory.machines ?? {}, 'inventory.json machines')).sort();
  const first = await evalService(stateDir, { flakeDir, instance, phase: 'generators', machines });
  const generators = new Map<string, Record<string, ModuleGenerator>>();
  const roles = new Map<string, string[]>();
  for (const m of machines) {
    const entry = asObject(first[m], `machine ${m}`);
    const held = (entry.roles as string[]) ?? [];
    if (held.length === 0) continue;
    roles.set(m, held);
    generators.set(m, asObject(entry.generators ?? {}, `${m} generators`) as unknown as Record<string, ModuleGenerator>);
  }
  if (roles.size === 0) throw new Error(`instance ${instance}: no machine holds a role`);
  const vars = await makeVars(keysDir, generators, maker);
  const second = await evalService(stateDir, { flakeDir, instance, phase: 'system', machines: [...roles.keys()], vars: vars.vars, publicVars: vars.publicVars });
  const members = new Map<string, { roles: string[]; options: JsonObject; generators: Record<string, ModuleGenerator> }>();
  for (const [m, held] of roles) {
    const entry = asObject(second[m], `machine ${m}`);
    const failed = (entry.failedAssertions as string[]) ?? [];
    if (failed.length > 0) throw new Error(`${m}: the NixOS configuration fails its assertions: ${failed.join(' | ')}`);
    const modules = (entry.modules as Json[]) ?? [];
    if (modules.length !== 1) throw new Error(`${m}: holds ${held.length} roles (${held.join(', ')}) in ${instance}; the stand-in takes one module per machine`);
    members.set(m, { roles: held, options: asObject(modules[0], `${m} module`), generators: generators.get(m)! });
  }
  return { members, vars };
}

/** The one network our module defines under services.<service>.networks, checked against the NixOS option names. */
function theNetwork(options: JsonObject, service: string, known: readonly string[], machine: string): [string, JsonObject] {
  const networks = asObject(asObject(asObject(options.services ?? {}, 'services')[service] ?? {}, service).networks ?? {}, `${service}.networks`);
  const names = Object.keys(networks);
  if (names.length !== 1) throw new Error(`${machine}: services.${service}.networks defines ${names.length} networks (${names.join(', ')}); expected one`);
  const [net] = names as [string];
  const cfg = asObject(networks[net], `services.${service}.networks.${net}`);
  const unknown = Object.keys(cfg).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`${machine}: services.${service}.networks.${net} sets options NixOS does not have: ${unknown.join(', ')}`);
  const other = (options.otherOptions as string[] | undefined) ?? [];
  if (other.length > 0) throw new Error(`${machine}: the module also sets ${other.join(', ')}, which the stand-in does not carry out`);
  return [net, cfg];
}

// ---------------------------------------------------------------- Nebula

/** Options of nixpkgs' services.nebula.networks.<net> (nixos/modules/services/networking/nebula.nix). */
const nebulaOptions = ['enable', 'package', 'ca', 'cert', 'key', 'staticHostMap', 'isLighthouse', 'isRelay', 'lighthouses', 'relays', 'listen', 'tun', 'firewall', 'settings', 'lighthouse', 'enableReload'] as const;

/** Deep merge like nixpkgs' lib.recursiveUpdate (the right side wins, attribute sets are merged). */
function recursiveUpdate(left: JsonObject, right: JsonObject): JsonObject {
  const out: JsonObject = { ...left };
  for (const [k, v] of Object.entries(right)) out[k] = isObject(out[k]) && isObject(v) ? recursiveUpdate(out[k] as JsonObject, v) : v;
  return out;
}

/**
 * Nebula from our module: the vars generators nebula-<instance>-ca (shared: nebula-cert ca) and nebula-<instance>
 * (nebula-cert sign with the name, address and groups of the generator's `validation`, which is what its script
 * signs); then services.nebula.networks.<net> turned into nebula's config as nixpkgs' module does: pki, static host
 * map, lighthouse am_lighthouse/hosts, relay am_relay/relays/use_relays, listen host/port, tun dev (nebula.<net>),
 * firewall, and `settings` merged on top. Runs `nebula -config`.
 */
async function planNebula(ctx: PlanContext): Promise<DaemonPlan[]> {
  const { members } = await evaluateOwnModule(ctx.stateDir, ctx.keysDir, ctx.flakeDir, ctx.inventory, ctx.instance, async ({ generator, spec, dir, deps }): Promise<Record<string, string>> => {
    const files = Object.keys(spec.files).sort().join(',');
    if (generator === `nebula-${ctx.instance}-ca` && spec.share && files === 'ca.crt,ca.key') {
      await sh('nebula-cert', ['ca', '-name', `clan-${ctx.instance}`, '-duration', '87600h', '-out-crt', join(dir, 'ca.crt'), '-out-key', join(dir, 'ca.key')]);
      return { 'ca.crt': join(dir, 'ca.crt'), 'ca.key': join(dir, 'ca.key') };
    }
    if (generator === `nebula-${ctx.instance}` && !spec.share && files === 'node.crt,node.key') {
      const request = asObject(spec.validation, `${generator} validation`);
      const ca = typeof request.caGenerator === 'string' ? deps.get(request.caGenerator) : undefined;
      if (ca === undefined || !spec.dependencies.includes(request.caGenerator as string)) throw new Error(`${generator}: its CA generator ${JSON.stringify(request.caGenerator)} is not among its dependencies`);
      const groups = Array.isArray(request.groups) ? request.groups.map(String) : [];
      await sh('nebula-cert', [
        'sign',
        '-ca-crt',
        ca['ca.crt']!,
        '-ca-key',
        ca['ca.key']!,
        '-name',
        String(request.name),
        '-ip',
        String(request.ip),
        ...(groups.length > 0 ? ['-groups', groups.join(',')] : []),
        '-out-crt',
        join(dir, 'node.crt'),
        '-out-key',
        join(dir, 'node.key'),
      ]);
      return { 'node.crt': join(dir, 'node.crt'), 'node.key': join(dir, 'node.key') };
    }
    throw new Error(`the lab cannot make the vars generator ${generator} (files ${files}) that the nebula module declares`);
  });
  const plans: DaemonPlan[] = [];
  for (const [machine, { roles, options, generators }] of members) {
    const host = ctx.hostOf(machine);
    const [net, cfg] = theNetwork(options, 'nebula', nebulaOptions, machine);
    if (cfg.enable === false) throw new Error(`${machine}: services.nebula.networks.${net}.enable is false`);
    const dir = ctx.machineDir(machine);
    const listen = isObject(cfg.listen) ? cfg.listen : {};
    const tun = isObject(cfg.tun) ? cfg.tun : {};
    const firewall = isObject(cfg.firewall) ? cfg.firewall : {};
    const isLighthouse = cfg.isLighthouse === true;
    const device = checkInterfaceName(typeof tun.device === 'string' ? tun.device : `nebula.${net}`, `${machine}: nebula tun device`);
    const config = recursiveUpdate(
      {
        pki: { ca: materialise(cfg.ca, dir, `${machine}: nebula ca`), cert: materialise(cfg.cert, dir, `${machine}: nebula cert`), key: materialise(cfg.key, dir, `${machine}: nebula key`) },
        static_host_map: (cfg.staticHostMap ?? {}) as JsonObject,
        lighthouse: { am_lighthouse: isLighthouse, hosts: (cfg.lighthouses ?? []) as Json[] },
        relay: { am_relay: cfg.isRelay === true, relays: (cfg.relays ?? []) as Json[], use_relays: true },
        listen: { host: (listen.host as string | undefined) ?? '0.0.0.0', port: (listen.port as number | undefined) ?? 4242 },
        tun: { disabled: tun.disable === true, dev: device },
        firewall: { inbound: (firewall.inbound ?? []) as Json[], outbound: (firewall.outbound ?? []) as Json[] },
      },
      isObject(cfg.settings) ? cfg.settings : {},
    );
    // The overlay address is the one the certificate was signed for (the node generator's request).
    const nodeRequest = Object.entries(generators).find(([name]) => name === `nebula-${ctx.instance}`)?.[1]?.validation;
    const ip = isObject(nodeRequest) && typeof nodeRequest.ip === 'string' ? nodeRequest.ip.split('/')[0]! : '';
    if (ip === '') throw new Error(`${machine}: no overlay address in the nebula node certificate request`);
    // JSON is YAML: nebula reads it as its config.yml.
    const configPath = join(dir, 'config.yml');
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
    plans.push({
      machine,
      host,
      roles,
      interface: device,
      address: ip,
      anchor: isLighthouse,
      // nixpkgs nixos/modules/services/networking/nebula.nix: systemd.services."nebula@${netName}".
      unit: `nebula@${net}`,
      argv: ['nebula', '-config', configPath],
      configPath,
      logPath: join(dir, 'daemon.log'),
    });
  }
  return plans;
}

// ---------------------------------------------------------------- Tinc

/** Options of nixpkgs' services.tinc.networks.<net> and of its hostSettings.<host>. */
const tincOptions = ['extraConfig', 'name', 'ed25519PrivateKeyFile', 'rsaPrivateKeyFile', 'debugLevel', 'hosts', 'hostSettings', 'interfaceType', 'listenAddress', 'bindToAddress', 'package', 'chroot', 'settings'] as const;
const tincHostOptions = ['addresses', 'subnets', 'rsaPublicKey', 'settings'];

/** A tinc setting as nixpkgs renders it: one `Key = value` line per list element, booleans as yes/no. */
function tincLines(settings: JsonObject, skip: readonly string[] = []): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (skip.includes(key)) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === null) continue;
      lines.push(`${key} = ${typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)}`);
    }
  }
  return lines;
}

/**
 * Tinc from our module: the vars generator tinc-<instance> (ed25519_key.priv, ed25519_key.pub), then
 * services.tinc.networks.<net> written out as nixpkgs' module writes /etc/tinc/<net>: tinc.conf (Name, DeviceType,
 * Device, Interface tinc.<net>, the settings) and hosts/<name> (Address per `addresses`, Subnet per `subnets`, the
 * host's settings), and networking.interfaces."tinc.<net>" as the address NixOS gives the interface when tincd makes
 * it (here: a tinc-up script). Runs `tincd -D`.
 *
 * Debian 12 has tinc 1.0.36, nixpkgs' tinc_pre is 1.1, so the stand-in translates exactly two things and checks
 * them: keys are RSA (tinc 1.0 has no Ed25519): the lab makes an RSA key pair with `tincd -K` per machine, and the
 * var ed25519_key.pub holds its fingerprint (`rsa-sha256:<hex>`), so every host file's Ed25519PublicKey must name the
 * right machine's key before that key is written as the host's RSA public key; and AutoConnect (1.1 only) is left
 * out: tinc 1.0 connects to the ConnectTo nodes only and forwards through them, so every path the configuration
 * leaves to AutoConnect must go through a ConnectTo node here.
 */
async function planTinc(ctx: PlanContext): Promise<DaemonPlan[]> {
  const { members, vars } = await evaluateOwnModule(ctx.stateDir, ctx.keysDir, ctx.flakeDir, ctx.inventory, ctx.instance, async ({ generator, spec, dir, machine }): Promise<Record<string, string>> => {
    const files = Object.keys(spec.files).sort().join(',');
    if (generator !== `tinc-${ctx.instance}` || spec.share || files !== 'ed25519_key.priv,ed25519_key.pub') {
      throw new Error(`the lab cannot make the vars generator ${generator} (files ${files}) that the tinc module declares`);
    }
    const work = join(dir, 'keygen');
    mkdirSync(join(work, 'hosts'), { recursive: true });
    writeFileSync(join(work, 'tinc.conf'), 'Name = node\n');
    await sh('tincd', ['-c', work, '-K', '2048'], { input: '' });
    const publicKey = readFileSync(join(work, 'hosts', 'node'), 'utf8');
    const pem = /-----BEGIN RSA PUBLIC KEY-----[\s\S]*?-----END RSA PUBLIC KEY-----/.exec(publicKey)?.[0];
    if (pem === undefined) throw new Error(`tincd -K wrote no RSA public key for ${machine}`);
    writeFileSync(join(dir, 'ed25519_key.pub'), `rsa-sha256:${sha256Hex(pem)}`);
    return { 'ed25519_key.priv': join(work, 'rsa_key.priv'), 'ed25519_key.pub': join(dir, 'ed25519_key.pub') };
  });
  // Each machine's RSA public key by the fingerprint its var holds (read from the key store: the keys may be kept ones).
  const rsaPublicKeys = new Map<string, string>();
  for (const machineVars of Object.values(vars.vars)) {
    const files = machineVars[`tinc-${ctx.instance}`]?.files;
    if (files?.['ed25519_key.priv'] === undefined || files['ed25519_key.pub'] === undefined) continue;
    const publicKey = readFileSync(join(dirname(files['ed25519_key.priv'].path), 'hosts', 'node'), 'utf8');
    const pem = /-----BEGIN RSA PUBLIC KEY-----[\s\S]*?-----END RSA PUBLIC KEY-----/.exec(publicKey)?.[0];
    if (pem !== undefined) rsaPublicKeys.set(files['ed25519_key.pub'].value.trim(), pem);
  }
  ctx.notes.push('tinc: Debian 12 has tinc 1.0, which has no Ed25519 keys: each machine got an RSA key pair, and the Ed25519PublicKey of every host file was checked to name that machine\'s key before its RSA key was written instead.');
  ctx.notes.push('tinc: AutoConnect is a tinc 1.1 setting that tinc 1.0 does not have; it was left out, so tinc connects only to its ConnectTo nodes and forwards through them.');
  const plans: DaemonPlan[] = [];
  for (const [machine, { roles, options }] of members) {
    const host = ctx.hostOf(machine);
    const [net, cfg] = theNetwork(options, 'tinc', tincOptions, machine);
    const where = `${machine}: services.tinc.networks.${net}`;
    if (cfg.interfaceType !== undefined && cfg.interfaceType !== 'tun') throw new Error(`${where}: interfaceType ${JSON.stringify(cfg.interfaceType)}; the stand-in runs tun only`);
    if (typeof cfg.name !== 'string' || !/^[A-Za-z0-9_]+$/.test(cfg.name)) throw new Error(`${where}: name ${JSON.stringify(cfg.name)} is not a tinc node name ([A-Za-z0-9_])`);
    const iface = checkInterfaceName(`tinc.${net}`, where);
    const dir = ctx.machineDir(machine);
    const confDir = join(dir, 'tinc');
    mkdirSync(join(confDir, 'hosts'), { recursive: true });
    // The private key NixOS points tincd at must be this machine's own var.
    const ownKey = vars.vars[machine]?.[`tinc-${ctx.instance}`]?.files['ed25519_key.priv']?.path;
    if (cfg.ed25519PrivateKeyFile !== ownKey) throw new Error(`${where}: ed25519PrivateKeyFile ${JSON.stringify(cfg.ed25519PrivateKeyFile)} is not this machine's key ${ownKey}`);
    const settings = isObject(cfg.settings) ? cfg.settings : {};
    const tincConf = [`Name = ${cfg.name}`, 'DeviceType = tun', 'Device = /dev/net/tun', `Interface = ${iface}`, `PrivateKeyFile = ${ownKey}`, ...tincLines(settings, ['AutoConnect'])];
    if (typeof cfg.extraConfig === 'string' && cfg.extraConfig.trim() !== '') tincConf.push(cfg.extraConfig.trim());
    writeFileSync(join(confDir, 'tinc.conf'), `${tincConf.join('\n')}\n`);
    const hostSettings = asObject(cfg.hostSettings ?? {}, `${where}.hostSettings`);
    for (const [name, value] of Object.entries(hostSettings)) {
      const h = asObject(value, `${where}.hostSettings.${name}`);
      const unknown = Object.keys(h).filter((k) => !tincHostOptions.includes(k));
      if (unknown.length > 0) throw new Error(`${where}.hostSettings.${name} sets options NixOS does not have: ${unknown.join(', ')}`);
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`${where}.hostSettings: "${name}" is not a tinc node name`);
      const lines: string[] = [];
      for (const a of (h.addresses ?? []) as Json[]) {
        const address = asObject(a, `${name} address`);
        lines.push(`Address = ${String(address.address)}${address.port === undefined || address.port === null ? '' : ` ${String(address.port)}`}`);
      }
      for (const s of (h.subnets ?? []) as Json[]) {
        const subnet = asObject(s, `${name} subnet`);
        const prefix = subnet.prefixLength === undefined || subnet.prefixLength === null ? '' : `/${String(subnet.prefixLength)}`;
        lines.push(`Subnet = ${String(subnet.address)}${prefix}${subnet.weight === undefined || subnet.weight === null ? '' : `#${String(subnet.weight)}`}`);
      }
      const hostOwn = isObject(h.settings) ? h.settings : {};
      lines.push(...tincLines(hostOwn, ['Ed25519PublicKey']));
      const token = hostOwn.Ed25519PublicKey;
      const owner = [...members.keys()].find((m) => m.replaceAll('-', '_') === name);
      const expected = owner === undefined ? undefined : vars.publicVars[owner]?.[`tinc-${ctx.instance}`]?.['ed25519_key.pub'];
      if (typeof token !== 'string' || expected === undefined || token !== expected.trim()) {
        throw new Error(`${where}.hostSettings.${name}: Ed25519PublicKey ${JSON.stringify(token)} is not the key of machine ${owner ?? '(none with that tinc name)'}`);
      }
      lines.push(typeof h.rsaPublicKey === 'string' && h.rsaPublicKey.trim() !== '' ? h.rsaPublicKey.trim() : rsaPublicKeys.get(token)!);
      writeFileSync(join(confDir, 'hosts', name), `${lines.join('\n')}\n`);
    }
    if (!(cfg.name in hostSettings)) throw new Error(`${where}: no host file for this machine's own name ${cfg.name}`);
    // NixOS gives the interface its address when tincd creates it (networking.interfaces); tinc-up does that here.
    const interfaces = asObject(asObject(options.networking ?? {}, 'networking').interfaces ?? {}, 'networking.interfaces');
    const otherInterfaces = Object.keys(interfaces).filter((i) => i !== iface);
    if (otherInterfaces.length > 0) throw new Error(`${machine}: networking.interfaces configures ${otherInterfaces.join(', ')}, which tincd does not create (it creates ${iface})`);
    const addresses = (asObject(asObject(interfaces[iface] ?? {}, iface).ipv4 ?? {}, `${iface}.ipv4`).addresses ?? []) as Json[];
    if (addresses.length === 0) throw new Error(`${machine}: networking.interfaces."${iface}" gives the interface no address`);
    const up = addresses.map((a) => asObject(a, 'address')).map((a) => `ip addr add '${String(a.address)}/${String(a.prefixLength)}' dev "$INTERFACE"`);
    writeFileSync(join(confDir, 'tinc-up'), `#!/bin/sh\n# The lab's stand-in for NixOS's networking.interfaces."${iface}".\nip link set "$INTERFACE" up\n${up.join('\n')}\n`, { mode: 0o755 });
    const address = String(asObject(addresses[0], 'address').address);
    const ownHost = asObject(hostSettings[cfg.name], 'own host');
    plans.push({
      machine,
      host,
      roles,
      interface: iface,
      address,
      anchor: ((ownHost.addresses ?? []) as Json[]).length > 0,
      // nixpkgs nixos/modules/services/networking/tinc.nix: systemd.services."tinc.${network}".
      unit: `tinc.${net}`,
      argv: ['tincd', '-D', '-c', confDir, '--pidfile', join(dir, 'tinc.pid'), '-d', String(typeof cfg.debugLevel === 'number' ? cfg.debugLevel : 0)],
      configPath: join(confDir, 'tinc.conf'),
      logPath: join(dir, 'daemon.log'),
    });
    const port = isObject(ownHost.settings) ? ownHost.settings.Port : undefined;
    if (plans[plans.length - 1]!.anchor) plans[plans.length - 1]!.listenTcp = typeof port === 'number' ? port : 655;
  }
  return plans;
}

// ---------------------------------------------------------------- Yggdrasil (clan-core's service)

const yggdrasilInterface: Record<string, OptionSpec> = {
  extraMulticastInterfaces: { type: 'list of attribute sets', check: (v) => Array.isArray(v) && v.every(isObject), default: [] },
  extraPeers: { type: 'list of strings', check: (v) => Array.isArray(v) && v.every(isStr), default: [] },
};

/**
 * The machine's own yggdrasil admin socket: in its state folder, or, when that path is too long for a unix socket
 * (108 bytes), in the temp folder under a lab-unique name recorded with the lab so teardown removes it.
 */
function adminSocket(ctx: PlanContext, dir: string): string {
  const inState = join(dir, 'admin.sock');
  if (Buffer.byteLength(inState) <= 100) return inState;
  const short = join(tmpdir(), `cnd-ygg-${ctx.labId}-${sha256Hex(inState).slice(0, 8)}.sock`);
  ctx.recordOutsideFile(short);
  return short;
}

/** Peer URIs clan-core's yggdrasil service makes from one exported host (tcp, quic, ws, tls; socks for .onion). */
function yggdrasilUris(host: string): string[] {
  if (host.endsWith('.onion')) return [`socks://127.0.0.1:9050/${host}:6443`, `sockstls://127.0.0.1:9050/${host}:6446`];
  const h = host.includes(':') ? `[${host}]` : host;
  return [`tcp://${h}:6443`, `quic://${h}:6444`, `ws://${h}:6445`, `tls://${h}:6446`];
}

/**
 * Yggdrasil as clan-core's clanServices/yggdrasil configures it (re-implemented; see the module comment): every
 * member of role `default`; Peers = for every OTHER machine, the hosts the other services export (the internet
 * service's `host`) as tcp/quic/ws/tls URIs on 6443-6446, plus the machine's extraPeers; Listen on those four ports;
 * the allowed public keys of every member; IfName "ygg". The lab sets MulticastInterfaces to [] (clan's default would
 * find LAN neighbours by multicast; the lab tests the configured peers) and its own AdminListen socket. Debian's
 * yggdrasil 0.4.7 has no QUIC or WebSocket transport: those URIs are left out and noted.
 */
async function planYggdrasil(ctx: PlanContext): Promise<DaemonPlan[]> {
  const roles = resolveRoles(ctx.inventory, ctx.instance);
  for (const role of roles.keys()) if (role !== 'default') throw new Error(`instance ${ctx.instance}: role "${role}" does not exist in clan-core's yggdrasil service (unmatched roles)`);
  const members = roles.get('default') ?? new Map<string, JsonObject>();
  if (members.size === 0) throw new Error(`instance ${ctx.instance}: no machine holds the yggdrasil role`);
  // Exports of the other instances: clan-core's internet service exports each machine's host; sshd exports none.
  const exported = new Map<string, string[]>();
  for (const [name, value] of Object.entries(asObject(ctx.inventory.instances, 'instances'))) {
    if (name === ctx.instance) continue;
    const module = asObject(asObject(value, name).module ?? {}, `${name} module`);
    const input = module.input ?? null;
    const moduleName = (module.name as string | undefined) ?? name;
    if (moduleName === 'sshd' && (input === null || input === 'clan-core')) continue;
    if (moduleName !== 'internet' || (input !== null && input !== 'clan-core')) {
      throw new Error(`instance ${name} (module ${moduleName}) may export yggdrasil peers, which this stand-in does not know how to read`);
    }
    for (const [machine, settings] of resolveRoles(ctx.inventory, name).get('default') ?? new Map()) {
      const host = typeof settings.host === 'string' ? settings.host.trim() : '';
      if (host !== '') exported.set(machine, [...(exported.get(machine) ?? []), host]);
    }
  }
  // Debian's build says "Build version: unknown"; its package version says what it is.
  const versionText = `${await sh('yggdrasil', ['-version'])} ${await sh('dpkg-query', ['-W', '-f', '${Version}', 'yggdrasil']).catch(() => '')}`;
  const version = /(\d+)\.(\d+)\.(\d+)/.exec(versionText);
  const modern = version !== null && (Number(version[1]) > 0 || Number(version[2]) >= 5);
  const supported = (uri: string) => modern || /^(tcp|tls|socks|sockstls):\/\//.test(uri);
  if (!modern) ctx.notes.push(`yggdrasil: Debian's yggdrasil ${version?.[0] ?? '?'} has no QUIC or WebSocket transport; the quic:// and ws:// peers and listeners clan configures were left out, tcp:// and tls:// kept.`);

  const keys = new Map<string, { config: JsonObject; publicKey: string }>();
  for (const machine of [...members.keys()].sort()) {
    // Clan's vars generator yggdrasil: the machine's key pair, made once (keptKey).
    const kept = await keptKey(ctx.keysDir, join('yggdrasil', machine), 'yggdrasil -genconf', async () => {
      const config = asObject(JSON.parse(await sh('yggdrasil', ['-genconf', '-json'])) as Json, 'yggdrasil -genconf');
      const privateKey = String(config.PrivateKey ?? '');
      const publicKey = typeof config.PublicKey === 'string' ? config.PublicKey : privateKey.slice(64);
      if (!/^[0-9a-f]{64}$/.test(publicKey)) throw new Error(`yggdrasil -genconf: no public key for ${machine}`);
      return { config, publicKey };
    });
    keys.set(machine, kept);
  }
  const allowed = [...keys.values()].map((k) => k.publicKey);
  const plans: DaemonPlan[] = [];
  for (const [machine, raw] of members) {
    const where = `instance ${ctx.instance}, role default, machine ${machine}`;
    const settings = applyInterface(raw, yggdrasilInterface, where);
    const host = ctx.hostOf(machine);
    const dir = ctx.machineDir(machine);
    const peers = [...new Set([...[...exported].filter(([m]) => m !== machine).flatMap(([, hosts]) => hosts.flatMap(yggdrasilUris)), ...(required(settings, 'extraPeers', where) as string[])])];
    const listen = ['tcp://[::]:6443', 'quic://[::]:6444', 'ws://[::]:6445', 'tls://[::]:6446'];
    const { config } = keys.get(machine)!;
    const allowedKey = 'AllowedEncryptionPublicKeys' in config && !('AllowedPublicKeys' in config) ? 'AllowedEncryptionPublicKeys' : 'AllowedPublicKeys';
    const final: JsonObject = {
      ...config,
      Peers: peers.filter(supported),
      Listen: listen.filter(supported),
      // Inside a NixOS stand-in: where yggdrasilctl looks without -endpoint (Debian's build: /var/run/yggdrasil/).
      AdminListen: ctx.ownFileSystems ? 'unix:///var/run/yggdrasil/yggdrasil.sock' : `unix://${adminSocket(ctx, dir)}`,
      MulticastInterfaces: [],
      [allowedKey]: allowed,
      IfName: 'ygg',
    };
    const configPath = join(dir, 'yggdrasil.conf');
    writeFileSync(configPath, `${JSON.stringify(final, null, 2)}\n`, { mode: 0o600 });
    const address = (await sh('yggdrasil', ['-useconffile', configPath, '-address'])).trim();
    plans.push({
      machine,
      host,
      roles: ['default'],
      interface: checkInterfaceName('ygg', where),
      address,
      // nixpkgs nixos/modules/services/networking/yggdrasil.nix: systemd.services.yggdrasil.
      unit: 'yggdrasil',
      ...(ctx.ownFileSystems ? { runDirs: ['/run/yggdrasil'] } : {}),
      anchor: exported.has(machine),
      listenTcp: 6443,
      argv: ['yggdrasil', '-useconffile', configPath, '-logto', 'stdout'],
      configPath,
      logPath: join(dir, 'daemon.log'),
    });
  }
  return plans;
}

// ---------------------------------------------------------------- WireGuard (clan-core's service)

const wireguardShared: Record<string, OptionSpec> = {
  port: { type: 'int', check: isInt, default: 51820 },
  domain: { type: 'null or string', check: (v) => v === null || isStr(v), default: null },
  mtu: { type: 'null or int', check: (v) => v === null || isInt(v), default: null },
};
const wireguardController: Record<string, OptionSpec> = { ...wireguardShared, endpoint: { type: 'string', check: isStr } };
const wireguardPeer: Record<string, OptionSpec> = { ...wireguardShared, controller: { type: 'string', check: isStr } };

/** An IPv6 address as a 128-bit number (full or '::'-compressed text). */
function parseIPv6(text: string): bigint {
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) throw new Error(`not an IPv6 address: ${text}`);
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function formatIPv6(value: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i -= 1) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/** A CIDR with the host bits cleared: `ip route` refuses host bits, and WireGuard ignores them. */
function maskedCidr(cidr: string): string {
  const [address, bits] = cidr.split('/') as [string, string];
  if (!address.includes(':')) return cidr;
  const n = Number(bits);
  const mask = n === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - n)) - 1n);
  return `${formatIPv6(parseIPv6(address) & mask)}/${n}`;
}

/**
 * The lab's stand-in for the vars generator wireguard-network-<instance>: clan-core's ipv6_allocator.py, which
 * derives a /40 ULA from the instance name, a /56 per controller and a 64-bit suffix per peer from sha256 of the
 * names. Written uncompressed (fdXX:XXXX:HH:LL00), which is the same address.
 */
function wireguardPrefix(instance: string, controller: string): string {
  const h = sha256Hex(instance);
  const id = parseInt(sha256Hex(controller).slice(0, 4), 16);
  return [`fd${h.slice(0, 2)}`, h.slice(2, 6), (id >> 8).toString(16), ((id & 0xff) << 8).toString(16)].map((g) => parseInt(g, 16).toString(16)).join(':');
}

function wireguardSuffix(peer: string): string {
  const h = sha256Hex(peer);
  return [h.slice(0, 4), h.slice(4, 8), h.slice(8, 12), h.slice(12, 16)].join(':');
}

/**
 * WireGuard as clan-core's clanServices/wireguard configures it (re-implemented; see the module comment): hub and
 * spoke. A controller gets <prefix>::1/40, listens on its `port`, has every peer (allowedIPs: the peer's /96 in
 * every controller subnet, keepalive 25) and every other controller (its /56, endpoint "<endpoint>:<port>"), and
 * forwards IPv6. A peer gets <controller prefix>:<suffix>/56 in every controller subnet and has every controller
 * (its /56, endpoint "<endpoint>:<port>", keepalive 25). A machine holding both roles is refused (clan's assertion);
 * a controller without `endpoint` fails as "used but not defined". NixOS's networking.wireguard adds a route per
 * allowed IP (allowedIPsAsRoutes). wireguard-go is started with `-f` and configured with `wg setconf`.
 */
async function planWireguard(ctx: PlanContext): Promise<DaemonPlan[]> {
  const roles = resolveRoles(ctx.inventory, ctx.instance);
  for (const role of roles.keys()) if (role !== 'controller' && role !== 'peer') throw new Error(`instance ${ctx.instance}: role "${role}" does not exist in clan-core's wireguard service (unmatched roles)`);
  const where = (role: string, m: string) => `instance ${ctx.instance}, role ${role}, machine ${m}`;
  const controllers = new Map([...(roles.get('controller') ?? new Map<string, JsonObject>())].map(([m, s]) => [m, applyInterface(s, wireguardController, where('controller', m))]));
  const peers = new Map([...(roles.get('peer') ?? new Map<string, JsonObject>())].map(([m, s]) => [m, applyInterface(s, wireguardPeer, where('peer', m))]));
  for (const m of controllers.keys()) if (peers.has(m)) throw new Error(`Machine '${m}' cannot have both 'controller' and 'peer' roles in the wireguard instance '${ctx.instance}'.`);
  if (controllers.size === 0) throw new Error(`instance ${ctx.instance}: no machine holds the wireguard controller role, so the peers have no one to connect to`);
  checkInterfaceName(ctx.instance, `wireguard instance ${ctx.instance} (the interface name NixOS would use)`);
  const keys = new Map<string, { privateKey: string; publicKey: string }>();
  for (const m of [...controllers.keys(), ...peers.keys()].sort()) {
    // Clan's vars generator for the machine's WireGuard key pair, made once (keptKey).
    const kept = await keptKey(ctx.keysDir, join('wireguard', m), 'wg genkey', async () => {
      const privateKey = (await sh('wg', ['genkey'])).trim();
      return { privateKey, publicKey: (await sh('wg', ['pubkey'], { input: `${privateKey}\n` })).trim() };
    });
    keys.set(m, kept);
  }
  const prefix = new Map([...controllers.keys()].map((c) => [c, wireguardPrefix(ctx.instance, c)]));
  const endpointOf = (c: string) => `${String(required(controllers.get(c)!, 'endpoint', where('controller', c)))}:${String(required(controllers.get(c)!, 'port', where('controller', c)))}`;
  const names = [...keys.keys()];
  const plans: DaemonPlan[] = [];
  for (const m of names) {
    const isController = controllers.has(m);
    const host = ctx.hostOf(m);
    const dir = ctx.machineDir(m);
    // Lab-unique: wireguard-go's control socket lives in the file system all namespaces share; a NixOS stand-in has
    // its own /run, so there the interface has the configuration's name (clan-core: the instance name).
    const iface = ctx.ownFileSystems ? checkInterfaceName(ctx.instance, `${m}: interface`) : checkInterfaceName(`wg${ctx.labId}${names.indexOf(m)}`, `${m}: lab interface`);
    const socket = hostPath(host, `/run/wireguard/${iface}.sock`);
    const lines = ['[Interface]', `PrivateKey = ${keys.get(m)!.privateKey}`];
    const allowedAll: string[] = [];
    let addresses: string[];
    let address: string;
    const sysctls: Record<string, string> = {};
    if (isController) {
      lines.push(`ListenPort = ${String(required(controllers.get(m)!, 'port', where('controller', m)))}`);
      addresses = [`${prefix.get(m)!}::1/40`];
      address = `${prefix.get(m)!}::1`;
      sysctls['net.ipv6.conf.all.forwarding'] = '1';
      for (const p of peers.keys()) {
        const allowed = [...controllers.keys()].map((c) => maskedCidr(`${prefix.get(c)!}:${wireguardSuffix(p)}/96`));
        allowedAll.push(...allowed);
        lines.push('', '[Peer]', `PublicKey = ${keys.get(p)!.publicKey}`, `AllowedIPs = ${allowed.join(', ')}`, 'PersistentKeepalive = 25');
      }
      for (const c of controllers.keys()) {
        if (c === m) continue;
        const allowed = [maskedCidr(`${prefix.get(c)!}::/56`)];
        allowedAll.push(...allowed);
        lines.push('', '[Peer]', `PublicKey = ${keys.get(c)!.publicKey}`, `AllowedIPs = ${allowed.join(', ')}`, `Endpoint = ${endpointOf(c)}`, 'PersistentKeepalive = 25');
      }
    } else {
      const suffix = wireguardSuffix(m);
      addresses = [...controllers.keys()].map((c) => `${prefix.get(c)!}:${suffix}/56`);
      const designated = controllers.size === 1 ? [...controllers.keys()][0]! : String(required(peers.get(m)!, 'controller', where('peer', m)));
      if (!prefix.has(designated)) throw new Error(`${where('peer', m)}: controller "${designated}" is not a controller of the instance`);
      address = `${prefix.get(designated)!}:${suffix}`;
      for (const c of controllers.keys()) {
        const allowed = [maskedCidr(`${prefix.get(c)!}::/56`)];
        allowedAll.push(...allowed);
        lines.push('', '[Peer]', `PublicKey = ${keys.get(c)!.publicKey}`, `AllowedIPs = ${allowed.join(', ')}`, `Endpoint = ${endpointOf(c)}`, 'PersistentKeepalive = 25');
      }
    }
    const configPath = join(dir, 'wg.conf');
    writeFileSync(configPath, `${lines.join('\n')}\n`, { mode: 0o600 });
    const mtu = (isController ? controllers.get(m)! : peers.get(m)!).get('mtu');
    plans.push({
      machine: m,
      host,
      roles: [isController ? 'controller' : 'peer'],
      interface: iface,
      address,
      anchor: isController,
      argv: ['wireguard-go', '-f', iface],
      configPath,
      logPath: join(dir, 'daemon.log'),
      // nixpkgs nixos/modules/services/networking/wireguard.nix: systemd.services."wireguard-${name}".
      unit: `wireguard-${ctx.instance}`,
      ...(ctx.ownFileSystems ? {} : { outsideFiles: [`/var/run/wireguard/${iface}.sock`] }),
      sysctls,
      afterSpawn: async () => {
        await waitFor(`${m}: wireguard-go's interface ${iface}`, async () => existsSync(socket) && (await linkExists(host, iface)), 5_000);
        await inHost(host, ['wg', 'setconf', iface, configPath]);
        for (const a of addresses) await sh('ip', ['-n', host.namespace, '-6', 'addr', 'add', a, 'dev', iface]);
        if (typeof mtu === 'number') await sh('ip', ['-n', host.namespace, 'link', 'set', iface, 'mtu', String(mtu)]);
        await sh('ip', ['-n', host.namespace, 'link', 'set', iface, 'up']);
        for (const cidr of allowedAll) await sh('ip', ['-n', host.namespace, '-6', 'route', 'replace', cidr, 'dev', iface]);
      },
    });
  }
  return plans;
}

// ---------------------------------------------------------------- running the daemons

interface PlanContext {
  labId: string;
  stateDir: string;
  flakeDir: string;
  inventory: JsonObject;
  instance: string;
  notes: string[];
  hostOf(machine: string): LabHost;
  machineDir(machine: string): string;
  /** Lab.recordOutsideFile: a file outside the lab folder that teardown must remove. */
  recordOutsideFile(path: string): void;
  /** Every lab host is a NixOS stand-in with its own file system view: daemons run inside the hosts (module comment). */
  ownFileSystems: boolean;
  /** Where keys are kept (keptKey): fresh for each startOverlay; one store for every switch of registerOverlayOnSwitch. */
  keysDir: string;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms: number, onTimeout?: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${onTimeout === undefined ? '' : `\n${onTimeout()}`}`);
    await sleep(100);
  }
}

async function linkExists(host: LabHost, iface: string): Promise<boolean> {
  try {
    await sh('ip', ['-n', host.namespace, 'link', 'show', 'dev', iface]);
    return true;
  } catch {
    return false;
  }
}

async function hasAddress(host: LabHost, iface: string, address: string): Promise<boolean> {
  try {
    const out = await sh('ip', ['-n', host.namespace, '-o', 'addr', 'show', 'dev', iface]);
    return out.split('\n').some((line) => {
      const found = /\sinet6?\s([^/\s]+)/.exec(line)?.[1];
      if (found === undefined) return false;
      return found.includes(':') && address.includes(':') ? parseIPv6(found) === parseIPv6(address) : found === address;
    });
  } catch {
    return false;
  }
}

async function tcpListening(host: LabHost, port: number): Promise<boolean> {
  try {
    await inNamespace(host, ['bash', '-c', 'exec 3<>"/dev/tcp/$1/$2"', 'bash', host.address, String(port)]);
    return true;
  } catch {
    return false;
  }
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Which VPN an inventory instance runs: clan-core's service name for yggdrasil and wireguard, ours for nebula and tinc. */
function findInstance(inventory: JsonObject, vpn: OverlayVpn): string {
  const found = Object.entries(asObject(inventory.instances ?? {}, 'inventory.json instances')).filter(([, value]) => {
    const module = asObject(asObject(value, 'instance').module ?? {}, 'module');
    return module.name === vpn;
  });
  if (found.length !== 1) throw new Error(`inventory.json has ${found.length} instances of module "${vpn}"; the stand-in starts exactly one`);
  return found[0]![0];
}

/** Programs the overlay stand-in runs, with the Debian package of each (scripts/install-test-deps.sh installs them). */
const overlayPrograms: readonly (readonly [string, string])[] = [
  ['yggdrasil', 'yggdrasil'],
  ['nebula', 'nebula'],
  ['nebula-cert', 'nebula'],
  ['tincd', 'tinc'],
  ['wireguard-go', 'wireguard-go'],
  ['wg', 'wireguard-tools'],
  ['nix-instantiate', 'nix-bin'],
  ['ping', 'iputils-ping'],
  ['ip6tables', 'iptables'],
];

/** What the overlay stand-in needs from this machine besides the lab, or a list of what is missing (empty when it can run). */
export function missingOverlayPrograms(): string[] {
  const path = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  return overlayPrograms
    .filter(([program]) => !path.some((dir) => dir !== '' && existsSync(join(dir, program))))
    .map(([program, pkg]) => `${program} (Debian package ${pkg}; install with: sudo bash scripts/install-test-deps.sh)`);
}

/**
 * Whether tests that start the overlay stand-in can run: skips with a message naming the missing programs locally,
 * and throws with CI=true (as shouldRunLab does). `what` names those tests in the message ("the verify lab tests").
 */
export function overlayProgramsPresent(what: string): boolean {
  const missing = missingOverlayPrograms();
  if (missing.length === 0) return true;
  const message = `The overlay stand-in needs: ${missing.join('; ')}.`;
  if (process.env.CI === 'true') throw new Error(`Cannot run ${what}. ${message} CI=true, so this fails instead of skipping.`);
  console.warn(`SKIPPING ${what}. ${message}`);
  return false;
}

/**
 * Pings every pair (`[from, to]`) over the overlay until each has answered once or `ms` runs out; returns the pairs
 * still not answering, as `from -> to`. Each round pings the pairs still pending at the same time, or `oneAtATime`,
 * so that no two tunnels or relays are set up at once. Each ping is one echo request waiting 1 s for its reply.
 */
export async function waitForOverlayPairs(
  overlay: Pick<RunningOverlay, 'ping'>,
  pairs: readonly (readonly [string, string])[],
  ms: number,
  options: { oneAtATime?: boolean } = {},
): Promise<string[]> {
  const deadline = Date.now() + ms;
  const pending = new Map(pairs.map(([from, to]) => [`${from} -> ${to}`, [from, to] as const]));
  const answers = async ([label, [from, to]]: [string, readonly [string, string]]) => {
    if (await overlay.ping(from, to, { waitSeconds: 1 })) pending.delete(label);
  };
  while (pending.size > 0 && Date.now() < deadline) {
    if (options.oneAtATime === true) for (const entry of [...pending]) await answers(entry);
    else await Promise.all([...pending].map(answers));
  }
  return [...pending.keys()];
}

const planners: Record<OverlayVpn, (ctx: PlanContext) => Promise<DaemonPlan[]>> = {
  nebula: planNebula,
  tinc: planTinc,
  wireguard: planWireguard,
  yggdrasil: planYggdrasil,
};

/** The daemons a configuration asks for, planned. */
interface PlannedOverlay {
  instance: string;
  plans: DaemonPlan[];
  notes: string[];
}

/**
 * Writes the generated flake `files` to <stateDir>/flake and plans every member's daemon from it (the planners
 * above), with the keys of `keysDir` (keptKey). Machines are matched to lab hosts by name (every member needs one).
 */
async function planOverlay(lab: Lab, files: Readonly<Record<string, string>>, vpn: OverlayVpn, stateDir: string, keysDir: string): Promise<PlannedOverlay> {
  const flakeDir = join(stateDir, 'flake');
  rmSync(stateDir, { recursive: true, force: true });
  for (const [path, content] of Object.entries(files)) {
    if (path.startsWith('/') || path.split('/').some((p) => p === '..' || p === '')) throw new Error(`generated path ${path} leaves the flake`);
    mkdirSync(dirname(join(flakeDir, path)), { recursive: true });
    writeFileSync(join(flakeDir, path), content);
  }
  const inventoryText = files['inventory.json'];
  if (inventoryText === undefined) throw new Error('the generated flake has no inventory.json');
  const inventory = asObject(JSON.parse(inventoryText) as Json, 'inventory.json');
  const instance = findInstance(inventory, vpn);
  const notes: string[] = [];
  const ctx: PlanContext = {
    labId: lab.id,
    stateDir,
    flakeDir,
    inventory,
    instance,
    notes,
    hostOf(machine) {
      const host = lab.hosts[machine];
      if (host === undefined) throw new Error(`machine ${machine} of instance ${instance} has no lab host of that name`);
      return host;
    },
    recordOutsideFile: (path) => lab.recordOutsideFile(path),
    ownFileSystems: Object.values(lab.hosts).every((h) => h.nixos !== undefined),
    machineDir(machine) {
      const dir = join(stateDir, 'machines', machine.replace(/[^A-Za-z0-9_-]/g, '_'));
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return dir;
    },
    keysDir,
  };
  return { instance, plans: await planners[vpn](ctx), notes };
}

/**
 * Runs planned daemons in the lab's hosts, one per machine, and undoes everything it did at the end: cuts, sysctl
 * changes, sockets outside the lab, and the unit files the hosts' systemctl double reads.
 */
class DaemonRunner {
  /** The plan each machine runs, or ran last. */
  readonly plans = new Map<string, DaemonPlan>();
  private readonly children = new Map<string, ChildProcess>();
  private readonly cuts: { a: string; b: string; host: LabHost; rules: { tool: string; rule: string[] }[] }[] = [];
  private readonly sysctlsBefore: { host: LabHost; name: string; value: string }[] = [];
  /** Unit folders written in hosts (host name -> units), removed at the end. */
  private readonly unitFolders = new Map<string, { host: LabHost; units: Set<string> }>();

  constructor(
    private readonly lab: Lab,
    private readonly vpn: OverlayVpn,
    private readonly ownFileSystems: boolean,
  ) {}

  planOf(machine: string): DaemonPlan {
    const plan = this.plans.get(machine);
    if (plan === undefined) throw new Error(`${machine} is not a member of the ${this.vpn} overlay`);
    return plan;
  }

  isRunning(machine: string): boolean {
    return this.children.has(machine);
  }

  /** Sets the sysctls NixOS sets for the daemon, keeping the values from before the first change. */
  async applySysctls(plan: DaemonPlan): Promise<void> {
    for (const [name, value] of Object.entries(plan.sysctls ?? {})) {
      if (!this.sysctlsBefore.some((s) => s.host === plan.host && s.name === name)) {
        const before = (await inNamespace(plan.host, ['sysctl', '-n', name])).trim();
        this.sysctlsBefore.push({ host: plan.host, name, value: before });
      }
      await inNamespace(plan.host, ['sysctl', '-q', '-w', `${name}=${value}`]);
    }
  }

  /** Starts `plan`'s daemon (its machine's plan from now on) unless that machine's daemon runs; resolves once it is up. */
  async start(plan: DaemonPlan): Promise<void> {
    if (this.children.has(plan.machine)) return;
    this.plans.set(plan.machine, plan);
    await this.applySysctls(plan);
    for (const file of plan.outsideFiles ?? []) this.lab.recordOutsideFile(file);
    for (const dir of plan.runDirs ?? []) mkdirSync(hostPath(plan.host, dir), { recursive: true, mode: 0o755 });
    const log = openSync(plan.logPath, 'a');
    const [file, args] = hostArgv(plan.host, plan.argv);
    // nsenter and ip netns exec both exec the daemon in place: the child's pid is the daemon's.
    const child = spawn(file, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    this.children.set(plan.machine, child);
    if (this.ownFileSystems && child.pid !== undefined) {
      // The unit as the host's systemctl test double sees it: active while this process lives.
      const unitDir = hostPath(plan.host, `/run/cnd-lab/overlay-units/${plan.unit}`);
      mkdirSync(unitDir, { recursive: true, mode: 0o755 });
      writeFileSync(join(unitDir, 'pid'), `${child.pid}\n`, { mode: 0o644 });
      const folders = this.unitFolders.get(plan.host.name) ?? { host: plan.host, units: new Set<string>() };
      folders.units.add(plan.unit);
      this.unitFolders.set(plan.host.name, folders);
    }
    let exited = false;
    child.once('exit', () => {
      exited = true;
      if (this.children.get(plan.machine) === child) this.children.delete(plan.machine);
    });
    const logTail = () => `${plan.machine}'s ${plan.argv[0]} log:\n${tail(plan.logPath, 30)}`;
    const alive = () => {
      if (exited) throw new Error(`${plan.machine}: ${plan.argv.join(' ')} exited\n${logTail()}`);
    };
    try {
      await plan.afterSpawn?.();
      await waitFor(
        `${plan.machine}: ${plan.interface} with ${plan.address}`,
        async () => {
          alive();
          return hasAddress(plan.host, plan.interface, plan.address);
        },
        10_000,
        logTail,
      );
      const port = plan.listenTcp;
      if (plan.anchor && port !== undefined) {
        await waitFor(
          `${plan.machine}: ${plan.argv[0]} listening on TCP ${port}`,
          async () => {
            alive();
            return tcpListening(plan.host, port);
          },
          10_000,
          logTail,
        );
      }
    } catch (error) {
      await this.stop(plan.machine);
      throw error;
    }
  }

  /**
   * Stops a machine's daemon (SIGTERM; SIGKILL after 2 s). Its unit stays known to the host's systemctl double as
   * inactive (dead), as a stopped unit does; `removeUnit` takes it away, as a switch to a system without it does.
   */
  async stop(machine: string, options: { removeUnit?: boolean } = {}): Promise<void> {
    const child = this.children.get(machine);
    if (child !== undefined) {
      this.children.delete(machine);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await exited;
        clearTimeout(timer);
      }
      for (const file of this.plans.get(machine)?.outsideFiles ?? []) rmSync(file, { force: true });
    }
    const plan = this.plans.get(machine);
    if (options.removeUnit === true && plan !== undefined) this.removeUnit(plan.host, plan.unit);
  }

  private removeUnit(host: LabHost, unit: string): void {
    this.unitFolders.get(host.name)?.units.delete(unit);
    try {
      rmSync(hostPath(host, `/run/cnd-lab/overlay-units/${unit}`), { recursive: true, force: true });
    } catch {
      // The host is down: its /run went with it.
    }
  }

  async ping(from: string, to: string, options: { count?: number; waitSeconds?: number } = {}): Promise<boolean> {
    const count = options.count ?? 1;
    const args = ['ping', '-n', '-q', '-c', String(count), '-W', String(options.waitSeconds ?? 1)];
    if (count > 1) args.push('-i', '0.3');
    try {
      await inNamespace(this.planOf(from).host, [...args, this.planOf(to).address]);
      return true;
    } catch {
      return false;
    }
  }

  async cut(a: string, b: string): Promise<void> {
    if (this.cuts.some((c) => c.a === a && c.b === b)) return;
    const from = this.planOf(a);
    const to = this.planOf(b);
    const tool = to.address.includes(':') ? 'ip6tables' : 'iptables';
    // By interface name: the rules outlive a restart of the daemon (a switch), which makes the interface anew.
    const rules = [
      { tool, rule: ['INPUT', '-i', from.interface, '-s', to.address, '-j', 'DROP'] },
      { tool, rule: ['OUTPUT', '-o', from.interface, '-d', to.address, '-j', 'DROP'] },
    ];
    this.cuts.push({ a, b, host: from.host, rules });
    for (const { tool: t, rule } of rules) await inNamespace(from.host, [t, '-w', '-I', ...rule]);
  }

  async mend(a: string, b: string): Promise<void> {
    const index = this.cuts.findIndex((c) => c.a === a && c.b === b);
    if (index < 0) return;
    const [cut] = this.cuts.splice(index, 1);
    for (const { tool, rule } of cut!.rules) await inNamespace(cut!.host, [tool, '-w', '-D', ...rule]);
  }

  logTail(machine: string, lines = 30): string {
    return tail(this.planOf(machine).logPath, lines);
  }

  async destroy(): Promise<void> {
    for (const { a, b } of [...this.cuts]) await this.mend(a, b).catch(() => undefined);
    await Promise.all([...this.children.keys()].map((m) => this.stop(m)));
    for (const { host, name, value } of this.sysctlsBefore) await inNamespace(host, ['sysctl', '-q', '-w', `${name}=${value}`]).catch(() => undefined);
    for (const plan of this.plans.values()) for (const file of plan.outsideFiles ?? []) rmSync(file, { force: true });
    for (const { host, units } of this.unitFolders.values()) for (const unit of [...units]) this.removeUnit(host, unit);
  }
}

function memberOf(p: DaemonPlan): OverlayMember {
  return { machine: p.machine, host: p.host, address: p.address, interface: p.interface, roles: p.roles, configPath: p.configPath, logPath: p.logPath };
}

/**
 * Starts the overlay the generated flake `files` configures for `vpn` in the lab: machines are matched to lab hosts
 * by name (every member needs one). Daemons of anchors (lighthouses, bootstrap nodes, controllers, public peers)
 * start first and must be ready before the others start. Throws, after stopping whatever it started, when the
 * configuration cannot be carried out; see the module comment. Keys are made anew for each call.
 */
export async function startOverlay(lab: Lab, files: Readonly<Record<string, string>>, vpn: OverlayVpn): Promise<RunningOverlay> {
  overlayCounter += 1;
  const stateDir = join(lab.dir, 'overlays', `${vpn}-${overlayCounter}`);
  const { instance, plans, notes } = await planOverlay(lab, files, vpn, stateDir, join(stateDir, 'keys'));
  const runner = new DaemonRunner(lab, vpn, Object.values(lab.hosts).every((h) => h.nixos !== undefined));
  for (const plan of plans) runner.plans.set(plan.machine, plan);
  const destroy = async () => {
    await runner.destroy();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    for (const plan of plans) await runner.applySysctls(plan);
    // Anchors first: the others connect to them at start (Yggdrasil retries a peer only about once a minute).
    await Promise.all(plans.filter((p) => p.anchor).map((p) => runner.start(p)));
    await Promise.all(plans.filter((p) => !p.anchor).map((p) => runner.start(p)));
  } catch (error) {
    await destroy();
    throw error;
  }

  const members: Record<string, OverlayMember> = Object.fromEntries(plans.map((p) => [p.machine, memberOf(p)]));
  return {
    vpn,
    instance,
    members,
    notes,
    member(machine) {
      const found = members[machine];
      if (found === undefined) throw new Error(`${machine} is not a member of the ${vpn} overlay`);
      return found;
    },
    ping: (from, to, options) => runner.ping(from, to, options),
    stop: (machine) => runner.stop(machine),
    start: (machine) => runner.start(runner.planOf(machine)),
    cut: (a, b) => runner.cut(a, b),
    mend: (a, b) => runner.mend(a, b),
    logTail: (machine, lines) => runner.logTail(machine, lines),
    destroy,
  };
}

// ---------------------------------------------------------------- the overlay on switch

/** One switch the overlay stand-in answered for (registerOverlayOnSwitch). */
export interface OverlaySwitch {
  machine: string;
  /** The system switched to. */
  system: string;
  /**
   * started / restarted: the machine's daemon runs the configuration of that system; stopped: the system has no
   * overlay for the machine (a first system installed by hand, or a configuration without it), so none runs;
   * failed: the daemon could not be started (the switch exits 4 with `message`).
   */
  outcome: 'started' | 'restarted' | 'stopped' | 'failed';
  message: string;
  /** When the switch asked, and when it was answered (ms since the epoch). */
  askedAt: number;
  answeredAt: number;
}

/** The overlay the lab's NixOS switches run (registerOverlayOnSwitch). */
export interface OverlayOnSwitch {
  vpn: OverlayVpn;
  /** Every switch answered so far, oldest first. */
  switches(): readonly OverlaySwitch[];
  /** The machines whose daemon runs now, with what the configuration of their last switch gives them. */
  members(): Readonly<Record<string, OverlayMember>>;
  member(machine: string): OverlayMember;
  /** What the stand-in had to translate for Debian's daemons (of every configuration switched to). */
  notes(): readonly string[];
  /** As RunningOverlay's: pings over the overlay, stops and starts a daemon, cuts and mends a pair, reads a log. */
  ping(from: string, to: string, options?: { count?: number; waitSeconds?: number }): Promise<boolean>;
  stop(machine: string): Promise<void>;
  start(machine: string): Promise<void>;
  cut(a: string, b: string): Promise<void>;
  mend(a: string, b: string): Promise<void>;
  logTail(machine: string, lines?: number): string;
  /** Stops listening for switches, waits for an answer being made, then stops every daemon and undoes what was done. */
  destroy(): Promise<void>;
}

/** The files of a flake folder on this computer, as text, without Clan's vars and secrets (the stand-in makes its own keys). */
function readFlake(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(dir, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (relative === '' && (entry.name === 'vars' || entry.name === 'sops' || entry.name === '.git')) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files[path] = readFileSync(join(dir, path), 'utf8');
    }
  };
  walk('');
  return files;
}

/**
 * Makes the lab's NixOS switches bring the overlay up, as a real NixOS switch does: a TEST DOUBLE of the service
 * activation of `switch-to-configuration switch`. From now on, when the switch double activates a system on a NixOS
 * stand-in host, it asks this test process (NixosStandIn.onSwitch, a file handshake with a time limit) and waits;
 * the stand-in then (re)starts that host's `vpn` daemon from the flake the system was built from (the folder the
 * deploy uploaded to that host, read at the first switch to that system and kept for it, so a rollback to it runs
 * what it ran), planned as startOverlay plans it, and answers once the daemon is up (its address, and for anchors
 * their port), so the daemon runs before the switch returns: before the deploy's confirmation and the verify that
 * follows. A switch to a system without the overlay for the machine (the host's first system, installed by hand)
 * stops its daemon and removes its unit. A daemon that cannot start fails the switch (exit 4, the reason printed).
 *
 * Opt-in per lab: switches start nothing until a test registers, and nothing after destroy(). Keys (Clan's vars)
 * are made once per registration with the real tools and kept per machine across switches (keptKey); Clan's own
 * vars/ and sops/ in the uploaded flake are not read. Every lab host must be a NixOS stand-in.
 */
export function registerOverlayOnSwitch(lab: Lab, vpn: OverlayVpn, options: { limitSeconds?: number } = {}): OverlayOnSwitch {
  const hosts = Object.values(lab.hosts);
  if (!hosts.every((h) => h.nixos !== undefined)) throw new Error('registerOverlayOnSwitch: every lab host must be a NixOS stand-in (nixos: true)');
  overlayCounter += 1;
  const root = join(lab.dir, 'overlays', `${vpn}-on-switch-${overlayCounter}`);
  rmSync(root, { recursive: true, force: true });
  const keysDir = join(root, 'keys');
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const runner = new DaemonRunner(lab, vpn, true);
  const switches: OverlaySwitch[] = [];
  const notes = new Set<string>();
  /** The flake each system was built from, read at its first switch (the uploaded folder changes with the next deploy). */
  const flakes = new Map<string, Record<string, string>>();
  /** Plans per configuration (the flake's files by hash): every machine of a deploy switches to the same one. */
  const planned = new Map<string, Promise<PlannedOverlay>>();
  let planning: Promise<unknown> = Promise.resolve();
  /** Per machine, the switches are answered one after another. */
  const perMachine = new Map<string, Promise<unknown>>();
  const inFlight = new Set<Promise<unknown>>();
  /** Set by destroy(): a switch asking from then on starts nothing. */
  let closed = false;

  const planFor = (files: Record<string, string>): Promise<PlannedOverlay> => {
    const hash = sha256Hex(JSON.stringify(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    const found = planned.get(hash);
    if (found !== undefined) return found;
    // One plan at a time: plans share the key store.
    const next = planning.then(() => planOverlay(lab, files, vpn, join(root, 'configs', String(planned.size + 1)), keysDir));
    planning = next.catch(() => undefined);
    planned.set(hash, next);
    // A plan that failed (a time limit on a busy machine) is tried again at the next switch.
    next.catch(() => planned.delete(hash));
    return next;
  };

  const activate = async (host: LabHost, request: NixosSwitchRequest): Promise<Omit<OverlaySwitch, 'askedAt' | 'answeredAt'>> => {
    const machine = host.name;
    if (closed) throw new Error('the test no longer runs the overlay on switch');
    if (request.machine !== '' && request.machine !== machine) throw new Error(`the system ${request.system} was built for ${request.machine}, not for this host`);
    let files = flakes.get(request.system);
    if (files === undefined && request.flakeDir !== null) {
      files = readFlake(host.nixos!.path(request.flakeDir));
      flakes.set(request.system, files);
    }
    const before = runner.plans.get(machine);
    const wasRunning = runner.isRunning(machine);
    const plan = files === undefined ? undefined : await planFor(files).then((p) => {
      for (const note of p.notes) notes.add(note);
      return p.plans.find((candidate) => candidate.machine === machine);
    });
    if (plan === undefined) {
      await runner.stop(machine, { removeUnit: true });
      const message = wasRunning && before !== undefined ? `stopping the following units: ${before.unit}.service` : `no ${vpn} unit in this system`;
      return { machine, system: request.system, outcome: 'stopped', message };
    }
    await runner.stop(machine, { removeUnit: before !== undefined && before.unit !== plan.unit });
    await runner.start(plan);
    return { machine, system: request.system, outcome: wasRunning ? 'restarted' : 'started', message: `${wasRunning ? 'restarting' : 'starting'} the following units: ${plan.unit}.service` };
  };

  for (const host of hosts) {
    host.nixos!.onSwitch(
      (request) => {
        const askedAt = Date.now();
        const answer = (perMachine.get(host.name) ?? Promise.resolve())
          .then(() => activate(host, request))
          .catch((error: Error) => ({ machine: host.name, system: request.system, outcome: 'failed' as const, message: `${vpn} on ${host.name}: ${error.message}` }))
          .then((done) => {
            switches.push({ ...done, askedAt, answeredAt: Date.now() });
            return { ok: done.outcome !== 'failed', lines: done.message.split('\n') };
          });
        perMachine.set(host.name, answer);
        inFlight.add(answer);
        void answer.finally(() => inFlight.delete(answer));
        return answer;
      },
      { limitSeconds: options.limitSeconds ?? 60 },
    );
  }

  const members = (): Record<string, OverlayMember> =>
    Object.fromEntries([...runner.plans.values()].filter((p) => runner.isRunning(p.machine)).map((p) => [p.machine, memberOf(p)]));
  return {
    vpn,
    switches: () => [...switches],
    members,
    member(machine) {
      return memberOf(runner.planOf(machine));
    },
    notes: () => [...notes],
    ping: (from, to, pingOptions) => runner.ping(from, to, pingOptions),
    stop: (machine) => runner.stop(machine),
    start: (machine) => runner.start(runner.planOf(machine)),
    cut: (a, b) => runner.cut(a, b),
    mend: (a, b) => runner.mend(a, b),
    logTail: (machine, lines) => runner.logTail(machine, lines),
    async destroy() {
      // Switches being answered get their answer first (a switch that asks meanwhile is told no); then no one listens.
      closed = true;
      await Promise.allSettled([...inFlight]);
      for (const host of hosts) host.nixos?.onSwitch(null);
      await runner.destroy();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
