import { setVpn } from '../model/ops';
import type { Design } from '../model/types';
import { err, ok, type Result } from '../result';
import type { Problem } from '../validation/types';
import { validateDesign } from '../validation/validate';
import { assignDefaultRoles } from '../vpn/catalog';
import { vpnDisplayNames, type VpnId } from '../vpn/ids';
import { checkSshPublicKey } from './addresses';
import { clanReach } from './clanReach';
import { createGenerateContext, type GenerateContext } from './context';
import type { GenerateError } from './errors';
import { findUnrepresentable } from './escape';
import { sha256Hex } from './hash';
import { internetInstance, machinesJson, sshdInstance, supportingInstanceNames } from './inventory';
import { stableJson, type JsonValue } from './json';
import { ownModuleDir, ownModuleFiles, ownModuleLibFile } from './modules';
import { clanNix, configurationNix, flakeNix, measureInterface } from './nixFiles';
import { appSopsKeyPath, appSopsUser, checkAgePublicKey, sopsUserKeyJson } from './sopsAdmin';
import { notesList } from './text';
import { buildVpnPart } from './vpnInstance';

// design -> the files of a Clan flake (CLAN.md section 1), as a pure function: the same design and options give
// byte-identical files. Refuses (as a value, never by throwing) when the design has errors that would change what
// is generated; errors that only concern deploy are passed through as deployBlockers.
//
// Decisions:
// - No VPN chosen: the flake is still generated (machines, sshd, internet) without a VPN instance, and a note says
//   so. A clan without a VPN is valid and deployable, and the preview stays useful while the user decides.
// - vpnOverride (what-if): the roles come from assignDefaultRoles for that VPN, as the advisor assigns them, and
//   the design is validated with that VPN, so the instance-name limits of the other VPN apply.
// - sshd is added only with a valid admin public key: the service disables passwords and replaces host keys.
// - Clan's CLI is told to reach machines the way the deploy order does (clanReach): deploy.targetHost for machines
//   reached directly or through a jump host, Clan's networks for machines reached only over the VPN.
// - The app's age public key, when given, is listed as a Clan admin of the secrets (sopsAdmin), so the vars helper
//   can run `clan vars generate` with the app's identity. Without it, no file under sops/ is written.

/** What generateClan may be asked for besides the design. */
export interface GenerateOptions {
  /** Generate for this VPN instead of the design's own choice, with roles from assignDefaultRoles. */
  vpnOverride?: VpnId;
  /** The admin's OpenSSH public key: adds the sshd service with this key for root. */
  adminPublicKey?: string;
  /**
   * The public key of the app's own age identity (`age1...`): written as sops/users/clan-network-designer/key.json,
   * the admin key clan-cli's sops backend encrypts the vars for.
   */
  adminAgePublicKey?: string;
}

/** A generated flake: its files and what the preview should say about it. */
export interface GeneratedClan {
  /** Path (relative, '/'-separated) to content, keys sorted; includes the manifest. */
  readonly files: Readonly<Record<string, string>>;
  /** Sentences for the preview: what was generated, what comes from where, what the user still has to do. */
  readonly notes: readonly string[];
  /** Validation errors that do not change the files but block deploy (unreachable machines, missing SSH). */
  readonly deployBlockers: readonly Problem[];
  readonly vpn: VpnId | null;
  /** The VPN instance name, or null without a VPN. */
  readonly instance: string | null;
  /** Overlay IPv4 addresses the app allocated, by machine name (Nebula, Tinc, VpnCloud); empty otherwise. */
  readonly overlayAddresses: Readonly<Record<string, string>>;
}

/** Where the manifest of generated files goes. */
export const manifestPath = '.clan-designer/manifest.json';

/** The manifest: every other generated path with the sha256 of its content, to detect edits by hand later. */
export interface GeneratedManifest {
  generator: 'clan-network-designer';
  formatVersion: 1;
  files: Record<string, string>;
}

/** Reads a manifest written by generateClan; null when the text is not one. */
export function parseManifest(text: string): GeneratedManifest | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<GeneratedManifest>;
  if (v.generator !== 'clan-network-designer' || v.formatVersion !== 1 || typeof v.files !== 'object' || v.files === null || Array.isArray(v.files)) return null;
  const files: Record<string, string> = {};
  for (const [path, hash] of Object.entries(v.files)) {
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash) || !isSafeRelativePath(path)) return null;
    files[path] = hash;
  }
  return { generator: 'clan-network-designer', formatVersion: 1, files };
}

