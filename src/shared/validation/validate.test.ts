import { describe, expect, test } from 'vitest';
import { generateDesign, machineAt } from '../../../test/bench/generateDesign';
import { sequentialIds } from '../model/ids';
import { createEmptyDesign, deleteItems, makeMachine, makeSite, putLink, putMachine, putSite, setAdminSite, setDeploySettings, setVpn, updateMachine, updateSite } from '../model/ops';
import type { Design, Link, LinkId, Machine, MachineId, SiteId, SshTarget } from '../model/types';
import { assignDefaultRoles } from '../vpn/catalog';
import type { VpnId } from '../vpn/ids';
import { applyFix, fixKinds, makeFix } from './fixes';
import { asRule, ruleCodes, ruleDefinitions, type RuleCode } from './rules';
import type { Problem, Severity } from './types';
import { validateDesign } from './validate';

const ssh = (host: string, user = 'root', port = 22): SshTarget => ({ host, port, user });

// Freezing proves that rules and fixes never mutate a design (STYLE.md section 2).
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * A small, valid family network: admin at Home (NAT) with a NAS, a laptop and a phone; a VPS in a public cloud;
 * ZeroTier, whose vars the VPS makes.
 */
function fixture() {
  const ids = sequentialIds('t');
  let design = createEmptyDesign('family', 'clan');
  const home = ids.site();
  const cloud = ids.site();
  design = putSite(design, makeSite(home, { name: 'Home', kind: 'home', nat: 'nat' }));
  design = putSite(design, makeSite(cloud, { name: 'Cloud', kind: 'cloud', nat: 'public' }));
  const add = (fields: Partial<Machine>): MachineId => {
    const id = ids.machine();
    design = putMachine(design, makeMachine(id, fields));
    return id;
  };
  const nas = add({ name: 'nas', kind: 'nas', siteId: home, ssh: ssh('192.168.1.10') });
  const laptop = add({ name: 'laptop', kind: 'laptop', siteId: home, ssh: ssh('laptop.local') });
  const vps = add({ name: 'vps', kind: 'vps', siteId: cloud, ssh: ssh('203.0.113.10'), publicAddress: '203.0.113.10' });
  const phone = add({ name: 'phone', kind: 'phone', siteId: home, managed: false });
  design = setAdminSite(design, home);
  design = setVpn(design, 'zerotier', assignDefaultRoles(design, 'zerotier'));
  design = setDeploySettings(design, { varsHelper: vps });
  const fx = {
    design,
    home,
    cloud,
    nas,
    laptop,
    vps,
    phone,
    /** Adds a site; returns the new design and its id. */
    site(d: Design, name: string, nat: Design['sites'][SiteId]['nat']): [Design, SiteId] {
      const id = ids.site();
      return [putSite(d, makeSite(id, { name, nat })), id];
    },
    /** Adds a machine; returns the new design and its id. */
    machine(d: Design, fields: Partial<Machine>): [Design, MachineId] {
      const id = ids.machine();
      return [putMachine(d, makeMachine(id, fields)), id];
    },
    /** Adds a link; returns the new design and its id. */
    link(d: Design, kind: Link['kind'], source: string, target: string, ports: Link['ports'] = null): [Design, LinkId] {
      const id = ids.link();
      return [putLink(d, { id, kind, source, target, ports, label: '', meta: {} }), id];
    },
    vpn(d: Design, vpn: VpnId | null): Design {
      return setVpn(d, vpn, vpn === null ? {} : assignDefaultRoles(d, vpn));
    },
    roles(d: Design, roles: Record<string, string[]>): Design {
      return { ...d, vpn: { ...d.vpn, roles: roles as Design['vpn']['roles'] } };
    },
    /** Makes a machine the vars helper, whether or not it could be one (null: none chosen). */
    helper(d: Design, varsHelper: MachineId | null): Design {
      return { ...d, deploy: { ...d.deploy, varsHelper } };
    },
  };
  return fx;
}

