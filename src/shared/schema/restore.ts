import { z } from 'zod';
import { makeMachine, makeSite } from '../model/ops';
import type { Design, Link, LinkId, Machine, MachineId, Site, SiteId } from '../model/types';
import { vpnIds } from '../vpn/ids';
import { err, ok, type Result } from '../result';
import {
  designMetaSchema,
  linkIdSchema,
  linkKinds,
  linkSchema,
  machineIdSchema,
  machineKinds,
  machineSchema,
  createDefaultComparison,
  deploySettingsSchema,
  siteIdSchema,
  siteSchema,
  vpnChoiceSchema,
  vpnComparisonSchema,
  vpnRoleSchema,
} from './design';
import { defaultDeploySettings, defaultDesignMeta, defaultVpnSettings } from './designDefaults';

// The restore pass: the second safety net after migrations, for files edited by hand, damaged, or written by a
// buggy build. It works the Excalidraw way (packages/excalidraw/data/restore.ts, restoreElements): each record is
// restored on its own inside try/catch, missing fields get defaults, a field that cannot be read is reset to its
// default, ids that are missing, invalid or used twice are replaced, references to records that do not exist are
// cleared, and a record that cannot be read at all is dropped and counted, so one bad record never costs the file.
//
// Everything here is deterministic: the same input always gives the same design (new ids count up, they are not
// random), so opening a damaged file twice shows the same result.

/** What a repair did. */
export const repairKinds = [
  /** A record, list or role assignment was not an object and was left out. */
  'droppedUnreadable',
  /** Fields that were missing got their default values. */
  'filledMissingFields',
  /** Fields that were present but invalid were reset to their default values. */
  'resetInvalidFields',
  /** A record got a new id because its id was missing, invalid or taken by another record. */
  'reassignedId',
  /** A reference to a site that does not exist was set to "none". */
  'clearedReference',
  /** Something that only makes sense with records that no longer exist (a link end, VPN roles) was removed. */
  'droppedDangling',
] as const;

/** What a repair was applied to. */
export const repairSubjects = [
  'design',
  'designSettings',
  'site',
  'machine',
  'link',
  'siteList',
  'machineList',
  'linkList',
  'vpnChoice',
  'vpnRoles',
  'adminSite',
  'vpnComparison',
  'deploySettings',
  'varsHelper',
] as const;

/** One kind of repair on one kind of thing, with how often it happened and a sentence for people. */
export const repairSchema = z.object({
  kind: z.enum(repairKinds),
  subject: z.enum(repairSubjects),
  count: z.number().int().positive(),
  /** The repair in human terms ("Dropped 2 machines that could not be read"); the renderer shows it as is. */
  message: z.string(),
});

/** Everything the restore pass changed while loading a file, one entry per kind of repair; empty when the file was clean. */
export const repairReportSchema = z.array(repairSchema);

/** What a repair did. */
export type RepairKind = (typeof repairKinds)[number];
/** What a repair was applied to. */
export type RepairSubject = (typeof repairSubjects)[number];
/** One kind of repair with its count and message. */
export type Repair = z.infer<typeof repairSchema>;
/** Everything the restore pass changed while loading a file. */
export type RepairReport = z.infer<typeof repairReportSchema>;

/** Why a design could not be restored at all (only when the design value itself is not an object). */
export interface RestoreFailure {
  path: string;
  message: string;
}

/** Deepest nesting kept in free-form meta; deeper values would risk stack overflows in every later JSON walk. */
export const MAX_META_DEPTH = 32;

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

const nouns: Partial<Record<RepairSubject, [string, string]>> = {
  site: ['site', 'sites'],
  machine: ['machine', 'machines'],
  link: ['link', 'links'],
  vpnRoles: ['machine', 'machines'],
};

