import { describe, expect, test } from 'vitest';
import { hasErrors, validateDesign } from '../validation/validate';
import { sequentialIds } from './ids';
import { jumpHostOf } from './jumpHost';
import { buildWizardDesign, checkWizardNames, templates, wizardSshTarget, type WizardAnswers } from './templates';
import type { MachineId } from './types';

/** The three-households template with keys, every machine reached at an address, the relatives' through the VPS. */
function threeHouseholdsWithAddresses(): WizardAnswers {
  const answers = structuredClone(templates.find((t) => t.id === 'three-households')!.answers);
  let n = 0;
  for (const site of answers.sites) for (const m of site.machines) m.key = `m${++n}`;
  const vps = answers.sites[3]!.machines[0]!;
  for (const [siteIndex, site] of answers.sites.entries()) {
    for (const m of site.machines) {
      const behindNat = siteIndex === 1 || siteIndex === 2;
      m.access = { how: behindNat ? 'jump' : 'address', host: `10.0.${siteIndex}.${site.machines.indexOf(m) + 2}`, user: '', jumpHost: behindNat ? vps.key! : null };
    }
  }
  return answers;
}

describe('buildWizardDesign', () => {
  test('builds a design without errors when every machine has an address and the relatives are reached through the VPS', () => {
    const { design } = buildWizardDesign(threeHouseholdsWithAddresses(), sequentialIds());
    const problems = validateDesign(design);
    expect(problems.filter((p) => p.severity === 'error').map((p) => p.message)).toEqual([]);
    expect(hasErrors(problems)).toBe(false);
    const pi = Object.values(design.machines).find((m) => m.name === 'parents-pi')!;
    const vps = Object.values(design.machines).find((m) => m.name === 'vps')!;
    expect(pi.ssh).toEqual({ host: '10.0.1.2', port: 22, user: 'root' });
    expect(jumpHostOf(design, pi.id)).toBe(vps.id);
  });

  test('leaves the addresses of machines added later empty, for the problems panel to ask', () => {
    const answers = templates.find((t) => t.id === 'home-and-vps')!.answers;
    const { design, machineIds } = buildWizardDesign(answers, sequentialIds());
    expect(Object.values(design.machines).every((m) => m.ssh === null)).toBe(true);
    expect(validateDesign(design).filter((p) => p.code === 'managedWithoutSsh')).toHaveLength(4);
    expect(machineIds.map((ids) => ids.map((id: MachineId) => design.machines[id]!.name))).toEqual([['nas', 'desktop', 'laptop', 'phone'], ['vps']]);
  });

  test('saves each typed name as checkWizardNames says', () => {
    const answers: WizardAnswers = {
      clanName: 'family',
      adminSiteIndex: 0,
      sites: [{ name: 'Grandma', kind: 'family', nat: 'nat', quality: 'good', machines: [{ name: 'grandma pi', kind: 'sbc' }, { name: 'Grandma Pi', kind: 'sbc' }] }],
    };
    const checks = checkWizardNames(answers);
    expect(checks[0]!.map((c) => [c.saved, c.change])).toEqual([
      ['grandma-pi', 'rewritten'],
      ['grandma-pi-2', 'taken'],
    ]);
    const { design } = buildWizardDesign(answers, sequentialIds());
    expect(Object.values(design.machines).map((m) => m.name)).toEqual(['grandma-pi', 'grandma-pi-2']);
  });

  test('understands "user@host:port" typed as the address, and logs in as root when no user is given', () => {
    expect(wizardSshTarget({ how: 'address', host: 'admin@nas.lan:2222', user: '', jumpHost: null })).toEqual({ host: 'nas.lan', port: 2222, user: 'admin' });
    expect(wizardSshTarget({ how: 'address', host: '192.168.1.5', user: '', jumpHost: null })).toEqual({ host: '192.168.1.5', port: 22, user: 'root' });
    expect(wizardSshTarget({ how: 'later', host: '192.168.1.5', user: '', jumpHost: null })).toBeNull();
  });
});
