import type { z } from 'zod';
import type {
  cpuArchs,
  deploySettingsSchema,
  designSchema,
  linkIdSchema,
  linkKinds,
  linkQualities,
  linkSchema,
  machineIdSchema,
  machineKinds,
  machineSchema,
  natTypes,
  siteIdSchema,
  siteKinds,
  siteSchema,
  sshTargetSchema,
} from '../schema/design';

/** Id of a site. */
export type SiteId = z.infer<typeof siteIdSchema>;
/** Id of a machine. */
export type MachineId = z.infer<typeof machineIdSchema>;
/** Id of a drawn link. */
export type LinkId = z.infer<typeof linkIdSchema>;
/** What kind of place a site is. */
export type SiteKind = (typeof siteKinds)[number];
/** How a site reaches the internet. */
export type NatType = (typeof natTypes)[number];
/** How good a site's internet link is. */
export type LinkQuality = (typeof linkQualities)[number];
/** What a machine is. */
export type MachineKind = (typeof machineKinds)[number];
/** A Nix Linux platform. */
export type CpuArch = (typeof cpuArchs)[number];
/** What a drawn link says. */
export type LinkKind = (typeof linkKinds)[number];
/** A site. */
export type Site = z.infer<typeof siteSchema>;
/** A machine. */
export type Machine = z.infer<typeof machineSchema>;
/** How to reach a machine with SSH. */
export type SshTarget = z.infer<typeof sshTargetSchema>;
/** A drawn link. */
export type Link = z.infer<typeof linkSchema>;
/** How the network is deployed: the vars helper, the rollback time limit and the concurrency. */
export type DeploySettings = z.infer<typeof deploySettingsSchema>;
/** A whole design. */
export type Design = z.infer<typeof designSchema>;