/** The sentence for one repair; every combination the restore pass produces has its own wording. */
export function describeRepair(kind: RepairKind, subject: RepairSubject, count: number): string {
  const [one, many] = nouns[subject] ?? ['item', 'items'];
  const things = plural(count, one, many);
  switch (kind) {
    case 'droppedUnreadable':
      if (subject === 'siteList' || subject === 'machineList' || subject === 'linkList') {
        return `Could not read the list of ${subject.replace('List', 's')}, so it was left empty`;
      }
      if (subject === 'vpnRoles') return `Dropped the VPN roles of ${things} because they could not be read`;
      return `Dropped ${things} that could not be read`;
    case 'filledMissingFields':
      if (subject === 'design') return `Filled in ${plural(count, 'missing part', 'missing parts')} of the design with empty defaults`;
      if (subject === 'designSettings') return 'Filled in missing clan settings (name, domain or description) with defaults';
      if (subject === 'vpnChoice') return 'Filled in missing VPN settings with defaults';
      if (subject === 'adminSite') return "The admin's location was missing and is now unset";
      if (subject === 'vpnComparison') return 'Filled in missing VPN comparison settings (profile, weights, sort or priorities) with defaults';
      if (subject === 'deploySettings') return 'Filled in missing deploy settings (vars helper, rollback time limit or concurrency) with defaults';
      if (subject === 'varsHelper') return 'The vars helper was missing and is now unset, so the deploy will suggest one';
      return `Filled in missing fields of ${things} with defaults`;
    case 'resetInvalidFields':
      if (subject === 'designSettings') return 'Reset clan settings that could not be read to their defaults';
      if (subject === 'vpnChoice') return 'Reset VPN settings that could not be read (the chosen VPN, its instance name or its roles)';
      if (subject === 'vpnRoles') return `Removed VPN roles that could not be read from ${things}`;
      if (subject === 'adminSite') return "Cleared the admin's location, which could not be read";
      if (subject === 'vpnComparison') return 'Reset VPN comparison settings that could not be read (profile, weights, sort or priorities) to their defaults';
      if (subject === 'deploySettings') return 'Reset deploy settings that could not be read (rollback time limit or concurrency) to their defaults';
      if (subject === 'varsHelper') return 'Cleared the vars helper, which could not be read, so the deploy will suggest one';
      return `Reset fields that could not be read on ${things} to their defaults`;
    case 'reassignedId':
      return `Gave ${things} a new id because ${count === 1 ? 'its id was' : 'their ids were'} missing, invalid or used twice`;
    case 'clearedReference':
      if (subject === 'adminSite') return "Cleared the admin's location because that site no longer exists";
      if (subject === 'varsHelper') return 'Cleared the vars helper because that machine no longer exists, so the deploy will suggest one';
      return `Took ${things} out of a site that no longer exists`;
    case 'droppedDangling':
      if (subject === 'vpnRoles') return `Removed the VPN roles of ${things} that no longer exist`;
      return count === 1 ? 'Removed 1 link whose end no longer exists' : `Removed ${count} links whose ends no longer exist`;
  }
}

/** The order repairs are listed in: losses first, then changes, then harmless fill-ins. */
const kindOrder: readonly RepairKind[] = ['droppedUnreadable', 'droppedDangling', 'clearedReference', 'reassignedId', 'resetInvalidFields', 'filledMissingFields'];

/** Counts repairs by kind and subject; the report lists them by kindOrder, then by repairSubjects. */
class Tally {
  private readonly counts = new Map<string, { kind: RepairKind; subject: RepairSubject; count: number }>();

  add(kind: RepairKind, subject: RepairSubject, count = 1): void {
    if (count <= 0) return;
    const key = `${kind}/${subject}`;
    const entry = this.counts.get(key);
    if (entry === undefined) this.counts.set(key, { kind, subject, count });
    else entry.count += count;
  }

  report(): RepairReport {
    const rank = (entry: { kind: RepairKind; subject: RepairSubject }) => kindOrder.indexOf(entry.kind) * repairSubjects.length + repairSubjects.indexOf(entry.subject);
    const entries = [...this.counts.values()].sort((a, b) => rank(a) - rank(b));
    return entries.map(({ kind, subject, count }) => ({ kind, subject, count, message: describeRepair(kind, subject, count) }));
  }
}

/**
 * A copy of a JSON value that is safe to keep: finite numbers only, nesting at most MAX_META_DEPTH, and no
 * "__proto__" keys (they cannot survive a plain-object assignment, and zod drops them silently anyway).
 * Returns undefined for anything else.
 */
