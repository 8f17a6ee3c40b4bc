import { machineKindLabels } from '../model/labels';
import type { Machine } from '../model/types';
import type { ClanWayIn } from './clanReach';
import type { GenerateContext } from './context';
import type { JsonValue } from './json';

// inventory.json, the one place all user-controlled data goes (CLAN.md 0.1, 5.3): the machines with their deploy
// address, tags and class, and the service instances. JSON strings are never interpolated by builtins.fromJSON,
// so names, descriptions and addresses need no escaping beyond JSON's own.

/** Names of the supporting instances the generator always controls; the VPN instance may not use them. */
export const supportingInstanceNames = ['internet', 'sshd'] as const;

/**
 * inventory.machines: every managed machine. deploy.targetHost comes from clanReach: absent for machines Clan's CLI
 * should reach through its networks (and for machines without an SSH target).
 */
export function machinesJson(ctx: GenerateContext, ways: ReadonlyMap<string, ClanWayIn>): JsonValue {
  const out: { [name: string]: JsonValue } = {};
  for (const machine of ctx.machines) {
    const site = ctx.siteOf(machine);
    const targetHost = ways.get(machine.name)?.targetHost ?? null;
    out[machine.name] = {
      // Clan has no auto-detection: say it explicitly (CLAN.md 1.4).
      machineClass: 'nixos',
      description: site === undefined ? machineKindLabels[machine.kind] : `${machineKindLabels[machine.kind]} in ${site.name}`,
      tags: [...machine.tags],
      ...(targetHost === null ? {} : { deploy: { targetHost } }),
    };
  }
  return out;
}

/**
 * The internet service: every managed machine with a public address, so clan-cli can reach it there and
 * Yggdrasil peers with it (CLAN.md 2.5). Port and user are those of SSH; behind a port forward, the forwarded
 * port. Only public hosts are listed, never LAN addresses (which the VPS would otherwise try to dial).
 */
export function internetInstance(ctx: GenerateContext): JsonValue | null {
  const machines: { [name: string]: JsonValue } = {};
  for (const machine of ctx.machines) {
    const host = machine.publicAddress?.trim() ?? '';
    if (host === '') continue;
    machines[machine.name] = { settings: { host, port: sshPortFromOutside(ctx, machine), user: machine.ssh?.user.trim() || 'root' } };
  }
  if (Object.keys(machines).length === 0) return null;
  return { module: { name: 'internet', input: 'clan-core' }, roles: { default: { machines } } };
}

function sshPortFromOutside(ctx: GenerateContext, machine: Machine): number {
  return ctx.forwardedSshPort.get(machine.id) ?? machine.ssh?.port ?? 22;
}

/**
 * The sshd service on every machine, with the admin's key for root. Only with a key: the service disables
 * password logins and replaces the host keys, so without the key it could lock the admin out (CLAN.md 2.5).
 */
export function sshdInstance(adminPublicKey: string | undefined): JsonValue | null {
  if (adminPublicKey === undefined) return null;
  return {
    module: { name: 'sshd', input: 'clan-core' },
    roles: { server: { tags: { all: {} }, settings: { authorizedKeys: { admin: adminPublicKey } } } },
  };
}