/** Whether a path is relative, '/'-separated and stays inside the flake folder (no '..', no empty segments). */
export function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/**
 * Validation errors that change no generated file: how the app reaches machines for deploy, and unmanaged devices,
 * which are not in the flake. Generation goes ahead and returns them as deployBlockers; every other error refuses.
 */
export const deployOnlyErrorCodes: ReadonlySet<string> = new Set(['noAdminLocation', 'adminCannotReach', 'managedWithoutSsh', 'unmanagedWithoutClient']);

/** The design as it is generated: with the what-if VPN and its default roles when vpnOverride is set. */
export function designForGeneration(design: Design, options: GenerateOptions = {}): Design {
  const vpn = options.vpnOverride;
  if (vpn === undefined || vpn === design.vpn.id) return design;
  return setVpn(design, vpn, assignDefaultRoles(design, vpn));
}

/** User text that reaches a generated file, with where it came from for the message. */
function* userText(ctx: GenerateContext): Generator<{ field: string; text: string; itemId: string | null; itemName: string | null }> {
  const { meta } = ctx.design;
  yield { field: 'clan name', text: meta.clanName, itemId: null, itemName: null };
  yield { field: 'clan domain', text: meta.domain, itemId: null, itemName: null };
  yield { field: 'clan description', text: meta.description, itemId: null, itemName: null };
  if (ctx.vpn !== null) yield { field: 'VPN instance name', text: ctx.instance, itemId: null, itemName: null };
  for (const m of ctx.machines) {
    const item = { itemId: m.id as string, itemName: m.name };
    yield { field: 'name', text: m.name, ...item };
    for (const tag of m.tags) yield { field: 'tag', text: tag, ...item };
    if (m.publicAddress !== null) yield { field: 'public address', text: m.publicAddress, ...item };
    if (m.ssh !== null) {
      yield { field: 'SSH host', text: m.ssh.host, ...item };
      yield { field: 'SSH user', text: m.ssh.user, ...item };
    }
    const site = ctx.siteOf(m);
    if (site !== undefined) yield { field: 'site name', text: site.name, itemId: site.id, itemName: site.name === '' ? null : site.name };
  }
}

function commonNotes(ctx: GenerateContext, original: Design, options: GenerateOptions, hasInternet: boolean, reachNotes: readonly string[]): string[] {
  const notes: string[] = [];
  const count = `${ctx.machines.length} machine${ctx.machines.length === 1 ? '' : 's'}`;
  if (ctx.vpn === null) {
    notes.push(`Generated a clan with ${count} and no VPN, because none is chosen. Choose a VPN to add one.`);
  } else {
    notes.push(`Generated a clan with ${count} and ${vpnDisplayNames[ctx.vpn]} (instance "${ctx.instance}").`);
    if (options.vpnOverride !== undefined && options.vpnOverride !== original.vpn.id) {
      const from = original.vpn.id === null ? 'no VPN' : vpnDisplayNames[original.vpn.id];
      notes.push(`What-if: this is ${vpnDisplayNames[ctx.vpn]} instead of the design's choice (${from}), with roles assigned automatically. The design itself is unchanged.`);
    }
  }
  notes.push(
    'No secret is written into these files. Keys, certificates and overlay addresses are created by `clan vars generate` (the app runs it on a NixOS helper host, usually your VPS) and stored encrypted next to the flake.',
    'Each machine still needs its hardware configuration: machines/<name>/hardware-configuration.nix for a machine that already runs NixOS, or facter.json and disko.nix for a new install. For a machine that already runs NixOS, also set system.stateVersion to the value it uses now.',
    'flake.lock is not generated: it is created once with `nix flake lock` on the helper host, so every machine builds the same clan-core and nixpkgs.',
  );
  if (options.adminPublicKey === undefined) {
    notes.push("No admin public key was given, so the sshd service is not added and each machine's SSH setup stays as it is.");
  } else {
    notes.push('The sshd service allows your key for root, turns off password logins and gives every machine a new, stable host key; the app trusts the new key after the first deploy.');
  }
  if (hasInternet) {
    const listed = ctx.machines.filter((m) => (m.publicAddress?.trim() ?? '') !== '').map((m) => m.name);
    const one = listed.length === 1;
    notes.push(`${notesList(listed)} ${one ? 'is' : 'are'} listed in the internet service with ${one ? 'its public address' : 'their public addresses'}, so Clan's tools can reach ${one ? 'it' : 'them'} there.`);
  }
  notes.push(...reachNotes);
  if (options.adminAgePublicKey !== undefined) {
    notes.push(`The app's age key is the Clan admin "${appSopsUser}" of the secrets (${appSopsKeyPath}), so \`clan vars generate\` run with it encrypts every secret for the app and the machines that need it.`);
  }
  return notes;
}