function sanitizeJson(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (depth >= MAX_META_DEPTH) return undefined;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const clean = sanitizeJson(item, depth + 1);
      if (clean === undefined) return undefined;
      out.push(clean);
    }
    return out;
  }
  if (!isObject(value)) return undefined;
  const out: Raw = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === '__proto__') continue;
    const clean = sanitizeJson(item, depth + 1);
    if (clean === undefined) return undefined;
    out[key] = clean;
  }
  return out;
}

/** Reads a record's free-form meta: an object of JSON values, or undefined when it cannot be kept. */
function sanitizeMeta(value: unknown): Raw | undefined {
  return isObject(value) ? (sanitizeJson(value, 0) as Raw | undefined) : undefined;
}

/**
 * Copies the fields of `shape` from raw onto the defaults: a missing field keeps its default, a field that does not
 * pass its schema is reset to its default. `skip` names fields the caller handles itself (ids, references).
 */
function restoreFields<T extends object>(raw: Raw, defaults: T, shape: Record<string, z.ZodType>, skip: readonly string[]): { value: T; missing: boolean; invalid: boolean } {
  const value: Raw = { ...(defaults as Raw) };
  let missing = false;
  let invalid = false;
  for (const [key, schema] of Object.entries(shape)) {
    if (skip.includes(key)) continue;
    if (!Object.hasOwn(raw, key)) {
      missing = true;
      continue;
    }
    if (key === 'meta') {
      const meta = sanitizeMeta(raw[key]);
      if (meta === undefined) invalid = true;
      else value[key] = meta;
      continue;
    }
    const parsed = schema.safeParse(raw[key]);
    if (parsed.success) value[key] = parsed.data;
    else invalid = true;
  }
  return { value: value as T, missing, invalid };
}

interface Entry {
  key: string;
  raw: Raw;
  rawId: string | undefined;
}

/** The records of a section: an object keyed by id (the format), or an array of records (lenient, as Excalidraw). */
function entriesOf(section: unknown): { entries: Entry[]; unreadable: number } | undefined {
  let pairs: [string, unknown][];
  if (Array.isArray(section)) pairs = section.map((item, index) => [isObject(item) && typeof item.id === 'string' ? item.id : `#${index}`, item]);
  else if (isObject(section)) pairs = Object.entries(section);
  else return undefined;
  const entries: Entry[] = [];
  let unreadable = 0;
  for (const [key, raw] of pairs) {
    if (!isObject(raw)) unreadable += 1;
    else entries.push({ key, raw, rawId: typeof raw.id === 'string' ? raw.id : undefined });
  }
  return { entries, unreadable };
}

/**
 * Gives every record a unique valid id. Records whose key and id agree keep it first; then records keep their own
 * id, then their key; anything left gets a new counting id with the given prefix ("site_r1", "mach_r2", ...).
 */
function assignIds(entries: readonly Entry[], isValid: (id: string) => boolean, prefix: string): string[] {
  const taken = new Set<string>();
  const ids: (string | undefined)[] = entries.map(() => undefined);
  const claim = (index: number, id: string | undefined) => {
    if (ids[index] !== undefined || id === undefined || !isValid(id) || taken.has(id)) return;
    ids[index] = id;
    taken.add(id);
  };
  entries.forEach((entry, index) => {
    if (entry.key === entry.rawId) claim(index, entry.rawId);
  });
  entries.forEach((entry, index) => claim(index, entry.rawId));
  entries.forEach((entry, index) => claim(index, entry.key));
  let counter = 0;
  return ids.map((id) => {
    if (id !== undefined) return id;
    let fresh: string;
    do fresh = `${prefix}_r${++counter}`;
    while (taken.has(fresh));
    taken.add(fresh);
    return fresh;
  });
}

/**
 * Resolves references by id. A record that was given a new id is still found under its old key and its old id,
 * as long as no surviving record owns that string, so references made by either keep working.
 */
class IdIndex {
  private readonly ids = new Set<string>();
  private readonly aliases = new Map<string, string>();

  constructor(records: readonly { id: string; entry: Entry }[]) {
    for (const { id } of records) this.ids.add(id);
    for (const { id, entry } of records) {
      for (const old of [entry.key, entry.rawId]) {
        if (old !== undefined && !this.ids.has(old) && !this.aliases.has(old)) this.aliases.set(old, id);
      }
    }
  }

  resolve(reference: unknown): string | undefined {
    if (typeof reference !== 'string') return undefined;
    return this.ids.has(reference) ? reference : this.aliases.get(reference);
  }
}

