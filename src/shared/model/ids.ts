import type { LinkId, MachineId, SiteId } from './types';

/** Makes new ids; injectable so tests and generators are deterministic. */
export interface IdSource {
  site(): SiteId;
  machine(): MachineId;
  link(): LinkId;
}

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomPart(): string {
  // crypto.getRandomValues is a web standard that Node and browsers both provide, so shared may use it.
  const bytes = new Uint8Array(12);
  (globalThis as unknown as { crypto: { getRandomValues(array: Uint8Array): Uint8Array } }).crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** Random ids for the app. */
export const randomIds: IdSource = {
  site: () => `site_${randomPart()}` as SiteId,
  machine: () => `mach_${randomPart()}` as MachineId,
  link: () => `link_${randomPart()}` as LinkId,
};

/** Counting ids for tests and generated designs: site_1, mach_1, ... */
export function sequentialIds(prefix = ''): IdSource {
  let n = 0;
  return {
    site: () => `site_${prefix}${++n}` as SiteId,
    machine: () => `mach_${prefix}${++n}` as MachineId,
    link: () => `link_${prefix}${++n}` as LinkId,
  };
}

/** Whether an id names a site, by its prefix. */
export function isSiteId(id: string): id is SiteId {
  return id.startsWith('site_');
}

/** Whether an id names a machine, by its prefix. */
export function isMachineId(id: string): id is MachineId {
  return id.startsWith('mach_');
}

/** Whether an id names a link, by its prefix. */
export function isLinkId(id: string): id is LinkId {
  return id.startsWith('link_');
}