type Fixture = ReturnType<typeof fixture>;

interface Case {
  /** A minimal design that breaks the rule. */
  bad: (fx: Fixture) => { design: Design; focus?: string };
  severity: Severity;
  /** A name the message must mention, quoted. */
  mentions: string;
  /** The corrected design; the plain fixture when omitted. */
  good?: (fx: Fixture) => Design;
}

// One case per rule code. The Record type makes the compiler demand a case for every code.
const cases: Record<RuleCode, Case> = {
  clanNameInvalid: {
    bad: (fx) => ({ design: { ...fx.design, meta: { ...fx.design.meta, clanName: 'my family!' } } }),
    severity: 'error',
    mentions: '"my family!"',
  },
  domainInvalid: {
    bad: (fx) => ({ design: { ...fx.design, meta: { ...fx.design.meta, domain: 'Home.Lan' } } }),
    severity: 'error',
    mentions: '"Home.Lan"',
  },
  machineNameInvalid: {
    bad: (fx) => ({ design: updateMachine(fx.design, fx.nas, { name: 'My NAS' }), focus: fx.nas }),
    severity: 'error',
    mentions: '"My NAS"',
  },
  machineNameDuplicate: {
    bad: (fx) => ({ design: updateMachine(fx.design, fx.laptop, { name: 'nas' }), focus: fx.laptop }),
    severity: 'error',
    mentions: '"nas"',
  },
  machineNameReserved: {
    bad: (fx) => ({ design: updateMachine(fx.design, fx.laptop, { name: 'localhost' }), focus: fx.laptop }),
    severity: 'error',
    mentions: '"localhost"',
  },
  tagReserved: {
    bad: (fx) => ({ design: updateMachine(fx.design, fx.nas, { tags: ['home', 'all'] }), focus: fx.nas }),
    severity: 'error',
    mentions: '"nas"',
    good: (fx) => updateMachine(fx.design, fx.nas, { tags: ['home'] }),
  },
  siteNameEmpty: {
    bad: (fx) => ({ design: updateSite(fx.design, fx.home, { name: '  ' }), focus: fx.home }),
    severity: 'warning',
    mentions: '"Home"',
  },
  siteNameDuplicate: {
    bad: (fx) => ({ design: updateSite(fx.design, fx.cloud, { name: 'home' }), focus: fx.cloud }),
    severity: 'warning',
    mentions: '"home"',
  },
  machineOutsideSite: {
    bad: (fx) => ({ design: updateMachine(fx.design, fx.laptop, { siteId: null }), focus: fx.laptop }),
    severity: 'warning',
    mentions: '"laptop"',
  },
  managedWithoutSsh: {
    bad: (fx) => ({ design: updateMachine(fx.design, fx.vps, { ssh: null }), focus: fx.vps }),
    severity: 'error',
    mentions: '"vps"',
  },
  sshHostInvalid: {
    bad: (fx) => ({ design: updateMachine(fx.design, fx.nas, { ssh: ssh('root@192.168.1.10:2222') }), focus: fx.nas }),
    severity: 'error',
    mentions: '"nas"',
  },
  sshUserInvalid: {
    bad: (fx) => ({ design: updateMachine(fx.design, fx.nas, { ssh: ssh('192.168.1.10', 'Root') }), focus: fx.nas }),
    severity: 'error',
    mentions: '"nas"',
  },
  noAdminLocation: {
    bad: (fx) => ({ design: setAdminSite(fx.design, null), focus: fx.home }),
    severity: 'error',
    mentions: '"Home"',
  },
  adminCannotReach: {
    bad: (fx) => {
      // Grandma's router forwards SSH to the pi only; without a VPN the tablet has no way in.
      const [d1, grandma] = fx.site(fx.vpn(fx.design, null), 'Grandma', 'portForward');
      const [d2, pi] = fx.machine(d1, { name: 'pi', kind: 'sbc', siteId: grandma, ssh: ssh('10.0.0.2') });
      const [d3, tablet] = fx.machine(d2, { name: 'tablet', kind: 'desktop', siteId: grandma, ssh: ssh('10.0.0.3') });
      const [d4] = fx.link(d3, 'portForward', grandma, pi, { external: 2222, internal: 22 });
      return { design: d4, focus: tablet };
    },
    severity: 'error',
    mentions: '"tablet"',
  },
  vpnRoleCount: {
    bad: (fx) => ({ design: fx.roles(fx.design, { [fx.nas]: ['peer'], [fx.laptop]: ['peer'], [fx.vps]: ['peer'] }), focus: fx.vps }),
    severity: 'error',
    mentions: '"vps"',
  },
  vpnRoleNeedsPublic: {
    bad: (fx) => ({ design: fx.roles(setVpn(fx.design, 'wireguard', {}), { [fx.nas]: ['controller'], [fx.laptop]: ['peer'], [fx.vps]: ['peer'] }), focus: fx.nas }),
    severity: 'error',
    mentions: '"nas"',
    good: (fx) => fx.vpn(fx.design, 'wireguard'),
  },
  vpnRoleUnknown: {
    bad: (fx) => ({ design: fx.roles(fx.design, { ...fx.design.vpn.roles, [fx.nas]: ['peer', 'lighthouse'] }), focus: fx.nas }),
    severity: 'error',
    mentions: '"lighthouse"',
  },
  vpnRoleOnMissingMachine: {
    bad: (fx) => ({ design: fx.roles(fx.design, { ...fx.design.vpn.roles, mach_gone: ['peer'] }), focus: 'mach_gone' }),
    severity: 'warning',
    mentions: '"peer"',
  },
  wireguardBothRoles: {
    bad: (fx) => {
      const d = fx.vpn(fx.design, 'wireguard');
      return { design: fx.roles(d, { ...d.vpn.roles, [fx.vps]: ['controller', 'peer'] }), focus: fx.vps };
    },
    severity: 'error',
    mentions: '"vps"',
    good: (fx) => fx.vpn(fx.design, 'wireguard'),
  },
  vpnRolesConflict: {
    bad: (fx) => {
      const d = fx.vpn(fx.design, 'nebula');
      return { design: fx.roles(d, { ...d.vpn.roles, [fx.vps]: ['lighthouse', 'peer'] }), focus: fx.vps };
    },
    severity: 'warning',
    mentions: '"vps"',
    good: (fx) => fx.vpn(fx.design, 'nebula'),
  },
  vpnNoRoles: {
    bad: (fx) => ({ design: fx.roles(fx.design, {}), focus: fx.vps }),
    severity: 'error',
    mentions: '"vps"',
  },
  vpnPairUnreachable: {
    bad: (fx) => {
      // VpnCloud neither punches strict NAT nor relays.
      const [d1, grandma] = fx.site(updateSite(fx.design, fx.home, { nat: 'symmetric' }), 'Grandma', 'symmetric');
      const [d2] = fx.machine(d1, { name: 'tablet', kind: 'desktop', siteId: grandma, ssh: ssh('10.0.0.3') });
      return { design: fx.vpn(d2, 'vpncloud'), focus: [fx.home, grandma].sort()[0]! };
    },
    severity: 'warning',
    mentions: '"Grandma"',
  },
  tincNameMapped: {
    bad: (fx) => ({ design: updateMachine(fx.vpn(fx.design, 'tinc'), fx.laptop, { name: 'home-pc' }), focus: fx.laptop }),
    severity: 'info',
    mentions: '"home-pc"',
    good: (fx) => fx.vpn(fx.design, 'tinc'),
  },
  instanceNameInvalid: {
    bad: (fx) => {
      const d = fx.vpn(fx.design, 'nebula');
      return { design: { ...d, vpn: { ...d.vpn, instance: 'familymesh' } } };
    },
    severity: 'error',
    mentions: '"familymesh"',
    good: (fx) => fx.vpn(fx.design, 'nebula'),
  },
  unmanagedWithoutClient: {
    bad: (fx) => ({ design: fx.vpn(fx.design, 'hyprspace'), focus: fx.phone }),
    severity: 'error',
    mentions: '"phone"',
  },
  unmanagedHasSsh: {
    bad: (fx) => ({ design: updateMachine(fx.design, fx.phone, { ssh: ssh('192.168.1.50') }), focus: fx.phone }),
    severity: 'info',
    mentions: '"phone"',
  },
  publicAddressInvalid: {
    bad: (fx) => ({ design: updateMachine(fx.design, fx.vps, { publicAddress: '[2001:db8::1]' }), focus: fx.vps }),
    severity: 'error',
    mentions: '"vps"',
  },
  publicSiteWithoutAddress: {
    bad: (fx) => ({ design: updateMachine(fx.vpn(fx.design, 'nebula'), fx.vps, { publicAddress: null }), focus: fx.vps }),
    severity: 'warning',
    mentions: '"vps"',
    good: (fx) => fx.vpn(fx.design, 'nebula'),
  },
  linkDangling: {
    bad: (fx) => {
      const [design, link] = fx.link(fx.design, 'jumpHost', 'mach_gone', fx.nas);
      return { design, focus: link };
    },
    severity: 'warning',
    mentions: '"nas"',
  },
  portForwardWithoutPorts: {
    bad: (fx) => {
      const [design, link] = fx.link(fx.design, 'portForward', fx.home, fx.nas);
      return { design, focus: link };
    },
    severity: 'warning',
    mentions: '"nas"',
    good: (fx) => fx.link(fx.design, 'portForward', fx.home, fx.nas, { external: 2222, internal: 22 })[0],
  },
  varsHelperUnusable: {
    // A phone cannot make vars: the app never logs in to it. The fix picks the VPS instead.
    bad: (fx) => ({ design: fx.helper(fx.design, fx.phone), focus: fx.phone }),
    severity: 'warning',
    mentions: '"phone"',
  },
  varsHelperNotChosen: {
    bad: (fx) => ({ design: fx.helper(fx.design, null), focus: fx.vps }),
    severity: 'info',
    mentions: '"vps"',
  },
  portForwardWrongSite: {
    bad: (fx) => {
      const [design, link] = fx.link(fx.design, 'portForward', fx.cloud, fx.nas, { external: 2222, internal: 22 });
      return { design, focus: link };
    },
    severity: 'warning',
    mentions: '"nas"',
    good: (fx) => fx.link(fx.design, 'portForward', fx.home, fx.nas, { external: 2222, internal: 22 })[0],
  },
};