/** Generates the flake for a design. */
export function generateClan(design: Design, options: GenerateOptions = {}): Result<GeneratedClan, GenerateError> {
  const target = designForGeneration(design, options);
  const problems = validateDesign(target);
  const blocking = problems.filter((p) => p.severity === 'error' && !deployOnlyErrorCodes.has(p.code));
  if (blocking.length > 0) return err({ code: 'designInvalid', details: { problems: blocking } });
  const deployBlockers = problems.filter((p) => p.severity === 'error' && deployOnlyErrorCodes.has(p.code));

  const ctx = createGenerateContext(target);
  for (const { field, text, itemId, itemName } of userText(ctx)) {
    const bad = findUnrepresentable(text);
    if (bad !== null) return err({ code: 'unrepresentableText', details: { field, itemId, itemName, reason: bad.reason, index: bad.index } });
  }
  let adminKey: string | undefined;
  if (options.adminPublicKey !== undefined) {
    adminKey = options.adminPublicKey.trim();
    const reason = checkSshPublicKey(adminKey);
    if (reason !== null) return err({ code: 'invalidAdminKey', details: { reason } });
  }
  let ageKey: string | undefined;
  if (options.adminAgePublicKey !== undefined) {
    ageKey = options.adminAgePublicKey.trim();
    const reason = checkAgePublicKey(ageKey);
    if (reason !== null) return err({ code: 'invalidAdminAgeKey', details: { reason } });
  }
  if (ctx.vpn !== null && (supportingInstanceNames as readonly string[]).includes(ctx.instance)) {
    return err({ code: 'instanceNameReserved', details: { instance: ctx.instance } });
  }

  const vpnPart = buildVpnPart(ctx);
  if (!vpnPart.ok) return vpnPart;
  const part = vpnPart.value;

  const instances: { [name: string]: JsonValue } = {};
  const internet = internetInstance(ctx);
  if (internet !== null) instances.internet = internet;
  const sshd = sshdInstance(adminKey);
  if (sshd !== null) instances.sshd = sshd;
  if (part !== null) instances[ctx.instance] = part.instance;

  const reach = clanReach(ctx);
  const files = new Map<string, string>();
  files.set('flake.nix', flakeNix(part?.needsHyprspaceInput ?? false));
  files.set(
    'clan.nix',
    clanNix({ name: target.meta.clanName, domain: target.meta.domain, description: target.meta.description, ownModule: part?.ownModule ?? null }),
  );
  files.set('inventory.json', stableJson({ machines: machinesJson(ctx, reach.ways), instances }));
  const members = new Set(ctx.members.map((m) => m.machine.id));
  const measureOn = ctx.vpn === null ? null : measureInterface(ctx.vpn, ctx.instance);
  for (const machine of ctx.machines) {
    const measured = members.has(machine.id) ? measureOn : null;
    files.set(`machines/${machine.name}/configuration.nix`, configurationNix(machine.arch, part?.machineConfig.get(machine.name), reach.ways.get(machine.name)?.lastResort ?? null, measured));
  }
  if (ageKey !== undefined) files.set(appSopsKeyPath, sopsUserKeyJson(ageKey));
  if (part?.ownModule != null) {
    for (const [name, text] of Object.entries(ownModuleFiles[part.ownModule])) files.set(`${ownModuleDir}/${part.ownModule}/${name}`, text);
    files.set(`${ownModuleDir}/${ownModuleLibFile.name}`, ownModuleLibFile.text);
  }

  const paths = [...files.keys()].sort();
  const manifest: GeneratedManifest = { generator: 'clan-network-designer', formatVersion: 1, files: {} };
  for (const path of paths) manifest.files[path] = sha256Hex(files.get(path)!);
  const sorted: Record<string, string> = {};
  for (const path of [...paths, manifestPath].sort()) sorted[path] = path === manifestPath ? stableJson(manifest as unknown as JsonValue) : files.get(path)!;

  return ok({
    files: sorted,
    notes: [...commonNotes(ctx, design, { ...options, adminPublicKey: adminKey, adminAgePublicKey: ageKey }, internet !== null, reach.notes), ...(part?.notes ?? [])],
    deployBlockers,
    vpn: ctx.vpn,
    instance: ctx.vpn === null ? null : ctx.instance,
    overlayAddresses: Object.fromEntries(part?.addresses ?? []),
  });
}
