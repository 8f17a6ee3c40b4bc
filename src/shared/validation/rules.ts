import { linkKindLabels, siteKindLabels } from '../model/labels';
import { computeOverlayWith, createOverlayIndex, recordValues, rolesByMachine, type OverlayEdge, type OverlayIndex } from '../model/overlay';
import { computeDeployReach, type DeployReach } from '../model/reachability';
import type { Design, Link, Machine, MachineId, NatType, Site, SiteId } from '../model/types';
import { assignDefaultRoles, findRole, getDefaultRole, rankHubCandidates, vpnCatalog, type VpnRole, type VpnSpec } from '../vpn/catalog';
import { suggestMachineName } from '../model/ops';
import { alwaysOnRank, suggestVarsHelper, varsHelperUnfit, vpnsUsingVars } from '../model/varsHelper';
import { makeFix, reservedMachineNames } from './fixes';
import {
  clanNamePattern,
  domainPattern,
  instancePattern,
  isHostOrAddress,
  isHostname,
  isIPv4,
  isIPv6,
  isNonPublicIPv4,
  machineNamePattern,
  parseSshHost,
  recommendedInstancePattern,
  slugifyClanName,
  sshUserPattern,
} from './syntax';
import type { Fix, Problem, Rule, Severity } from './types';
import { quote as q, quoteList } from '../text';

// The validation rules. Each rule reads a shared RuleContext whose indexes are built once per validation, so the
// whole run stays linear in the design size (the 1,000-machine target is 5 ms); nothing here loops over machine
// pairs. Messages follow STYLE.md section 7: what is wrong, why it matters, what to do, naming items in quotes.

/** Every code a rule can report. */
export const ruleCodes = [
  'clanNameInvalid',
  'domainInvalid',
  'machineNameInvalid',
  'machineNameDuplicate',
  'machineNameReserved',
  'tagReserved',
  'siteNameEmpty',
  'siteNameDuplicate',
  'machineOutsideSite',
  'managedWithoutSsh',
  'sshHostInvalid',
  'sshUserInvalid',
  'noAdminLocation',
  'adminCannotReach',
  'vpnRoleCount',
  'vpnRoleNeedsPublic',
  'vpnRoleUnknown',
  'vpnRoleOnMissingMachine',
  'wireguardBothRoles',
  'vpnRolesConflict',
  'vpnNoRoles',
  'vpnPairUnreachable',
  'tincNameMapped',
  'instanceNameInvalid',
  'unmanagedWithoutClient',
  'unmanagedHasSsh',
  'publicAddressInvalid',
  'publicSiteWithoutAddress',
  'linkDangling',
  'portForwardWithoutPorts',
  'portForwardWrongSite',
  'varsHelperUnusable',
  'varsHelperNotChosen',
] as const;

/** One rule code. */
export type RuleCode = (typeof ruleCodes)[number];

/** Indexes over one design, built once per validation and shared by all rules. Derived results are computed on first use. */
export class RuleContext {
  readonly machines: readonly Machine[];
  readonly sites: readonly Site[];
  readonly links: readonly Link[];
  readonly spec: VpnSpec | null;
  /** Lower-cased machine names in use. */
  readonly machineNames: ReadonlySet<string>;
  /** Tag → the machines carrying it, in machine order. */
  readonly tags: ReadonlyMap<string, Machine[]>;
  /** Site → its machines, in machine order. */
  readonly machinesBySite: ReadonlyMap<SiteId, Machine[]>;
  /** Machines with a port forward link from their own site. */
  readonly forwarded: ReadonlySet<MachineId>;
  /** Machines by id: one Map per validation, because keyed lookups into the freshly copied record are slow. */
  readonly machineById: ReadonlyMap<string, Machine>;
  /** The roles record as a Map (cached per roles record). */
  readonly rolesOf: ReadonlyMap<string, readonly string[]>;
  /** The chosen VPN's roles by id (empty without a VPN). */
  readonly roleById: ReadonlyMap<string, VpnRole>;
  private overlayIndexCache: OverlayIndex | undefined;
  private reachCache: Map<MachineId, DeployReach> | undefined;
  private overlayCache: OverlayEdge[] | undefined;

  constructor(readonly design: Design) {
    this.machines = recordValues(design.machines);
    this.sites = recordValues(design.sites);
    this.links = recordValues(design.links);
    this.spec = design.vpn.id === null ? null : vpnCatalog[design.vpn.id];
    this.roleById = new Map(this.spec?.roles.map((r) => [r.id, r]) ?? []);
    const names = new Set<string>();
    const tags = new Map<string, Machine[]>();
    const bySite = new Map<SiteId, Machine[]>();
    const byId = new Map<string, Machine>();
    for (const m of this.machines) {
      byId.set(m.id, m);
      names.add(m.name.toLowerCase());
      for (const t of m.tags) {
        const list = tags.get(t);
        if (list === undefined) tags.set(t, [m]);
        else list.push(m);
      }
      if (m.siteId !== null) {
        const list = bySite.get(m.siteId);
        if (list === undefined) bySite.set(m.siteId, [m]);
        else list.push(m);
      }
    }
    const forwarded = new Set<MachineId>();
    for (const l of this.links) {
      if (l.kind === 'portForward' && byId.get(l.target)?.siteId === l.source) forwarded.add(l.target as MachineId);
    }
    this.machineById = byId;
    this.rolesOf = rolesByMachine(design);
    this.machineNames = names;
    this.tags = tags;
    this.machinesBySite = bySite;
    this.forwarded = forwarded;
  }

  /** The overlay index (members, hubs, relays), shared by reachability and the overlay. */
  get overlayIndex(): OverlayIndex {
    this.overlayIndexCache ??= createOverlayIndex(this.design);
    return this.overlayIndexCache;
  }

  /** Deploy reachability of every machine. */
  get reach(): ReadonlyMap<MachineId, DeployReach> {
    this.reachCache ??= computeDeployReach(this.design, this.overlayIndex);
    return this.reachCache;
  }

  /** The site-level overlay edges. */
  get overlay(): OverlayEdge[] {
    this.overlayCache ??= computeOverlayWith(this.overlayIndex);
    return this.overlayCache;
  }