const isSiteIdText = (id: string) => siteIdSchema.safeParse(id).success;
const isMachineIdText = (id: string) => machineIdSchema.safeParse(id).success;
const isLinkIdText = (id: string) => linkIdSchema.safeParse(id).success;

/** Restores one section (sites, machines or links) record by record; a record that throws is dropped and counted. */
function restoreSection<T extends { id: string }>(
  section: unknown,
  names: { record: 'site' | 'machine' | 'link'; list: 'siteList' | 'machineList' | 'linkList' },
  isValidId: (id: string) => boolean,
  prefix: string,
  restoreOne: (entry: Entry, id: string, tally: Tally) => T | undefined,
  tally: Tally,
): { records: { id: string; entry: Entry; record: T }[] } {
  if (section === undefined) {
    tally.add('filledMissingFields', 'design');
    return { records: [] };
  }
  const read = entriesOf(section);
  if (read === undefined) {
    tally.add('droppedUnreadable', names.list);
    return { records: [] };
  }
  tally.add('droppedUnreadable', names.record, read.unreadable);
  const ids = assignIds(read.entries, isValidId, prefix);
  const records: { id: string; entry: Entry; record: T }[] = [];
  read.entries.forEach((entry, index) => {
    const id = ids[index]!;
    try {
      const record = restoreOne(entry, id, tally);
      if (record === undefined) {
        tally.add('droppedUnreadable', names.record);
        return;
      }
      if (id !== entry.rawId || id !== entry.key) tally.add('reassignedId', names.record);
      records.push({ id, entry, record });
    } catch {
      // Anything unexpected in one record (a schema bug, a stack overflow on absurd nesting) costs only that record.
      tally.add('droppedUnreadable', names.record);
    }
  });
  return { records };
}

function countFields(tally: Tally, subject: RepairSubject, result: { missing: boolean; invalid: boolean }): void {
  if (result.missing) tally.add('filledMissingFields', subject);
  if (result.invalid) tally.add('resetInvalidFields', subject);
}

function restoreSite(entry: Entry, id: string, tally: Tally): Site {
  const fields = restoreFields(entry.raw, makeSite(id as SiteId, { name: 'Unnamed site' }), siteSchema.shape, ['id']);
  countFields(tally, 'site', fields);
  return siteSchema.parse(fields.value);
}

function restoreMachine(entry: Entry, id: string, sites: IdIndex, tally: Tally): Machine {
  // The kind decides the defaults of arch and managed, so read it first.
  const kind = z.enum(machineKinds).safeParse(entry.raw.kind);
  const defaults = makeMachine(id as MachineId, { kind: kind.success ? kind.data : 'server' });
  const fields = restoreFields(entry.raw, defaults, machineSchema.shape, ['id', 'siteId']);
  let siteId: string | null = null;
  if (!Object.hasOwn(entry.raw, 'siteId')) fields.missing = true;
  else if (entry.raw.siteId === null) siteId = null;
  else if (typeof entry.raw.siteId !== 'string') fields.invalid = true;
  else {
    siteId = sites.resolve(entry.raw.siteId) ?? null;
    if (siteId === null) tally.add('clearedReference', 'machine');
  }
  countFields(tally, 'machine', fields);
  return machineSchema.parse({ ...fields.value, siteId });
}

/** A link needs a kind and two ends to mean anything; without them it is unreadable. Ends are checked later. */
function restoreLink(entry: Entry, id: string, tally: Tally): Link | undefined {
  const kind = z.enum(linkKinds).safeParse(entry.raw.kind);
  const { source, target } = entry.raw;
  if (!kind.success || typeof source !== 'string' || typeof target !== 'string') return undefined;
  const defaults: Link = { id: id as LinkId, kind: kind.data, source, target, ports: null, label: '', meta: {} };
  const fields = restoreFields(entry.raw, defaults, linkSchema.shape, ['id', 'kind', 'source', 'target']);
  countFields(tally, 'link', fields);
  return fields.value;
}


/**
 * Repairs an untrusted design value (after migrations) into a design that passes the schema, and reports what it
 * changed. Fails only when the value is not an object at all. Never throws for any JSON input.
 */