function problemsOf(design: Design, code: string): Problem[] {
  return validateDesign(design).filter((p) => p.code === code);
}

describe('validateDesign', () => {
  test('finds no problems in a valid family network', () => {
    expect(validateDesign(fixture().design)).toEqual([]);
  });

  test('finds no problems in a new, empty design', () => {
    expect(validateDesign(createEmptyDesign())).toEqual([]);
  });

  test('every rule code has a case in this file, and every rule reports only its own codes', () => {
    expect(Object.keys(cases).sort()).toEqual([...ruleCodes].sort());
    expect(ruleDefinitions.flatMap((r) => r.codes).sort()).toEqual([...ruleCodes].sort());
  });

  describe.each(ruleCodes.map((code) => ({ code, c: cases[code] })))('$code', ({ code, c }) => {
    test('fires on a minimal bad design with the expected severity, focus and a message naming the item', () => {
      const fx = fixture();
      const { design, focus } = c.bad(fx);
      const found = problemsOf(deepFreeze(design), code);
      expect(found.length).toBeGreaterThan(0);
      const first = found[0]!;
      expect(first.severity).toBe(c.severity);
      expect(first.itemIds[0]).toBe(focus);
      expect(first.message).toContain(c.mentions);
    });

    test('does not fire on the corrected design', () => {
      const fx = fixture();
      expect(problemsOf(c.good?.(fx) ?? fx.design, code)).toEqual([]);
    });

    test('its fix, where it offers one, makes the problem disappear without touching the input', () => {
      const fx = fixture();
      const { design } = c.bad(fx);
      const frozen = deepFreeze(design);
      for (const p of problemsOf(frozen, code)) {
        if (p.fix === undefined) continue;
        const fixed = applyFix(frozen, p.fix, sequentialIds('fix'));
        expect(fixed).not.toBe(frozen);
        const remaining = problemsOf(fixed, code).filter((q) => q.itemIds[0] === p.itemIds[0]);
        expect(remaining).toEqual([]);
      }
    });
  });

  test('every fix kind is offered by some case and has an applier', () => {
    const offered = new Set<string>();
    for (const code of ruleCodes) {
      const fx = fixture();
      for (const p of problemsOf(cases[code].bad(fx).design, code)) if (p.fix !== undefined) offered.add(p.fix.kind);
    }
    expect([...offered].sort()).toEqual([...fixKinds].sort());
  });

  test('lists errors first, then warnings, then infos, keeping rule order within a severity', () => {
    const fx = fixture();
    let d = updateMachine(fx.design, fx.phone, { ssh: ssh('192.168.1.50') });
    d = updateMachine(d, fx.laptop, { siteId: null, name: 'Laptop' });
    d = { ...d, meta: { ...d.meta, clanName: '' } };
    const severities = validateDesign(d).map((p) => p.severity);
    expect(severities).toEqual([...severities].sort((a, b) => ['error', 'warning', 'info'].indexOf(a) - ['error', 'warning', 'info'].indexOf(b)));
    expect(new Set(severities)).toEqual(new Set(['error', 'warning', 'info']));
    const errors = validateDesign(d).filter((p) => p.severity === 'error');
    expect(errors[0]!.code).toBe('clanNameInvalid');
  });

  test('every message is full sentences with no raw error prefix', () => {
    const fx = fixture();
    for (const code of ruleCodes) {
      for (const p of problemsOf(cases[code].bad(fx).design, code)) {
        expect(p.message.length).toBeGreaterThan(60);
        expect(p.message).not.toMatch(/^Error:/);
        expect(p.message.trim()).toMatch(/[.)]$/);
        expect(p.message.charAt(0)).toMatch(/[A-Z"]/);
      }
    }
  });

  test('a rule can run on its own through the plain Rule type', () => {
    const fx = fixture();
    const rule = asRule(ruleDefinitions.find((r) => r.codes.includes('clanNameInvalid'))!);
    expect(rule({ ...fx.design, meta: { ...fx.design.meta, clanName: '' } }).map((p) => p.code)).toEqual(['clanNameInvalid']);
  });

  test('validates a 1,000-machine design after a rename quickly (a loose guard; the bench measures it properly)', () => {
    let design = generateDesign({ machines: 1000, links: 1500, sites: 50, seed: 3 });
    const id = machineAt(design, 10);
    const times: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      design = updateMachine(design, id, { name: `renamed-${i}` });
      const start = performance.now();
      validateDesign(design);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    expect(times[15]!).toBeLessThan(25);
  });
});

describe('rule details', () => {
  test('a machine named like a tag in use gets a warning, not an error', () => {
    const fx = fixture();
    const d = updateMachine(updateMachine(fx.design, fx.nas, { tags: ['laptop'] }), fx.laptop, {});
    const p = problemsOf(d, 'machineNameReserved');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ severity: 'warning', itemIds: [fx.laptop] });
  });

  test('too many holders of a role is an error listing them all', () => {
    const fx = fixture();
    const d = fx.roles(fx.design, { [fx.nas]: ['controller', 'peer'], [fx.vps]: ['controller', 'peer'], [fx.laptop]: ['peer'] });
    const p = problemsOf(d, 'vpnRoleCount');
    expect(p).toHaveLength(1);
    expect(p[0]!.itemIds).toEqual([fx.nas, fx.vps]);
    expect(p[0]!.message).toContain('exactly one controller');
  });

  test('a public role in a port-forwarded site with a forward is a warning to check the VPN port', () => {
    const fx = fixture();
    let d = updateSite(fx.design, fx.home, { nat: 'portForward' });
    [d] = fx.link(d, 'portForward', fx.home, fx.nas, { external: 4242, internal: 4242 });
    d = fx.roles(setVpn(d, 'nebula', {}), { [fx.nas]: ['lighthouse'], [fx.laptop]: ['peer'], [fx.vps]: ['peer'] });
    const p = problemsOf(d, 'vpnRoleNeedsPublic');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ severity: 'warning', itemIds: [fx.nas] });
  });

  test('a machine reachable only over the VPN is a warning about the first deploy', () => {
    const fx = fixture();
    const [d1, grandma] = fx.site(fx.design, 'Grandma', 'cgnat');
    const [d2, tablet] = fx.machine(d1, { name: 'tablet', kind: 'desktop', siteId: grandma, ssh: ssh('10.0.0.3') });
    const d = fx.vpn(d2, 'zerotier');
    const p = problemsOf(d, 'adminCannotReach');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ severity: 'warning', itemIds: [tablet] });
    expect(p[0]!.message).toContain('first deploy');
  });

  test('without an admin location, unreachable machines are not reported one by one', () => {
    const fx = fixture();
    expect(problemsOf(setAdminSite(fx.design, null), 'adminCannotReach')).toEqual([]);
  });

  test('a long instance name for a VPN that truncates it is a warning, and a valid but unusual one an info', () => {
    const fx = fixture();
    const withInstance = (vpn: VpnId, instance: string) => {
      const d = fx.vpn(fx.design, vpn);
      return { ...d, vpn: { ...d.vpn, instance } };
    };
    expect(problemsOf(withInstance('headscale', 'familynetwork'), 'instanceNameInvalid')[0]!.severity).toBe('warning');
    expect(problemsOf(withInstance('zerotier', 'family-net'), 'instanceNameInvalid')[0]!.severity).toBe('info');
    expect(problemsOf(withInstance('zerotier', 'Family Net'), 'instanceNameInvalid')[0]!.severity).toBe('error');
  });

  test('a phone with a VPN that has only an Android app is a warning', () => {
    const fx = fixture();
    const p = problemsOf(fx.vpn(fx.design, 'tinc'), 'unmanagedWithoutClient');
    expect(p[0]).toMatchObject({ severity: 'warning', itemIds: [fx.phone] });
    expect(p[0]!.message).toContain('Android');
  });

  test('a private address entered as public address is a warning', () => {
    const fx = fixture();
    const p = problemsOf(updateMachine(fx.design, fx.vps, { publicAddress: '192.168.1.5' }), 'publicAddressInvalid');
    expect(p[0]).toMatchObject({ severity: 'warning', itemIds: [fx.vps] });
  });

  test('the SSH host fix splits "user@host:port" into its fields', () => {
    const fx = fixture();
    const p = problemsOf(updateMachine(fx.design, fx.nas, { ssh: ssh('admin@nas.local:2222') }), 'sshHostInvalid')[0]!;
    const fixed = applyFix(fx.design, p.fix!, sequentialIds('fix'));
    expect(fixed.machines[fx.nas]!.ssh).toEqual({ host: 'nas.local', user: 'admin', port: 2222 });
  });

  test('an SSH host with shell characters is refused and gets no guessed fix', () => {
    const fx = fixture();
    const p = problemsOf(updateMachine(fx.design, fx.nas, { ssh: ssh('nas; rm -rf /') }), 'sshHostInvalid')[0]!;
    expect(p.fix).toBeUndefined();
  });
});