  /** The site a machine is in, if it exists. */
  siteOf(m: Machine): Site | undefined {
    return m.siteId === null ? undefined : this.design.sites[m.siteId];
  }
}

/** A rule: the codes it may report and its check over the shared context. */
export interface RuleDefinition {
  readonly codes: readonly RuleCode[];
  readonly check: (ctx: RuleContext) => Problem[];
}

function problem(code: RuleCode, severity: Severity, message: string, itemIds: readonly string[], fix?: Fix): Problem {
  return fix === undefined ? { code, severity, message, itemIds: [...itemIds] } : { code, severity, message, itemIds: [...itemIds], fix };
}

const machineLabel = (m: Machine): string => (m.name.trim() === '' ? 'an unnamed machine' : q(m.name));
const siteLabel = (s: Site): string => (s.name.trim() === '' ? `an unnamed ${siteKindLabels[s.kind].toLowerCase()} site` : q(s.name));
const roleLabel = (r: VpnRole): string => r.label.charAt(0).toLowerCase() + r.label.slice(1);


const numberWords = ['no', 'one', 'two', 'three', 'four', 'five'];
const say = (n: number): string => numberWords[n] ?? String(n);

const natSentence: Record<NatType, string> = {
  public: 'has a public address',
  portForward: 'is reachable only through port forwards',
  nat: 'is behind a home router (NAT)',
  cgnat: 'is behind carrier-grade NAT',
  symmetric: 'is behind strict (symmetric) NAT',
};

// ---------------------------------------------------------------- clan meta

const clanNameInvalid: RuleDefinition = {
  codes: ['clanNameInvalid'],
  check: ({ design }) => {
    const name = design.meta.clanName;
    if (clanNamePattern.test(name)) return [];
    const slug = slugifyClanName(name);
    const what = name.trim() === '' ? 'The clan has no name.' : `The clan name ${q(name)} may only use letters, digits, '-' and '_'.`;
    return [
      problem(
        'clanNameInvalid',
        'error',
        `${what} Clan requires a name and uses it for the project and its download folder. Rename the clan, for example to ${q(slug)}.`,
        [],
        makeFix('setClanName', `Rename the clan to ${q(slug)}`, { name: slug }),
      ),
    ];
  },
};

const domainInvalid: RuleDefinition = {
  codes: ['domainInvalid'],
  check: ({ design }) => {
    const domain = design.meta.domain;
    if (domainPattern.test(domain)) return [];
    const what = domain === '' ? 'The clan has no domain.' : `The domain ${q(domain)} is not a valid lowercase DNS name.`;
    return [
      problem(
        'domainInvalid',
        'error',
        `${what} Clan builds host names such as "nas.clan" from it. Use lowercase letters, digits, '-' and dots, or the default "clan".`,
        [],
        makeFix('setDomain', 'Use the domain "clan"', { domain: 'clan' }),
      ),
    ];
  },
};

// ---------------------------------------------------------------- machine names and tags

/** Names a suggestion must avoid: names in use, reserved names, tags in use, and earlier suggestions. */
function avoidSet(ctx: RuleContext): Set<string> {
  return new Set([...ctx.machineNames, ...reservedMachineNames, ...ctx.tags.keys()]);
}

const machineNameInvalid: RuleDefinition = {
  codes: ['machineNameInvalid'],
  check: (ctx) => {
    const out: Problem[] = [];
    let avoid: Set<string> | undefined;
    for (const m of ctx.machines) {
      if (machineNamePattern.test(m.name)) continue;
      avoid ??= avoidSet(ctx);
      const name = suggestMachineName(m.name, avoid);
      avoid.add(name);
      const what = m.name.trim() === '' ? 'A machine has no name.' : `The machine name ${q(m.name)} is not valid.`;
      out.push(
        problem(
          'machineNameInvalid',
          'error',
          `${what} Names become host names and DNS names, so they may use only lowercase letters, digits and '-' (1 to 63 characters, not starting or ending with '-'). Rename it, for example to ${q(name)}.`,
          [m.id],
          makeFix('renameMachine', `Rename to ${q(name)}`, { machineId: m.id, name }),
        ),
      );
    }
    return out;
  },
};

const machineNameDuplicate: RuleDefinition = {
  codes: ['machineNameDuplicate'],
  check: (ctx) => {
    const out: Problem[] = [];
    const first = new Map<string, Machine>();
    let avoid: Set<string> | undefined;
    for (const m of ctx.machines) {
      const key = m.name.toLowerCase();
      if (key.trim() === '') continue;
      const earlier = first.get(key);
      if (earlier === undefined) {
        first.set(key, m);
        continue;
      }
      avoid ??= avoidSet(ctx);
      const name = suggestMachineName(m.name, avoid);
      avoid.add(name);
      out.push(
        problem(
          'machineNameDuplicate',
          'error',
          `More than one machine is called ${q(m.name)}. Clan identifies machines by name (folders, keys, host names), so each needs its own. Rename this one, for example to ${q(name)}.`,
          [m.id, earlier.id],
          makeFix('renameMachine', `Rename to ${q(name)}`, { machineId: m.id, name }),
        ),
      );
    }
    return out;
  },
};

const machineNameReserved: RuleDefinition = {
  codes: ['machineNameReserved'],
  check: (ctx) => {
    const out: Problem[] = [];
    let avoid: Set<string> | undefined;
    for (const m of ctx.machines) {
      const reserved = reservedMachineNames.has(m.name);
      const tagged = ctx.tags.get(m.name);
      if (!reserved && tagged === undefined) continue;
      avoid ??= avoidSet(ctx);
      const name = suggestMachineName(`${m.name}-1`, avoid);
      avoid.add(name);
      const fix = makeFix('renameMachine', `Rename to ${q(name)}`, { machineId: m.id, name });
      if (m.name === 'localhost') {
        out.push(problem('machineNameReserved', 'error', `${q(m.name)} cannot be a machine name: Clan's tools read "localhost" as the computer they run on, so deploys would go to the wrong place. Rename it, for example to ${q(name)}.`, [m.id], fix));
      } else if (reserved) {
        out.push(
          problem(
            'machineNameReserved',
            'warning',
            `The machine name ${q(m.name)} is also a tag Clan computes itself ("all", "nixos", "darwin"), so role assignments by machine and by tag become easy to confuse. Rename it, for example to ${q(name)}.`,
            [m.id],
            fix,
          ),
        );
      } else {
        out.push(
          problem(
            'machineNameReserved',
            'warning',
            `The machine name ${q(m.name)} is also a tag used on ${quoteList(tagged!.map((t) => t.name), 3)}, so role assignments by machine and by tag become easy to confuse. Rename the machine, for example to ${q(name)}, or rename the tag.`,
            [m.id],
            fix,
          ),
        );
      }
    }
    return out;
  },
};

