import { z } from 'zod';
import { vpnIds } from '../vpn/ids';
import {
  balancedWeights,
  defaultPriorities,
  defaultSort,
  leaderboardWorkloadIds,
  MAX_PRIORITY,
  priorityIds,
  profileIds,
  sortColumnIds,
  sortDirections,
  weightPresetIds,
  type LeaderboardWorkloadId,
  type PriorityId,
} from './comparisonIds';
import { concurrencyRange, rollbackSecondsRange } from './designDefaults';

// The design document: everything the user draws and chooses, saved in the project file and tracked by undo.
// Records are plain JSON keyed by branded ids; positions are part of the document so the layout round-trips.
// Every id and default it stores comes from a module that imports nothing (comparisonIds.ts, designDefaults.ts,
// vpn/ids.ts), never from a feature, so renaming something in the leaderboard or the advisor cannot change what files hold.

/** Id of a site (branded: the compiler rejects a machine id where a site id is expected). */
export const siteIdSchema = z.string().regex(/^site_[A-Za-z0-9_-]{1,40}$/).brand<'SiteId'>();
/** Id of a machine. */
export const machineIdSchema = z.string().regex(/^mach_[A-Za-z0-9_-]{1,40}$/).brand<'MachineId'>();
/** Id of a drawn link. */
export const linkIdSchema = z.string().regex(/^link_[A-Za-z0-9_-]{1,40}$/).brand<'LinkId'>();

/** What kind of place a site is. */
export const siteKinds = ['home', 'family', 'office', 'cloud', 'mobile'] as const;
/**
 * How a site reaches the internet, from best to worst for incoming connections:
 * public: a public IPv4/IPv6 address, machines can accept connections;
 * portForward: behind NAT, but the router can forward ports to a machine;
 * nat: behind a home NAT without port forwarding (cone NAT: hole punching usually works);
 * cgnat: carrier-grade NAT, no port forwarding possible (hole punching often works);
 * symmetric: symmetric/strict NAT or firewall, hole punching fails, only relays help.
 */
export const natTypes = ['public', 'portForward', 'nat', 'cgnat', 'symmetric'] as const;
/** How good the site's internet link is; mapped to the benchmark's impairment profiles. */
export const linkQualities = ['good', 'fair', 'poor', 'bad'] as const;
/** What a machine is. */
export const machineKinds = ['server', 'desktop', 'laptop', 'nas', 'sbc', 'vps', 'router', 'phone'] as const;
/** CPU architectures, as Nix names their Linux platforms. */
export const cpuArchs = ['x86_64-linux', 'aarch64-linux', 'armv7l-linux', 'riscv64-linux'] as const;
/** What a drawn link says: a direct cable between machines, a port forward from a site to a machine, or an SSH jump host. */
export const linkKinds = ['cable', 'portForward', 'jumpHost'] as const;

const jsonValue: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]));
/** Free-form extension data on every record (tldraw's meta), instead of unknown keys. */
export const metaSchema = z.record(z.string(), jsonValue);

const point = z.object({ x: z.number().finite(), y: z.number().finite() });

/** A place machines live in. */
export const siteSchema = z.object({
  id: siteIdSchema,
  name: z.string().max(200),
  kind: z.enum(siteKinds),
  nat: z.enum(natTypes),
  quality: z.enum(linkQualities),
  uplink: z.object({ downMbps: z.number().positive().max(1_000_000).nullable(), upMbps: z.number().positive().max(1_000_000).nullable() }),
  position: point,
  size: z.object({ width: z.number().finite().min(80).max(100_000), height: z.number().finite().min(60).max(100_000) }),
  meta: metaSchema,
});

/** How the admin's computer reaches a machine with SSH. */
export const sshTargetSchema = z.object({
  host: z.string().max(255),
  port: z.number().int().min(1).max(65535),
  user: z.string().max(64),
});

/** A computer or device in the network. */
export const machineSchema = z.object({
  id: machineIdSchema,
  /** The Clan machine name: lowercase letters, digits and '-', 1..63, unique (validated by rules, not the schema). */
  name: z.string().max(300),
  kind: z.enum(machineKinds),
  arch: z.enum(cpuArchs),
  /** Deployed by us with NixOS; unmanaged devices (phones) are shown and counted, never deployed. */
  managed: z.boolean(),
  siteId: siteIdSchema.nullable(),
  /** Position relative to the site's top-left corner, or absolute when the machine is in no site. */
  position: point,
  ssh: sshTargetSchema.nullable(),
  /** A public IP address or DNS name other machines can reach this machine on, if it has one. */
  publicAddress: z.string().max(255).nullable(),
  tags: z.array(z.string().max(64)).max(64),
  notes: z.string().max(10_000),
  meta: metaSchema,
});