describe('the vars helper', () => {
  const helperProblems = (d: Design) => validateDesign(d).filter((p) => p.code === 'varsHelperUnusable' || p.code === 'varsHelperNotChosen');

  test('a machine with no SSH address is refused, naming what to do, with the VPS offered instead', () => {
    const fx = fixture();
    const d = fx.helper(updateMachine(fx.design, fx.nas, { ssh: null }), fx.nas);
    const [p, ...rest] = helperProblems(d);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ code: 'varsHelperUnusable', severity: 'warning', itemIds: [fx.nas], fix: { kind: 'setVarsHelper', label: 'Use "vps" as the vars helper', args: { machineId: fx.vps } } });
    expect(p!.message).toContain('"nas" has no SSH address');
    expect(p!.message).toContain('Enter its SSH address');
    expect(applyFix(d, p!.fix!, sequentialIds('fix')).deploy.varsHelper).toBe(fx.vps);
  });

  test('a machine reached only over the VPN is refused: the vars are made before the VPN exists', () => {
    const fx = fixture();
    const [d1, grandma] = fx.site(fx.design, 'Grandma', 'cgnat');
    const [d2, tablet] = fx.machine(d1, { name: 'tablet', kind: 'desktop', siteId: grandma, ssh: ssh('10.0.0.3') });
    const d = fx.helper(fx.vpn(d2, 'zerotier'), tablet);
    const p = problemsOf(d, 'varsHelperUnusable');
    expect(p).toHaveLength(1);
    expect(p[0]!.message).toContain('only over the VPN');
    expect(p[0]!.message).toContain('before the VPN exists');
    expect(p[0]!.fix!.args).toEqual({ machineId: fx.vps });
  });

  test('a machine behind a jump host is fine; one with no way in at all is refused', () => {
    const fx = fixture();
    const [d1, grandma] = fx.site(fx.vpn(fx.design, null), 'Grandma', 'cgnat');
    const [d2, pi] = fx.machine(d1, { name: 'pi', kind: 'sbc', siteId: grandma, ssh: ssh('10.0.0.2') });
    const unreachable = fx.helper(d2, pi);
    expect(problemsOf(unreachable, 'varsHelperUnusable')[0]!.message).toMatch(/^The app has no way to reach the vars helper "pi"/);
    const [jumped] = fx.link(unreachable, 'jumpHost', fx.vps, pi);
    expect(problemsOf(jumped, 'varsHelperUnusable')).toEqual([]);
  });

  test('a helper that names no machine is reported, and without another candidate the fix clears it', () => {
    const fx = fixture();
    const ghost = fx.helper(fx.design, 'mach_gone' as MachineId);
    expect(problemsOf(ghost, 'varsHelperUnusable')[0]).toMatchObject({ itemIds: [], fix: { args: { machineId: fx.vps } } });
    // Only the phone is left besides the NAS without SSH: nothing can be the helper, so the fix takes the choice away.
    let lonely = deleteItems(fx.design, [fx.vps, fx.laptop]).design;
    lonely = fx.helper(updateMachine(lonely, fx.nas, { managed: false, ssh: null }), fx.phone);
    const p = problemsOf(lonely, 'varsHelperUnusable')[0]!;
    expect(p.fix).toMatchObject({ label: 'Clear the vars helper', args: { machineId: null } });
    expect(applyFix(lonely, p.fix!, sequentialIds('fix')).deploy.varsHelper).toBeNull();
  });

  test('without an admin location the helper is not reported as unreachable (noAdminLocation says it once)', () => {
    const fx = fixture();
    expect(helperProblems(setAdminSite(fx.design, null))).toEqual([]);
  });

  test('with no helper chosen, the suggestion is a machine with a public address, else one reached directly', () => {
    const fx = fixture();
    const none = fx.helper(fx.design, null);
    expect(problemsOf(none, 'varsHelperNotChosen')[0]!.message).toContain('would pick "vps" because it has a public address');
    const withoutVps = deleteItems(none, [fx.vps]).design;
    const p = problemsOf(withoutVps, 'varsHelperNotChosen')[0]!;
    // The NAS is switched on more often than the laptop; both are on the admin's network.
    expect(p).toMatchObject({ itemIds: [fx.nas], fix: { label: 'Use "nas" as the vars helper' } });
    expect(p.message).toContain('because the app reaches it directly');
  });

  test('no suggestion without a VPN, or when no machine could be the helper', () => {
    const fx = fixture();
    expect(problemsOf(fx.helper(fx.vpn(fx.design, null), null), 'varsHelperNotChosen')).toEqual([]);
    const noSsh = [fx.nas, fx.laptop, fx.vps].reduce((d, id) => updateMachine(d, id, { ssh: null }), fx.helper(fx.design, null));
    expect(problemsOf(noSsh, 'varsHelperNotChosen')).toEqual([]);
  });

  test('the fix refuses a machine deleted since the problem was found', () => {
    const fx = fixture();
    const p = problemsOf(fx.helper(fx.design, null), 'varsHelperNotChosen')[0]!;
    const gone = deleteItems(fx.helper(fx.design, null), [fx.vps]).design;
    expect(applyFix(gone, p.fix!, sequentialIds('fix'))).toBe(gone);
  });
});

