import { describe, expect, test } from 'vitest';
import { generateDesign } from '../../../test/bench/generateDesign';
import { benchDataset, evalFiles } from '../../../test/unit/assistantFixtures';
import { sampleMeasureReport } from '../../renderer/src/deploy/testMeasure';
import { sampleVerifyReport } from '../../renderer/src/deploy/testVerify';
import { advise } from '../bench/advisor';
import { formatFigure } from '../bench/leaderboard';
import { getCell, getHeadline, getWorkload } from '../bench/query';
import { familyWithJumpHost } from '../model/designBuilder';
import { loadDesignFile } from '../schema/load';
import { validateDesign } from '../validation/validate';
import { evalResultsSchema } from './evaluate';
import { buildGrounding, GROUNDING_BUDGET, LOG_TAIL_LINES } from './grounding';
import { createRedactor } from './redaction';
import { estimateTokens } from './tokens';

const dataset = benchDataset();
const files = evalFiles();
const design = (name: string) => {
  const loaded = loadDesignFile(files.designs[name]!);
  if (!loaded.ok) throw new Error(name);
  return loaded.value.design;
};
const results = (name: string) => evalResultsSchema.parse(JSON.parse(files.results[name]!));

describe('buildGrounding', () => {
  test('summarises sites and machines with what an answer needs, but not the SSH addresses themselves', () => {
    const d = design('grandma-cgnat');
    const { text } = buildGrounding({ design: d, dataset });
    expect(text).toContain(`["Grandma's house","family","cgnat","poor","16/2"]`);
    expect(text).toContain('["grandma-pi","sbc","unreachable",null,"","ssh"]');
    expect(text).toContain('["phone","phone","unmanaged",null,"",""]');
    expect(text).toContain('"adminSite":"Home"');
    for (const m of Object.values(d.machines)) if (m.ssh !== null) expect(text).not.toContain(m.ssh.host);
  });

  test('lists the VPN roles and the jump hosts the admin reaches machines through', () => {
    const { text } = buildGrounding({ design: design('parents-slow'), dataset });
    expect(text).toContain('["parents-pi","sbc","jumpHost","vps","peer","ssh"]');
    expect(text).toContain('["vps","vps","direct",null,"controller","ssh+public"]');
    expect(text).toContain('["jumpHost","parents-pi","vps"]');
    expect(text).toContain('["portForward","Home","home-server","2222->22"]');
    expect(text).toContain('Chosen VPN: "wireguard" (WireGuard)');
  });

  test('carries the Problems panel: every rule that fires, with its message', () => {
    const d = design('three-households');
    const { text } = buildGrounding({ design: d, dataset });
    const problems = validateDesign(d);
    expect(problems.length).toBeGreaterThan(0);
    for (const code of new Set(problems.map((p) => p.code))) expect(text).toContain(`"${code}"`);
    expect(text).toContain('["warning","adminCannotReach",3,');
    expect(text).toContain('["parents-laptop","sister-nas"]');
  });

  test("cites the advisor's ranking with the leaderboard's figures and units for the design's profile", () => {
    const d = design('three-households');
    const { text } = buildGrounding({ design: d, dataset });
    const advice = advise(d, dataset);
    const profile = advice.profile.profile;
    expect(text).toContain(`benchmark's "${profile}" profile`);
    for (const entry of advice.entries) {
      const tcp = getWorkload(dataset, 'tcp')!;
      const value = getHeadline(getCell(dataset, entry.vpn, profile, 'tcp')!, tcp)!;
      expect(text).toContain(`[${entry.rank},"${entry.vpn}",${Math.round(entry.score)},"${formatFigure(value, tcp.unit)}"`);
    }
  });

  test('states the VPN facts that decide questions like "is Nebula OK behind CGNAT"', () => {
    const { text } = buildGrounding({ design: design('grandma-cgnat'), dataset });
    expect(text).toMatch(/"nebula",\d+,"[^"]+","[^"]+","[^"]+","hole punching","own machine relays",true,false,"android\+ios","Nebula needs a machine of yours that the internet can reach"\]/);
  });

  test('keeps only the last lines of the logs of machines that failed', () => {
    const kept = results('grandma-deploy-failed');
    const { text } = buildGrounding({ design: design('grandma-cgnat'), dataset, results: kept });
    expect(text).toContain('Last deploy: finished, 3 deployed, 1 failed, 1 skipped');
    expect(text).toContain('["grandma-pi","failed","connect",');
    const lines = kept.deploy!.logs!['grandma-pi']!.split('\n').map((l) => l.slice('2026-11-30T10:00:00.000Z '.length));
    for (const line of lines.slice(-LOG_TAIL_LINES)) expect(text).toContain(JSON.stringify(line));
    expect(text).not.toContain('2026-11-30T10:00');
    // The nas was deployed: its log is not part of the grounding.
    expect(text).not.toContain('Switched to the new system');
  });

  test('carries the failing findings of the last preflight check, not the passing ones', () => {
    const { text } = buildGrounding({ design: design('three-households'), dataset, results: results('three-households-preflight') });
    expect(text).toContain('Last "Check machines" (preflight): finished, 6 machines, 2 with findings');
    expect(text).toMatch(/\["parents-pi","error",\["error nixos: \\"parents-pi\\" is not NixOS/);
    expect(text).toMatch(/\["vps","error",\["error tun: \\"vps\\" has no \/dev\/net\/tun/);
    expect(text).not.toContain('"home-server","ok"');
  });

  test('carries the pairs the last verify did not reach and the last measurement', () => {
    const verify = sampleVerifyReport().report;
    const { report: measure, ids } = sampleMeasureReport();
    const { text } = buildGrounding({ design: ids.design, dataset, results: { verify, measure } });
    expect(text).toContain(`Last verify: finished, ${JSON.stringify(verify.matrix!.summary)}`);
    const unreached = verify.matrix!.cells.filter((c) => c.status !== 'reached');
    expect(unreached.length).toBeGreaterThan(0);
    for (const c of unreached.slice(0, 6)) expect(text).toContain(`["${c.fromName}","${c.toName}","${c.status}","${c.cause}",`);
    expect(text).toContain(`Last "Measure my network": finished`);
    expect(text).toContain('["tablet","nas",');
  });

  test('reports its size in tokens as the tokenizer counts the text', () => {
    const grounding = buildGrounding({ design: familyWithJumpHost().b.vpn('zerotier'), dataset });
    expect(grounding.tokens).toBe(estimateTokens(grounding.text));
    expect(grounding.redacted).toBe(false);
  });

  test("a 50-machine design's grounding lists every machine within 2,000 tokens", () => {
    const d = generateDesign({ machines: 50, links: 75, sites: 6, seed: 7, vpn: 'nebula' });
    for (const redactor of [null, createRedactor(d)]) {
      const grounding = buildGrounding({ design: d, dataset, redactor });
      expect(grounding.tokens).toBeLessThanOrEqual(GROUNDING_BUDGET);
      expect(grounding.text).not.toContain('more machines not listed');
      for (const m of Object.values(d.machines)) expect(grounding.text).toContain(`"${redactor === null ? m.name : redactor.placeholder('MACHINE', m.name)}"`);
    }
  });

  test('a 200-machine design stays within the budget and says how many machines it left out for get_design', () => {
    const d = generateDesign({ machines: 200, links: 300, sites: 25, seed: 7, vpn: 'nebula' });
    const grounding = buildGrounding({ design: d, dataset });
    expect(grounding.tokens).toBeLessThanOrEqual(GROUNDING_BUDGET);
    const left = /\((\d+) more machines not listed to save space; get_design lists every machine\)/.exec(grounding.text);
    expect(Number(left?.[1])).toBeGreaterThan(0);
    const listed = Object.values(d.machines).filter((m) => grounding.text.includes(`"${m.name}"`));
    expect(listed.length + Number(left![1])).toBeGreaterThanOrEqual(200);
  });

  test('keeps to a smaller budget when asked', () => {
    const d = generateDesign({ machines: 50, links: 75, sites: 6, seed: 7, vpn: 'nebula' });
    expect(buildGrounding({ design: d, dataset, budget: 1200 }).tokens).toBeLessThanOrEqual(1200);
  });

  test('without benchmark data still gives every VPN facts', () => {
    const { text } = buildGrounding({ design: design('grandma-cgnat'), dataset: null });
    expect(text).toContain('VPN facts [vpn, NAT traversal');
    expect(text).toContain('["wireguard","hub and spoke","own machine relays",true,false,"android+ios"]');
    expect(text).not.toContain('VPN advisor ranking');
  });
});