export function restoreDesign(input: unknown): Result<{ design: Design; report: RepairReport }, RestoreFailure> {
  if (!isObject(input)) return err({ path: 'design', message: `expected an object, found ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}` });
  const tally = new Tally();

  let settings: { clanName: string; domain: string; description: string } = defaultDesignMeta;
  if (!Object.hasOwn(input, 'meta')) tally.add('filledMissingFields', 'designSettings');
  else if (!isObject(input.meta)) tally.add('resetInvalidFields', 'designSettings');
  else {
    const fields = restoreFields(input.meta, defaultDesignMeta, designMetaSchema.shape, []);
    countFields(tally, 'designSettings', fields);
    settings = fields.value;
  }

  const sites = restoreSection(input.sites, { record: 'site', list: 'siteList' }, isSiteIdText, 'site', restoreSite, tally).records;
  const siteIndex = new IdIndex(sites);
  const machines = restoreSection(input.machines, { record: 'machine', list: 'machineList' }, isMachineIdText, 'mach', (entry, id, t) => restoreMachine(entry, id, siteIndex, t), tally).records;
  const machineIndex = new IdIndex(machines);
  const links = restoreSection(input.links, { record: 'link', list: 'linkList' }, isLinkIdText, 'link', restoreLink, tally).records;

  const design: Design = {
    meta: settings,
    sites: {},
    machines: {},
    links: {},
    vpn: { id: null, instance: 'mesh', roles: {} },
    admin: { siteId: null },
    comparison: createDefaultComparison(),
    deploy: { ...defaultDeploySettings },
  };
  for (const { id, record } of sites) design.sites[id as SiteId] = record;
  for (const { id, record } of machines) design.machines[id as MachineId] = record;
  let danglingLinks = 0;
  for (const { id, record } of links) {
    // A port forward starts at a site's router; every other link starts at a machine. Both accept either here:
    // whether the pairing makes sense is for the validation rules, restore only keeps references intact.
    const source = machineIndex.resolve(record.source) ?? siteIndex.resolve(record.source);
    const target = machineIndex.resolve(record.target);
    if (source === undefined || target === undefined) {
      danglingLinks += 1;
      continue;
    }
    const parsed = linkSchema.safeParse({ ...record, source, target });
    if (parsed.success) design.links[id as LinkId] = parsed.data;
    else tally.add('droppedUnreadable', 'link');
  }
  tally.add('droppedDangling', 'link', danglingLinks);

  restoreVpn(input.vpn, design, machineIndex, tally);
  restoreAdmin(input, design, siteIndex, tally);
  restoreComparison(input.comparison, design, tally);
  restoreDeploy(input.deploy, design, machineIndex, tally);
  return ok({ design, report: tally.report() });
}

/**
 * The VPN comparison (format 2): missing parts get the defaults, unreadable ones are reset, field by field and
 * weight by weight, so one bad weight does not cost the user's other choices. Repeated score profiles are dropped.
 */
function restoreComparison(raw: unknown, design: Design, tally: Tally): void {
  const defaults = createDefaultComparison();
  if (raw === undefined) {
    tally.add('filledMissingFields', 'vpnComparison');
    return;
  }
  if (!isObject(raw)) {
    tally.add('resetInvalidFields', 'vpnComparison');
    return;
  }
  const shape = vpnComparisonSchema.shape;
  const fields = restoreFields(raw, defaults, shape, ['weights', 'sort', 'priorities']);
  let { missing, invalid } = fields;
  const nested = <K extends 'weights' | 'sort' | 'priorities'>(key: K): (typeof defaults)[K] => {
    const value = raw[key];
    if (value === undefined) {
      missing = true;
      return defaults[key];
    }
    if (!isObject(value)) {
      invalid = true;
      return defaults[key];
    }
    const inner = restoreFields(value, defaults[key], shape[key].shape as Record<string, z.ZodType>, []);
    missing ||= inner.missing;
    invalid ||= inner.invalid;
    return inner.value;
  };
  const weights = nested('weights');
  const sort = nested('sort');
  const priorities = nested('priorities');
  const scoreProfiles = fields.value.scoreProfiles.filter((p, i, all) => all.indexOf(p) === i);
  if (scoreProfiles.length !== fields.value.scoreProfiles.length) invalid = true;
  countFields(tally, 'vpnComparison', { missing, invalid });
  design.comparison = { ...fields.value, scoreProfiles, weights, sort, priorities };
}