describe('applyFix', () => {
  test('returns the design unchanged for an unknown kind or arguments that no longer fit', () => {
    const fx = fixture();
    const ids = sequentialIds('fix');
    expect(applyFix(fx.design, { kind: 'formatDisk', label: 'x', args: {} }, ids)).toBe(fx.design);
    expect(applyFix(fx.design, makeFix('renameMachine', 'x', { machineId: 'mach_gone', name: 'a' }), ids)).toBe(fx.design);
    expect(applyFix(fx.design, makeFix('setAdminSite', 'x', { siteId: 'site_gone' }), ids)).toBe(fx.design);
    expect(applyFix(fx.design, { kind: 'setSsh', label: 'x', args: { machineId: fx.nas, ssh: { host: 1 } } }, ids)).toBe(fx.design);
  });

  test('a rename whose suggested name was taken meanwhile picks the next free name', () => {
    const fx = fixture();
    const d = updateMachine(fx.design, fx.laptop, { name: 'nas-2' });
    const fixed = applyFix(d, makeFix('renameMachine', 'x', { machineId: fx.nas, name: 'nas-2' }), sequentialIds('fix'));
    expect(fixed.machines[fx.nas]!.name).toBe('nas-3');
  });

  test('moving a WireGuard controller to a public machine leaves the old one a peer', () => {
    const fx = fixture();
    const d = fx.roles(setVpn(fx.design, 'wireguard', {}), { [fx.nas]: ['controller'], [fx.vps]: ['peer'] });
    const fixed = applyFix(d, makeFix('moveRole', 'x', { from: fx.nas, to: fx.vps, role: 'controller' }), sequentialIds('fix'));
    expect(fixed.vpn.roles[fx.vps]).toEqual(['controller']);
    expect(fixed.vpn.roles[fx.nas]).toEqual(['peer']);
  });

  test('adding a jump host uses the injected id source', () => {
    const fx = fixture();
    const fixed = applyFix(fx.design, makeFix('addJumpHost', 'x', { source: fx.nas, target: fx.laptop }), sequentialIds('fix'));
    expect(Object.keys(fixed.links)).toEqual(['link_fix1']);
    expect(fixed.links['link_fix1' as LinkId]).toMatchObject({ kind: 'jumpHost', source: fx.nas, target: fx.laptop });
  });
});