const reservedTags = ['all', 'nixos', 'darwin'] as const;

const tagReserved: RuleDefinition = {
  codes: ['tagReserved'],
  check: (ctx) =>
    reservedTags.flatMap((tag) => {
      const machines = ctx.tags.get(tag);
      if (machines === undefined) return [];
      return [
        problem(
          'tagReserved',
          'error',
          `The tag ${q(tag)} is set on ${quoteList(machines.map((m) => m.name), 3)}. Clan computes the tags "all", "nixos" and "darwin" itself, and defining them by hand breaks evaluation. Remove the tag; Clan adds it wherever it applies.`,
          machines.map((m) => m.id),
          makeFix('removeTag', `Remove the tag ${q(tag)}`, { tag }),
        ),
      ];
    }),
};

// ---------------------------------------------------------------- sites

function suggestSiteName(base: string, used: Set<string>): string {
  for (let n = 2; ; n += 1) {
    const candidate = `${base} ${n}`;
    if (!used.has(candidate.toLowerCase())) {
      used.add(candidate.toLowerCase());
      return candidate;
    }
  }
}

const siteNames: RuleDefinition = {
  codes: ['siteNameEmpty', 'siteNameDuplicate'],
  check: (ctx) => {
    const out: Problem[] = [];
    const used = new Set(ctx.sites.map((s) => s.name.trim().toLowerCase()));
    const first = new Map<string, Site>();
    for (const s of ctx.sites) {
      const key = s.name.trim().toLowerCase();
      if (key === '') {
        const base = siteKindLabels[s.kind];
        const name = used.has(base.toLowerCase()) ? suggestSiteName(base, used) : base;
        used.add(name.toLowerCase());
        out.push(
          problem(
            'siteNameEmpty',
            'warning',
            `A ${siteKindLabels[s.kind].toLowerCase()} site has no name. Problems, deploy messages and the drawing name sites, so an unnamed one is hard to find. Give it a name, for example ${q(name)}.`,
            [s.id],
            makeFix('renameSite', `Name it ${q(name)}`, { siteId: s.id, name }),
          ),
        );
        continue;
      }
      const earlier = first.get(key);
      if (earlier === undefined) {
        first.set(key, s);
        continue;
      }
      const name = suggestSiteName(s.name.trim(), used);
      out.push(
        problem(
          'siteNameDuplicate',
          'warning',
          `More than one site is called ${q(s.name)}. Problems and deploy messages name sites, so the same name twice is confusing. Rename this one, for example to ${q(name)}.`,
          [s.id, earlier.id],
          makeFix('renameSite', `Rename to ${q(name)}`, { siteId: s.id, name }),
        ),
      );
    }
    return out;
  },
};