/**
 * The deploy settings (format 3): a missing or unreadable section gets the defaults, a field that cannot be read is
 * reset on its own. The vars helper is a reference: a machine that was given a new id is still found, one that no
 * longer exists is cleared (the deploy then suggests a helper), each counted under its own subject.
 */
function restoreDeploy(raw: unknown, design: Design, machines: IdIndex, tally: Tally): void {
  if (raw === undefined) {
    tally.add('filledMissingFields', 'deploySettings');
    return;
  }
  if (!isObject(raw)) {
    tally.add('resetInvalidFields', 'deploySettings');
    return;
  }
  const fields = restoreFields(raw, defaultDeploySettings, deploySettingsSchema.shape, ['varsHelper']);
  countFields(tally, 'deploySettings', fields);
  let varsHelper: string | null = null;
  if (!Object.hasOwn(raw, 'varsHelper')) tally.add('filledMissingFields', 'varsHelper');
  else if (raw.varsHelper === null) varsHelper = null;
  else if (typeof raw.varsHelper !== 'string') tally.add('resetInvalidFields', 'varsHelper');
  else {
    varsHelper = machines.resolve(raw.varsHelper) ?? null;
    if (varsHelper === null) tally.add('clearedReference', 'varsHelper');
  }
  design.deploy = { varsHelper: varsHelper as MachineId | null, rollbackSeconds: fields.value.rollbackSeconds, concurrency: fields.value.concurrency };
}

function restoreVpn(raw: unknown, design: Design, machines: IdIndex, tally: Tally): void {
  if (raw === undefined) {
    tally.add('filledMissingFields', 'vpnChoice');
    return;
  }
  if (!isObject(raw)) {
    tally.add('resetInvalidFields', 'vpnChoice');
    return;
  }
  const fields = restoreFields(raw, defaultVpnSettings, { id: z.enum(vpnIds).nullable(), instance: vpnChoiceSchema.shape.instance }, []);
  let rolesMissing = false;
  let rolesInvalid = false;
  const roles: Record<string, string[]> = {};
  if (!Object.hasOwn(raw, 'roles')) rolesMissing = true;
  else if (!isObject(raw.roles)) rolesInvalid = true;
  else {
    let dangling = 0;
    let unreadable = 0;
    let partly = 0;
    for (const [key, value] of Object.entries(raw.roles)) {
      const machineId = machines.resolve(key);
      if (machineId === undefined) dangling += 1;
      else if (!Array.isArray(value)) unreadable += 1;
      else {
        const valid = value.filter((role): role is string => vpnRoleSchema.safeParse(role).success);
        // Two keys can name one machine when it was given a new id; its roles are merged, without repeats.
        const merged = [...new Set([...(roles[machineId] ?? []), ...valid])].slice(0, 8);
        if (valid.length < value.length || merged.length < (roles[machineId]?.length ?? 0) + valid.length) partly += 1;
        roles[machineId] = merged;
      }
    }
    tally.add('droppedDangling', 'vpnRoles', dangling);
    tally.add('droppedUnreadable', 'vpnRoles', unreadable);
    tally.add('resetInvalidFields', 'vpnRoles', partly);
  }
  countFields(tally, 'vpnChoice', { missing: fields.missing || rolesMissing, invalid: fields.invalid || rolesInvalid });
  design.vpn = { id: fields.value.id, instance: fields.value.instance, roles: roles as Design['vpn']['roles'] };
}

function restoreAdmin(input: Raw, design: Design, sites: IdIndex, tally: Tally): void {
  const admin = input.admin;
  if (admin === undefined || (isObject(admin) && !Object.hasOwn(admin, 'siteId'))) {
    tally.add('filledMissingFields', 'adminSite');
    return;
  }
  if (!isObject(admin) || (admin.siteId !== null && typeof admin.siteId !== 'string')) {
    tally.add('resetInvalidFields', 'adminSite');
    return;
  }
  if (admin.siteId === null) return;
  const siteId = sites.resolve(admin.siteId);
  if (siteId === undefined) tally.add('clearedReference', 'adminSite');
  else design.admin = { siteId: siteId as SiteId };
}
