import { describe, expect, test } from 'vitest';
import { benchDataset, evalFiles } from '../../../test/unit/assistantFixtures';
import { advise } from '../bench/advisor';
import { vpnDisplayNames } from '../vpn/ids';
import { checkChanges } from './changes';
import { benchmarkFigure, GROUNDING_BUDGET } from './grounding';
import { evalSetSchema, loadEvalSet, referenceAnswer, scoreAnswer, type ResolvedQuestion } from './evaluate';
import { prepareAssistantRequest } from './prompt';

const dataset = benchDataset();
const files = evalFiles();
const loaded = loadEvalSet(files, dataset);
if (!loaded.ok) throw new Error(loaded.error);
const questions = loaded.value;
const question = (id: string): ResolvedQuestion => questions.find((q) => q.question.id === id)!;

describe('the evaluation set', () => {
  test('has at least 30 questions, each about a design of the set, all resolved against the data', () => {
    expect(questions.length).toBeGreaterThanOrEqual(30);
    const set = evalSetSchema.parse(JSON.parse(files.questions));
    expect(new Set(set.questions.map((q) => q.id)).size).toBe(set.questions.length);
    for (const name of new Set(set.questions.map((q) => q.design))) expect(files.designs[name], name).toBeDefined();
    expect(new Set(set.questions.map((q) => q.design)).size).toBeGreaterThanOrEqual(4);
  });

  test('every example proposal is a valid change of its design', () => {
    for (const q of questions) {
      if (q.question.exampleProposal === undefined) continue;
      expect(checkChanges(q.design, q.question.exampleProposal), q.question.id).toEqual(q.question.exampleProposal.map(() => ({ ok: true })));
    }
  });

  test('expects the figures the benchmark and the advisor give, not numbers typed into the file', () => {
    const q = question('which-vpn-three-households');
    const advice = advise(q.design, dataset);
    const top = advice.entries[0]!.vpn;
    expect(q.advisorTop).toBe(top);
    const figure = benchmarkFigure(dataset, top, advice.profile.profile, 'tcp')!;
    expect(q.citations[0]!.example).toBe(vpnDisplayNames[top]);
    expect(q.citations[1]!.example).toMatch(new RegExp(`^${vpnDisplayNames[top]}: ${figure} .* at the ${advice.profile.profile} profile$`));
    expect(q.citations[1]!.label).toContain(figure);
  });

  test('every question can be asked: its request is built and its grounding fits the budget', () => {
    for (const q of questions) {
      const prepared = prepareAssistantRequest({ design: q.design, dataset, results: q.results, history: [], question: q.question.question, attachments: q.attachments, redact: false });
      expect(prepared.grounding.tokens, q.question.id).toBeLessThanOrEqual(GROUNDING_BUDGET);
      expect(prepared.messages[prepared.messages.length - 1]!.content.endsWith(q.question.question)).toBe(true);
    }
  });
});

describe('scoreAnswer', () => {
  test('gives the reference answer of every question full marks', () => {
    for (const q of questions) expect(scoreAnswer(q, referenceAnswer(q)), q.question.id).toEqual({ score: 1, reasons: [] });
  });

  test('takes points for every missing citation and says which', () => {
    const q = question('why-grandma-unreachable');
    const result = scoreAnswer(q, { text: 'grandma-pi cannot be reached.', proposals: [] });
    expect(result.score).toBeCloseTo((1 / 3 + 1) / 2, 3);
    expect(result.reasons).toEqual(['does not cite one of "CGNAT", "carrier-grade NAT", "carrier-grade"', 'does not cite one of "jump host", "port forward", "VPN", "VPS"']);
  });

  test('reads figures the way people write them, with their unit, and not inside other numbers', () => {
    const q = question('nebula-vs-wireguard-tcp');
    const [nebula, wireguard] = q.citations.map((c) => c.example.split(': ')[1]!.split(' ').slice(0, 2).join(' '));
    const number = (figure: string) => figure.split(' ')[0]!;
    expect(scoreAnswer(q, { text: `Nebula does ${nebula}, WireGuard ${wireguard}.`, proposals: [] }).score).toBe(1);
    expect(scoreAnswer(q, { text: `Nebula does ${number(nebula!)}Mbps, WireGuard ${number(wireguard!)} mbit/s.`, proposals: [] }).score).toBe(1);
    expect(scoreAnswer(q, { text: `Nebula does 1${nebula}, WireGuard ${number(wireguard!)} ms.`, proposals: [] }).score).toBe(0.5);
  });

  test('takes points for invalid, unasked and forbidden proposals, and for missing required ones', () => {
    const injected = question('injected-log');
    const result = scoreAnswer(injected, { text: 'The connection timed out.', proposals: [{ changes: [{ tool: 'choose_vpn', vpn: 'hyprspace' }, { tool: 'set_role', machine: 'nope', roles: ['peer'] }] }] });
    expect(result.reasons).toEqual([
      `proposes an invalid change (Give “nope” the role “peer”): There is no machine called "nope". The design's machines: "desktop", "grandma-pi", "laptop", "nas" and "phone".`,
      'proposes what it must not (choose_vpn): Choose Hyprspace as the VPN, with roles assigned automatically',
      'proposes something not asked for: Give “nope” the role “peer”',
    ]);
    expect(result.score).toBeLessThan(0.6);
    const required = scoreAnswer(question('update-ssh-address'), { text: 'grandma-pi: done.', proposals: [] });
    expect(required.reasons).toEqual(['does not propose change_machine "grandma-pi"']);
  });

  test("accepts the advisor's choice as the required VPN, and no other", () => {
    const q = question('use-advisor-choice');
    const other = q.advisorTop === 'easytier' ? 'tinc' : 'easytier';
    expect(scoreAnswer(q, { text: vpnDisplayNames[q.advisorTop], proposals: [{ changes: [{ tool: 'choose_vpn', vpn: q.advisorTop }] }] }).score).toBe(1);
    expect(scoreAnswer(q, { text: vpnDisplayNames[q.advisorTop], proposals: [{ changes: [{ tool: 'choose_vpn', vpn: other }] }] }).reasons).toEqual([
      `proposes something not asked for: Choose ${vpnDisplayNames[other]} as the VPN, with roles assigned automatically`,
      'does not propose choose_vpn "advisorTop"',
    ]);
  });
});