const machineOutsideSite: RuleDefinition = {
  codes: ['machineOutsideSite'],
  check: (ctx) =>
    ctx.machines
      .filter((m) => ctx.siteOf(m) === undefined)
      .map((m) =>
        problem(
          'machineOutsideSite',
          'warning',
          `${capitalize(machineLabel(m))} ${m.siteId === null ? 'is in no site' : 'belongs to a site that no longer exists'}, so the app cannot tell which network it is on, whether it is behind NAT, or how to reach it. Drag it into the site where it lives.`,
          [m.id],
        ),
      ),
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------- SSH

const managedWithoutSsh: RuleDefinition = {
  codes: ['managedWithoutSsh'],
  check: (ctx) => {
    const out: Problem[] = [];
    for (const m of ctx.machines) {
      if (!m.managed) continue;
      const host = m.ssh?.host.trim() ?? '';
      const user = m.ssh?.user.trim() ?? '';
      if (host !== '' && user !== '') continue;
      const who = capitalize(machineLabel(m));
      if (host === '') {
        const address = m.publicAddress?.trim() ?? '';
        // Filling the host is sensible only from an address the user already entered; guessing from the name is not.
        const fix = isHostOrAddress(address)
          ? makeFix('setSsh', `Use the public address ${q(address)}`, { machineId: m.id, ssh: { host: address, port: m.ssh?.port ?? 22, user: user === '' ? 'root' : user } })
          : undefined;
        out.push(problem('managedWithoutSsh', 'error', `${who} has no SSH address, so the app cannot deploy to it. Enter the IP address or host name the app should connect to, and the user to log in as (usually root).`, [m.id], fix));
      } else {
        out.push(
          problem(
            'managedWithoutSsh',
            'error',
            `${who} has no SSH user, so the app does not know whom to log in as. Enter the user; Clan deploys as root by default.`,
            [m.id],
            makeFix('setSsh', 'Log in as root', { machineId: m.id, ssh: { host, port: m.ssh!.port, user: 'root' } }),
          ),
        );
      }
    }
    return out;
  },
};

const sshSyntax: RuleDefinition = {
  codes: ['sshHostInvalid', 'sshUserInvalid'],
  check: (ctx) => {
    const out: Problem[] = [];
    for (const m of ctx.machines) {
      if (!m.managed || m.ssh === null) continue;
      const { host, user, port } = m.ssh;
      if (host.trim() !== '' && !isHostOrAddress(host)) {
        const parsed = parseSshHost(host);
        const fix =
          parsed === null
            ? undefined
            : makeFix('setSsh', `Use host ${q(parsed.host)}${parsed.user === null ? '' : `, user ${q(parsed.user)}`}${parsed.port === null ? '' : `, port ${parsed.port}`}`, {
                machineId: m.id,
                ssh: { host: parsed.host, user: parsed.user ?? user, port: parsed.port ?? port },
              });
        out.push(
          problem(
            'sshHostInvalid',
            'error',
            `The SSH host ${q(host)} of ${machineLabel(m)} is not a host name, IPv4 or IPv6 address. It is passed to ssh, so spaces, ports, user names and shell characters do not belong there. Enter only the address, for example 192.168.1.10 or nas.local.`,
            [m.id],
            fix,
          ),
        );
      }
      if (user.trim() !== '' && !sshUserPattern.test(user)) {
        const clean = user.trim().toLowerCase();
        const fix = sshUserPattern.test(clean) ? makeFix('setSsh', `Use user ${q(clean)}`, { machineId: m.id, ssh: { host, port, user: clean } }) : undefined;
        out.push(
          problem(
            'sshUserInvalid',
            'error',
            `The SSH user ${q(user)} of ${machineLabel(m)} is not a valid Linux user name. It is passed to ssh, so only lowercase letters, digits, '_' and '-' are allowed (up to 32, not starting with a digit or '-'). Enter the user to log in as, usually root.`,
            [m.id],
            fix,
          ),
        );
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------- admin location and deploy reach

const noAdminLocation: RuleDefinition = {
  codes: ['noAdminLocation'],
  check: (ctx) => {
    const { design } = ctx;
    if (design.admin.siteId !== null && design.sites[design.admin.siteId] !== undefined) return [];
    if (!ctx.machines.some((m) => m.managed)) return [];
    let best: Site | undefined;
    let bestCount = 0;
    for (const s of ctx.sites) {
      const count = ctx.machinesBySite.get(s.id)?.length ?? 0;
      if (best === undefined || count > bestCount) {
        best = s;
        bestCount = count;
      }
    }
    const what = design.admin.siteId === null ? 'The app does not know which site your computer is in' : 'The site marked as your location no longer exists';
    return [
      problem(
        'noAdminLocation',
        'error',
        `${what}, so it cannot work out which machines it can reach for deploy. Mark the site your computer is on as the admin location${best === undefined ? '' : `, for example ${siteLabel(best)}`}.`,
        best === undefined ? [] : [best.id],
        best === undefined ? undefined : makeFix('setAdminSite', `My computer is in ${siteLabel(best)}`, { siteId: best.id }),
      ),
    ];
  },
};

const cannotReachMemo = new WeakMap<DeployReach, { jump: Machine | null; problem: Problem }>();

const adminCannotReach: RuleDefinition = {
  codes: ['adminCannotReach'],
  check: (ctx) => {
    const { design } = ctx;
    // Without an admin location every machine is "unreachable"; noAdminLocation says it once instead.
    if (design.admin.siteId === null || design.sites[design.admin.siteId] === undefined) return [];
    const out: Problem[] = [];
    const reach = ctx.reach;
    // A directly reachable managed machine on the same network can forward SSH (ProxyJump) to the others there.
    // Chosen once per site (always-on kinds first), so the rule stays linear.
    const jumpBySite = new Map<SiteId, Machine | null>();
    const jumpFor = (siteId: SiteId): Machine | null => {
      let jump = jumpBySite.get(siteId);
      if (jump !== undefined) return jump;
      jump = null;
      for (const other of ctx.machinesBySite.get(siteId) ?? []) {
        if (!other.managed || reach.get(other.id)?.reach !== 'direct') continue;
        if (jump === null || alwaysOnRank[other.kind] < alwaysOnRank[jump.kind] || (alwaysOnRank[other.kind] === alwaysOnRank[jump.kind] && other.name < jump.name)) jump = other;
      }
      jumpBySite.set(siteId, jump);
      return jump;
    };
    for (const m of ctx.machines) {
      const r = reach.get(m.id);
      if (r === undefined || (r.reach !== 'unreachable' && r.reach !== 'overlayOnly')) continue;
      const jump = m.siteId === null ? null : jumpFor(m.siteId);
      // Reach answers are reused across edits (see reachability.ts), and so are the problems made from them.
      const memo = cannotReachMemo.get(r);
      if (memo !== undefined && memo.jump === jump) {
        out.push(memo.problem);
        continue;
      }
      const fix = jump === null ? undefined : makeFix('addJumpHost', `Reach it through ${machineLabel(jump)}`, { source: jump.id, target: m.id });
      const p = problem('adminCannotReach', r.reach === 'unreachable' ? 'error' : 'warning', r.reason, [m.id], fix);
      cannotReachMemo.set(r, { jump, problem: p });
      out.push(p);
    }
    return out;
  },
};

// ---------------------------------------------------------------- VPN roles

function countPhrase(role: VpnRole): string {
  if (role.max !== null && role.min === role.max) return `exactly ${say(role.min)}`;
  if (role.max === null) return `at least ${say(role.min)}`;
  return `at most ${say(role.max)}`;
}

/** Existing machines per role of the chosen VPN. */
function holdersByRole(ctx: RuleContext): Map<string, Machine[]> {
  const holders = new Map<string, Machine[]>();
  for (const { machine: m, roles } of ctx.overlayIndex.memberEntries) {
    for (const r of roles) {
      const list = holders.get(r);
      if (list === undefined) holders.set(r, [m]);
      else list.push(m);
    }
  }
  return holders;
}

/** Whether a machine is a good home for a public role: a public site, or a port-forwarded site with a forward to it. */
function isGoodPublicHome(ctx: RuleContext, m: Machine): boolean {
  const nat = ctx.siteOf(m)?.nat;
  return nat === 'public' || (nat === 'portForward' && ctx.forwarded.has(m.id));
}

const vpnRoleCount: RuleDefinition = {
  codes: ['vpnRoleCount'],
  check: (ctx) => {
    const spec = ctx.spec;
    if (spec === null || ctx.machines.length === 0) return [];
    const holders = holdersByRole(ctx);
    const out: Problem[] = [];
    for (const role of spec.roles) {
      const list = holders.get(role.id) ?? [];
      if (list.length < role.min) {
        const candidate = rankHubCandidates(ctx.design, role.needsPublic).find((m) => !role.needsPublic || isGoodPublicHome(ctx, m));
        const whom = candidate === undefined ? `a machine${role.needsPublic ? ' in a site with a public address (add a VPS if you have none)' : ''}` : machineLabel(candidate);
        out.push(
          problem(
            'vpnRoleCount',
            'error',
            `${spec.name} needs ${countPhrase(role)} ${roleLabel(role)}, but ${list.length === 0 ? 'no machine has' : `only ${say(list.length)} ${list.length === 1 ? 'machine has' : 'machines have'}`} that role. ${role.description} Give the role to ${whom}.`,
            candidate === undefined ? [] : [candidate.id],
            candidate === undefined ? undefined : makeFix('addRole', `Make ${machineLabel(candidate)} the ${roleLabel(role)}`, { machineId: candidate.id, role: role.id }),
          ),
        );
      } else if (role.max !== null && list.length > role.max) {
        out.push(
          problem(
            'vpnRoleCount',
            'error',
            `${spec.name} allows ${countPhrase(role)} ${roleLabel(role)}, but ${say(list.length)} machines have that role: ${quoteList(list.map((m) => m.name), 5)}. Clan refuses the configuration; keep the role on ${role.max === 1 ? 'one machine' : `at most ${say(role.max)}`} and remove it from the others.`,
            list.map((m) => m.id),
          ),
        );
      }
    }
    return out;
  },
};

const vpnRoleNeedsPublic: RuleDefinition = {
  codes: ['vpnRoleNeedsPublic'],
  check: (ctx) => {
    const spec = ctx.spec;
    if (spec === null) return [];
    const out: Problem[] = [];
    let candidates: Machine[] | undefined;
    for (const { machine: m, roles } of ctx.overlayIndex.memberEntries) {
      for (const roleId of roles) {
        const role = ctx.roleById.get(roleId);
        if (role === undefined || !role.needsPublic) continue;
        const site = ctx.siteOf(m);
        if (site?.nat === 'public') continue;
        if (site?.nat === 'portForward' && ctx.forwarded.has(m.id)) {
          out.push(
            problem(
              'vpnRoleNeedsPublic',
              'warning',
              `${capitalize(machineLabel(m))} is the ${spec.name} ${roleLabel(role)} in ${siteLabel(site)}, which other sites reach only through a port forward. Make sure the router forwards the VPN's port to it, not just SSH.`,
              [m.id],
            ),
          );
          continue;
        }
        candidates ??= rankHubCandidates(ctx.design, true).filter((c) => isGoodPublicHome(ctx, c));
        const target = candidates.find((c) => c.id !== m.id);
        const where = site === undefined ? 'it is in no site' : `${siteLabel(site)} ${natSentence[site.nat]}`;
        const fix =
          target !== undefined
            ? makeFix('moveRole', `Move the ${roleLabel(role)} role to ${machineLabel(target)}`, { from: m.id, to: target.id, role: role.id })
            : role.min === 0
              ? makeFix('removeRole', `Remove the ${roleLabel(role)} role`, { machineId: m.id, role: role.id })
              : undefined;
        out.push(
          problem(
            'vpnRoleNeedsPublic',
            'error',
            `${capitalize(machineLabel(m))} is the ${spec.name} ${roleLabel(role)}, which must accept connections from the internet, but ${where}. Machines in other sites could not reach it. Move the role to a machine in a site with a public address (such as a VPS), or forward the VPN's port to it.`,
            [m.id],
            fix,
          ),
        );
      }
    }
    return out;
  },
};

const vpnRoleRecords: RuleDefinition = {
  codes: ['vpnRoleUnknown', 'vpnRoleOnMissingMachine'],
  check: (ctx) => {
    const { spec } = ctx;
    const out: Problem[] = [];
    for (const [id, roles] of ctx.rolesOf) {
      const m = ctx.machineById.get(id);
      if (m === undefined) {
        out.push(
          problem(
            'vpnRoleOnMissingMachine',
            'warning',
            `VPN roles (${quoteList(roles, 3)}) are still assigned to a machine that no longer exists (${id}). They are ignored; remove them to keep the design tidy.`,
            [id],
            makeFix('removeRoleEntry', 'Remove the leftover roles', { machineId: id }),
          ),
        );
        continue;
      }
      if (spec === null) continue;
      for (const r of roles) {
        if (ctx.roleById.has(r)) continue;
        out.push(
          problem(
            'vpnRoleUnknown',
            'error',
            `${capitalize(machineLabel(m))} has the role ${q(r)}, which ${spec.name} does not have (its roles are ${quoteList(spec.roles.map((x) => x.id), 5)}). Clan would stop with an "unmatched roles" error. Remove the role.`,
            [m.id],
            makeFix('removeRole', `Remove the role ${q(r)}`, { machineId: m.id, role: r }),
          ),
        );
      }
    }
    return out;
  },
};

const vpnRoleConflicts: RuleDefinition = {
  codes: ['wireguardBothRoles', 'vpnRolesConflict'],
  check: (ctx) => {
    const spec = ctx.spec;
    if (spec === null || !spec.roles.some((r) => r.exclusiveWith.length > 0)) return [];
    const out: Problem[] = [];
    for (const { machine: m, roles: held } of ctx.overlayIndex.memberEntries) {
      const clash = held.map((r) => findRole(spec, r)).find((r): r is VpnRole => r !== undefined && r.exclusiveWith.some((x) => held.includes(x)));
      if (clash === undefined) continue;
      const other = findRole(spec, clash.exclusiveWith.find((x) => held.includes(x))!)!;
      // Keep the special role and drop the default one: the special role already makes the machine a member.
      // One problem per machine: in a catalog where only two roles exclude each other, that is the only clash.
      const [keep, drop] = other.isDefault ? [clash, other] : clash.isDefault ? [other, clash] : [clash, other];
      const fix = makeFix('removeRole', `Remove the ${roleLabel(drop)} role`, { machineId: m.id, role: drop.id });
      if (spec.id === 'wireguard') {
        out.push(
          problem(
            'wireguardBothRoles',
            'error',
            `${capitalize(machineLabel(m))} is both ${roleLabel(keep)} and ${roleLabel(drop)} in WireGuard. Clan's WireGuard service refuses a machine with both roles in one instance. Remove the ${roleLabel(drop)} role; the ${roleLabel(keep)} is part of the network anyway.`,
            [m.id],
            fix,
          ),
        );
      } else {
        out.push(
          problem(
            'vpnRolesConflict',
            'warning',
            `${capitalize(machineLabel(m))} is both ${roleLabel(keep)} and ${roleLabel(drop)} in ${spec.name}. These roles configure the same service twice and should not be combined. Remove the ${roleLabel(drop)} role; the ${roleLabel(keep)} is part of the network anyway.`,
            [m.id],
            fix,
          ),
        );
      }
    }
    return out;
  },
};

const vpnNoRoles: RuleDefinition = {
  codes: ['vpnNoRoles'],
  check: (ctx) => {
    const spec = ctx.spec;
    if (spec === null || ctx.machines.length === 0 || ctx.overlayIndex.members.size > 0) return [];
    const proposal = assignDefaultRoles(ctx.design, spec.id);
    const entries = Object.entries(proposal);
    const fallback = getDefaultRole(spec);
    const special = entries.find(([, roles]) => roles.some((r) => r !== fallback.id));
    const hubMachine = special === undefined ? undefined : ctx.design.machines[special[0] as MachineId];
    const hubRole = special === undefined ? undefined : findRole(spec, special[1].find((r) => r !== fallback.id)!);
    const hint = hubMachine !== undefined && hubRole !== undefined ? ` (${roleLabel(hubRole)} on ${machineLabel(hubMachine)}, ${roleLabel(fallback)} for the others)` : '';
    return [
      problem(
        'vpnNoRoles',
        'error',
        `${spec.name} is chosen, but no machine has a role in it, so no VPN would be set up. Give the machines roles, or let the app assign them${hint}.`,
        hubMachine === undefined ? [] : [hubMachine.id],
        entries.length === 0 ? undefined : makeFix('assignDefaultRoles', 'Assign roles automatically', {}),
      ),
    ];
  },
};

const vpnPairUnreachable: RuleDefinition = {
  codes: ['vpnPairUnreachable'],
  check: (ctx) => {
    const spec = ctx.spec;
    if (spec === null) return [];
    const out: Problem[] = [];
    for (const edge of ctx.overlay) {
      if (edge.path !== 'unreachable') continue;
      const a = ctx.design.sites[edge.a]!;
      const b = ctx.design.sites[edge.b]!;
      const what = edge.kind === 'hub' ? `Machines in ${siteLabel(a)} and ${siteLabel(b)} cannot reach their ${spec.name} hub.` : `Machines in ${siteLabel(a)} and ${siteLabel(b)} cannot reach each other over ${spec.name}.`;
      out.push(problem('vpnPairUnreachable', 'warning', `${what} ${edge.reason}`, [edge.a, edge.b]));
    }
    return out;
  },
};

const tincNameMapped: RuleDefinition = {
  codes: ['tincNameMapped'],
  check: (ctx) => {
    const spec = ctx.spec;
    const mapping = spec?.machineNameMapping.value ?? null;
    if (spec === null || mapping === null) return [];
    const mapped: Machine[] = [];
    for (const { machine: m } of ctx.overlayIndex.memberEntries) {
      if (m.name.includes(mapping.from)) mapped.push(m);
    }
    if (mapped.length === 0) return [];
    const example = mapped[0]!;
    const others = mapped.length - 1;
    return [
      problem(
        'tincNameMapped',
        'info',
        `Inside ${spec.name}, '${mapping.from}' in machine names is written as '${mapping.to}': ${q(example.name)} becomes ${q(example.name.split(mapping.from).join(mapping.to))}${others > 0 ? ` (and ${others} more)` : ''}. ${mapping.why} The app handles this; it only matters when you read ${spec.name}'s own logs.`,
        mapped.map((m) => m.id),
      ),
    ];
  },
};

const instanceNameInvalid: RuleDefinition = {
  codes: ['instanceNameInvalid'],
  check: ({ design, spec }) => {
    if (spec === null) return [];
    const name = design.vpn.instance;
    const fix = makeFix('setInstanceName', 'Rename the instance to "mesh"', { name: 'mesh' });
    const naming = spec.interfaceName.value;
    if (!instancePattern.test(name)) {
      return [
        problem(
          'instanceNameInvalid',
          'error',
          `The VPN instance name ${q(name)} is not usable: use lowercase letters, digits and '-', starting with a letter. ${spec.name} builds interface, host and key names from it. Rename it, for example to "mesh".`,
          [],
          fix,
        ),
      ];
    }
    if (naming !== null && name.length > naming.maxInstanceLength) {
      const iface = naming.template.replace('<instance>', name);
      return [
        naming.truncates
          ? problem(
              'instanceNameInvalid',
              'warning',
              `The VPN instance name ${q(name)} is longer than ${spec.name}'s interface name allows (${naming.maxInstanceLength} characters in ${q(naming.template)}), so it is cut to ${q(iface.slice(0, 15))}. Two long names could then collide. Use a shorter name such as "mesh".`,
              [],
              fix,
            )
          : problem(
              'instanceNameInvalid',
              'error',
              `The VPN instance name ${q(name)} is too long for ${spec.name}: its network interface would be ${q(iface)}, and Linux allows at most 15 characters, so the name may have at most ${naming.maxInstanceLength}. Rename it, for example to "mesh".`,
              [],
              fix,
            ),
      ];
    }
    if (!recommendedInstancePattern.test(name)) {
      return [
        problem(
          'instanceNameInvalid',
          'info',
          `The VPN instance name ${q(name)} works for ${spec.name}, but a short name of lowercase letters and digits (at most 8, such as "mesh") works with every VPN, so switching VPNs later needs no rename.`,
          [],
          fix,
        ),
      ];
    }
    return [];
  },
};

const platformNames: Record<string, string> = { android: 'Android', ios: 'iOS' };

const unmanagedDevices: RuleDefinition = {
  codes: ['unmanagedWithoutClient', 'unmanagedHasSsh'],
  check: (ctx) => {
    const spec = ctx.spec;
    const out: Problem[] = [];
    for (const m of ctx.machines) {
      if (m.managed) continue;
      if (spec !== null) {
        const hasRole = (ctx.rolesOf.get(m.id)?.length ?? 0) > 0;
        const mobile = spec.mobileClients.value;
        if (m.kind === 'phone' && mobile.length === 0) {
          out.push(
            problem(
              'unmanagedWithoutClient',
              'error',
              `${capitalize(machineLabel(m))} is a phone, but ${spec.name} has no app for Android or iOS, so it cannot join the network. If it should be in the network, choose a VPN with phone apps (for example ZeroTier, Nebula or Tailscale + Headscale).`,
              [m.id],
            ),
          );
        } else if (m.kind === 'phone' && mobile.length === 1) {
          const only = platformNames[mobile[0]!]!;
          out.push(
            problem(
              'unmanagedWithoutClient',
              'warning',
              `${spec.name} has an app only for ${only}, so ${machineLabel(m)} can join only if it runs ${only}. If it does not, choose a VPN with apps for both (for example ZeroTier or Nebula).`,
              [m.id],
            ),
          );
        } else if (m.kind !== 'phone' && hasRole) {
          out.push(
            problem(
              'unmanagedWithoutClient',
              'warning',
              `${capitalize(machineLabel(m))} has a ${spec.name} role but is not managed by the app, so nothing will be installed on it for you. Install and set up the ${spec.name} client on it yourself, or mark it as managed so the app deploys it.`,
              [m.id],
            ),
          );
        }
      }
      if (m.ssh !== null) {
        out.push(
          problem(
            'unmanagedHasSsh',
            'info',
            `${capitalize(machineLabel(m))} has SSH details, but it is not managed, so the app never connects to it. They do no harm; remove them if they are left over.`,
            [m.id],
            makeFix('setSsh', 'Remove the SSH details', { machineId: m.id, ssh: null }),
          ),
        );
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------- public addresses

const publicAddressInvalid: RuleDefinition = {
  codes: ['publicAddressInvalid'],
  check: (ctx) => {
    const out: Problem[] = [];
    for (const m of ctx.machines) {
      const address = m.publicAddress;
      if (address === null) continue;
      if (!isHostOrAddress(address)) {
        const trimmed = address.trim().replace(/^\[(.*)\]$/, '$1');
        const fix =
          trimmed === ''
            ? makeFix('setPublicAddress', 'Clear the public address', { machineId: m.id, address: null })
            : isHostOrAddress(trimmed)
              ? makeFix('setPublicAddress', `Use ${q(trimmed)}`, { machineId: m.id, address: trimmed })
              : undefined;
        out.push(
          problem(
            'publicAddressInvalid',
            'error',
            `The public address ${q(address)} of ${machineLabel(m)} is not an IPv4 address, IPv6 address or DNS name. Other machines are told to connect to it, and it is written into configuration and scripts. Enter just the address (no port, no brackets), for example 203.0.113.10 or vpn.example.org.`,
            [m.id],
            fix,
          ),
        );
      } else if (isNonPublicIPv4(address)) {
        out.push(
          problem(
            'publicAddressInvalid',
            'warning',
            `The public address ${q(address)} of ${machineLabel(m)} is a private address, which machines in other sites cannot reach. Enter the address it has on the internet, or leave the field empty.`,
            [m.id],
          ),
        );
      }
    }
    return out;
  },
};

const publicSiteWithoutAddress: RuleDefinition = {
  codes: ['publicSiteWithoutAddress'],
  check: (ctx) => {
    const spec = ctx.spec;
    if (spec === null) return [];
    const out: Problem[] = [];
    for (const { machine: m, roles } of ctx.overlayIndex.memberEntries) {
      if ((m.publicAddress ?? '').trim() !== '') continue;
      const role = roles.map((r) => ctx.roleById.get(r)).find((r) => r?.needsPublic === true);
      if (role === undefined) continue;
      // A VPS's SSH host is usually its public address; offer it when it plainly is one.
      const host = m.ssh?.host.trim() ?? '';
      const usable = ctx.siteOf(m)?.nat === 'public' && (isIPv4(host) || isIPv6(host) || (isHostname(host) && host.includes('.') && !host.endsWith('.local'))) && !isNonPublicIPv4(host);
      out.push(
        problem(
          'publicSiteWithoutAddress',
          'warning',
          `${capitalize(machineLabel(m))} is the ${spec.name} ${roleLabel(role)} but has no public address. The generated configuration tells the other machines to connect to that address, so enter its public IP or DNS name.`,
          [m.id],
          usable ? makeFix('setPublicAddress', `Use the SSH address ${q(host)}`, { machineId: m.id, address: host }) : undefined,
        ),
      );
    }
    return out;
  },
};

// ---------------------------------------------------------------- links

function describeEnd(design: Design, id: string, site: boolean): string {
  if (site) {
    const s = design.sites[id as SiteId];
    return s === undefined ? 'a deleted site' : siteLabel(s);
  }
  const m = design.machines[id as MachineId];
  return m === undefined ? 'a deleted machine' : machineLabel(m);
}

const linkRules: RuleDefinition = {
  codes: ['linkDangling', 'portForwardWithoutPorts', 'portForwardWrongSite'],
  check: (ctx) => {
    const { design } = ctx;
    const out: Problem[] = [];
    for (const l of ctx.links) {
      const fromSite = l.kind === 'portForward';
      const source = fromSite ? design.sites[l.source as SiteId] : ctx.machineById.get(l.source);
      const target = ctx.machineById.get(l.target);
      // Built only when a problem needs it: most links are fine, and 1,500 sentences per keystroke add up.
      const name = (): string =>
        `The ${linkKindLabels[l.kind].toLowerCase()} link${l.label.trim() === '' ? '' : ` ${q(l.label)}`} from ${describeEnd(design, l.source, fromSite)} to ${describeEnd(design, l.target, false)}`;
      if (source === undefined || target === undefined) {
        out.push(problem('linkDangling', 'warning', `${name()} points to something that no longer exists, so it has no effect. Remove it.`, [l.id], makeFix('removeLink', 'Remove the link', { linkId: l.id })));
        continue;
      }
      if (!fromSite) continue;
      if (target.siteId !== l.source) {
        out.push(
          problem(
            'portForwardWrongSite',
            'warning',
            `${name()} forwards to a machine that is not in that site, and a router can only forward to machines on its own network. Draw the port forward from the site ${machineLabel(target)} is in, or move the machine.`,
            [l.id, target.id],
          ),
        );
      } else if (l.ports === null) {
        out.push(
          problem(
            'portForwardWithoutPorts',
            'warning',
            `${name()} does not say which ports are forwarded. The app needs them to reach ${machineLabel(target)} over SSH and to tell VPN peers where to connect. Enter the external and internal port.`,
            [l.id, target.id],
          ),
        );
      }
    }
    return out;
  },
};

// ---------------------------------------------------------------- deploy settings

/** What the vars are, in the words every vars helper message uses. */
const whatVarsAre = "the network's keys and certificates (Clan's vars)";

const varsHelperUnusable: RuleDefinition = {
  codes: ['varsHelperUnusable'],
  check: (ctx) => {
    const { design } = ctx;
    const id = design.deploy.varsHelper;
    if (id === null) return [];
    const helper = ctx.machineById.get(id);
    const adminKnown = design.admin.siteId !== null && design.sites[design.admin.siteId] !== undefined;
    const unfit = helper === undefined ? 'missing' : varsHelperUnfit(helper, ctx.reach.get(helper.id));
    // Without an admin location nothing is reachable; noAdminLocation says so once instead of here again.
    if (unfit === null || (!adminKnown && (unfit === 'unreachable' || unfit === 'overlayOnly'))) return [];
    const other = suggestVarsHelper(design, ctx.reach);
    const alternative = other === undefined || other.machine.id === id ? undefined : other.machine;
    const instead = alternative === undefined ? '' : `, for example ${machineLabel(alternative)}`;
    const fix =
      alternative !== undefined
        ? makeFix('setVarsHelper', `Use ${machineLabel(alternative)} as the vars helper`, { machineId: alternative.id })
        : unfit === 'unmanaged' || unfit === 'missing'
          ? makeFix('setVarsHelper', 'Clear the vars helper', { machineId: null })
          : undefined;
    const items = helper === undefined ? [] : [helper.id];
    if (unfit === 'missing') {
      return [problem('varsHelperUnusable', 'warning', `The vars helper is set to a machine that no longer exists, so a deploy without Nix on this computer cannot make ${whatVarsAre}. Choose another vars helper${instead}.`, items, fix)];
    }
    const name = machineLabel(helper!);
    const message: Record<Exclude<typeof unfit, 'missing'>, string> = {
      unmanaged: `The vars helper ${name} is not managed by the app, so the app never logs in to it. Without Nix on this computer, the deploy makes ${whatVarsAre} on the vars helper, which must be a NixOS machine the app manages. Choose a managed machine${instead}.`,
      noSshAddress: `The vars helper ${name} has no SSH address, so the app cannot log in to it to make ${whatVarsAre} when this computer has no Nix. Enter its SSH address, or choose another vars helper${instead}.`,
      overlayOnly: `The vars helper ${name} can be reached only over the VPN, but ${whatVarsAre} are made before the VPN exists, so the first deploy could not make them there. Choose a machine the app reaches directly or through a jump host${instead}, or add a jump host link to ${name}.`,
      unreachable: `The app has no way to reach the vars helper ${name}, so a deploy without Nix on this computer cannot make ${whatVarsAre} there. Choose a machine the app can reach${instead}, or give ${name} a way in (a port forward or a jump host link).`,
    };
    return [problem('varsHelperUnusable', 'warning', message[unfit], items, fix)];
  },
};

const varsHelperNotChosen: RuleDefinition = {
  codes: ['varsHelperNotChosen'],
  check: (ctx) => {
    const { design, spec } = ctx;
    if (spec === null || !vpnsUsingVars.has(spec.id) || design.deploy.varsHelper !== null) return [];
    // With no machine that could be the helper, nothing can be deployed yet either, and the problems that say why
    // (no admin location, no SSH address, no way in) come with their own fixes; a second sentence would not help.
    const best = suggestVarsHelper(design, ctx.reach);
    if (best === undefined) return [];
    const name = machineLabel(best.machine);
    return [
      problem(
        'varsHelperNotChosen',
        'info',
        `No vars helper is chosen. ${spec.name} gets its keys and certificates from Clan's vars generators, which need Nix; when this computer has none, the deploy runs them on a managed machine, the vars helper, and would pick ${name} because ${best.why}. Choose it, so that every deploy makes the vars on the same machine.`,
        [best.machine.id],
        makeFix('setVarsHelper', `Use ${name} as the vars helper`, { machineId: best.machine.id }),
      ),
    ];
  },
};

/** All rules, in the order their problems are listed within one severity. */
export const ruleDefinitions: readonly RuleDefinition[] = [
  clanNameInvalid,
  domainInvalid,
  noAdminLocation,
  machineNameInvalid,
  machineNameDuplicate,
  machineNameReserved,
  tagReserved,
  siteNames,
  machineOutsideSite,
  managedWithoutSsh,
  sshSyntax,
  adminCannotReach,
  vpnNoRoles,
  vpnRoleRecords,
  vpnRoleCount,
  vpnRoleConflicts,
  vpnRoleNeedsPublic,
  publicAddressInvalid,
  publicSiteWithoutAddress,
  instanceNameInvalid,
  vpnPairUnreachable,
  unmanagedDevices,
  tincNameMapped,
  linkRules,
  varsHelperUnusable,
  varsHelperNotChosen,
];

/** A rule definition as a plain `Rule` (design in, problems out), for callers that run one rule alone. */
export function asRule(definition: RuleDefinition): Rule {
  return (design) => definition.check(new RuleContext(design));
}