/** A drawn link: an extra fact about how machines and sites connect. */
export const linkSchema = z.object({
  id: linkIdSchema,
  kind: z.enum(linkKinds),
  /** A machine id, or for a port forward the site id whose router forwards. */
  source: z.string().max(60),
  /** A machine id. */
  target: z.string().max(60),
  /** For a port forward: the external and internal port. */
  ports: z.object({ external: z.number().int().min(1).max(65535), internal: z.number().int().min(1).max(65535) }).nullable(),
  label: z.string().max(200),
  meta: metaSchema,
});

/** A role a machine has in the chosen VPN (controller, lighthouse, relay, peer, ...). */
export const vpnRoleSchema = z.string().regex(/^[a-z][a-zA-Z]{0,30}$/);

/** The chosen VPN and which machine has which role in it. */
export const vpnChoiceSchema = z.object({
  id: z.enum(vpnIds).nullable(),
  /** The Clan instance name; several VPNs derive Linux interface names from it, hence the length rules. */
  instance: z.string().max(64),
  roles: z.record(machineIdSchema, z.array(vpnRoleSchema).max(8)),
});

/** The clan's own settings: its name and DNS domain. */
export const designMetaSchema = z.object({
  clanName: z.string().max(200),
  domain: z.string().max(253),
  description: z.string().max(10_000),
});

/** Where the admin sits: the site whose network their computer is on. */
export const adminSchema = z.object({
  siteId: siteIdSchema.nullable(),
});

/** A workload's weight in the leaderboard score (normalised when scored, so only ratios matter). */
const workloadWeightSchema = z.number().finite().min(0).max(100);

/** A priority level for the advisor: 0 ignore .. 3 top priority. */
const priorityLevelSchema = z.number().int().min(0).max(MAX_PRIORITY);

/**
 * How the user compares VPNs, kept with the design (and mirrored in the URL in serve mode): the leaderboard's
 * profile, weights and sort, and the advisor's priorities. Since format version 2 (AddVpnComparison).
 */
export const vpnComparisonSchema = z.object({
  /** The impairment profile the leaderboard shows. */
  profile: z.enum(profileIds),
  /** The weight preset the weights came from, or custom once the user changed them. */
  preset: z.enum([...weightPresetIds, 'custom']),
  weights: z.object(Object.fromEntries(leaderboardWorkloadIds.map((id) => [id, workloadWeightSchema])) as Record<LeaderboardWorkloadId, typeof workloadWeightSchema>),
  /** The profiles the score spans; empty: the shown profile (the flaky-links preset uses medium and high). */
  scoreProfiles: z.array(z.enum(profileIds)).max(profileIds.length),
  sort: z.object({ column: z.enum(sortColumnIds), direction: z.enum(sortDirections) }),
  /** The advisor's priorities. */
  priorities: z.object(Object.fromEntries(priorityIds.map((id) => [id, priorityLevelSchema])) as Record<PriorityId, typeof priorityLevelSchema>),
});

/** How the user compares VPNs (leaderboard selection and advisor priorities). */
export type VpnComparison = z.infer<typeof vpnComparisonSchema>;

/** The comparison settings of a new design: baseline profile, balanced weights, best score first, default priorities. */
export function createDefaultComparison(): VpnComparison {
  return {
    profile: 'baseline',
    preset: 'balanced',
    weights: { ...balancedWeights },
    // The balanced preset scores the profile the table shows.
    scoreProfiles: [],
    sort: { ...defaultSort },
    priorities: { ...defaultPriorities },
  };
}

/**
 * How the network is deployed, saved with it (since format version 3, AddDeploySettings). Whether a chosen vars
 * helper can do its job (managed, with an SSH address, reachable before the VPN is up) is for the validation rules:
 * the file keeps the choice as the user made it.
 */
export const deploySettingsSchema = z.object({
  /** The managed NixOS machine that runs Clan's vars generators when this computer has no Nix; null: none chosen. */
  varsHelper: machineIdSchema.nullable(),
  /** Seconds a machine waits for the app to confirm a switch over a new SSH connection before it rolls back. */
  rollbackSeconds: z.number().int().min(rollbackSecondsRange.min).max(rollbackSecondsRange.max),
  /** How many machines of one deploy wave are deployed at once. */
  concurrency: z.number().int().min(concurrencyRange.min).max(concurrencyRange.max),
});

/** How the network is deployed: the vars helper, the rollback time limit and the concurrency. */
export type DeploySettings = z.infer<typeof deploySettingsSchema>;

/** A whole design. */
export const designSchema = z.object({
  meta: designMetaSchema,
  sites: z.record(siteIdSchema, siteSchema),
  machines: z.record(machineIdSchema, machineSchema),
  links: z.record(linkIdSchema, linkSchema),
  vpn: vpnChoiceSchema,
  admin: adminSchema,
  comparison: vpnComparisonSchema,
  deploy: deploySettingsSchema,
});
