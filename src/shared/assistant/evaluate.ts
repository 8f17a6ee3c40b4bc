import { z } from 'zod';
import { advise, priorityIds, raisePriorities, type Advice } from '../bench/advisor';
import { formatFigure, formatValue } from '../bench/leaderboard';
import { getCell, getHeadline, getSeriesName, getWorkload, rankSeries } from '../bench/query';
import { profileIds, seriesIds, workloadIds, type BenchDataset, type ProfileId, type SeriesId, type Unit, type WorkloadId } from '../bench/schema';
import { deployReportSchema } from '../deploy/report';
import type { Design } from '../model/types';
import { err, ok, type Result } from '../result';
import { checkReportSchema } from '../schema/checkReport';
import { loadDesignFile } from '../schema/load';
import { measureReportSchema } from '../measure/report';
import { verifyReportSchema } from '../verify/schema';
import { noVpnId, vpnDisplayNames, vpnIds, type VpnId } from '../vpn/ids';
import { checkChanges, describeChange } from './changes';
import type { GroundingResults } from './grounding';
import { attachedItemSchema, designChangeSchema, type AttachedItem, type DesignChange, type DesignChangeTool } from './schema';
import { changeToolNames } from './tools';

// The evaluation set (resources/assistant-eval/): questions a self-hoster asks, each about one of a few small
// designs, with what a good answer must cite and which proposals it may, must and must not make. Expectations
// name figures by VPN, workload and profile, and "advisorTop" for the advisor's first choice, so the expected
// numbers come from the benchmark data and the advisor, never typed in. A runner asks a model each question
// (prepareAssistantRequest) and scores the answer here; this module reads and scores, it never asks.

/** Something an answer must mention. */
export const citationSchema = z.discriminatedUnion('kind', [
  /** The advisor's first choice for the design (its name or id); `raise`: with these priorities at the top level. */
  z.object({ kind: z.literal('advisorTop'), raise: z.array(z.enum(priorityIds)).optional() }).strict(),
  /** The VPN with the best figure on a workload (its name) and that figure. */
  z.object({ kind: z.literal('best'), workload: z.enum(workloadIds), profile: z.union([z.enum(profileIds), z.literal('design')]) }).strict(),
  /** A VPN by name or id. */
  z.object({ kind: z.literal('vpn'), vpn: z.enum(vpnIds) }).strict(),
  /**
   * A benchmark figure with its unit: `vpn` a series, the advisor's first choice or the design's chosen VPN;
   * `profile` a profile or the one the advisor reads for the design.
   */
  z
    .object({
      kind: z.literal('figure'),
      vpn: z.union([z.enum(seriesIds), z.literal('advisorTop'), z.literal('chosen')]),
      workload: z.enum(workloadIds),
      profile: z.union([z.enum(profileIds), z.literal('design')]),
    })
    .strict(),
  z.object({ kind: z.literal('machine'), name: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('site'), name: z.string().min(1) }).strict(),
  /** Any one of these words or phrases (case does not matter). */
  z.object({ kind: z.literal('anyOf'), words: z.array(z.string().min(1)).min(1) }).strict(),
]);
/** Something an answer must mention. */
export type Citation = z.infer<typeof citationSchema>;

/**
 * A kind of proposal: a tool, optionally for a target (the site or machine name, either end of a connection, or
 * the VPN; "advisorTop" for the advisor's first choice) and with roles a set_role must include.
 */
export const proposalRuleSchema = z.object({ tool: z.enum(changeToolNames as [DesignChangeTool, ...DesignChangeTool[]]), target: z.string().optional(), roles: z.array(z.string()).optional() }).strict();
/** A kind of proposal, as the expectations name it. */
export type ProposalRule = z.infer<typeof proposalRuleSchema>;

/** One question of the set. */
export const evalQuestionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,80}$/),
    question: z.string().min(1),
    /** A design file of resources/assistant-eval/designs/, without ".json". */
    design: z.string().regex(/^[a-z0-9-]+$/),
    /** A results file of resources/assistant-eval/results/, without ".json". */
    results: z.string().regex(/^[a-z0-9-]+$/).optional(),
    attachments: z.array(attachedItemSchema).max(20).optional(),
    expect: z
      .object({
        cite: z.array(citationSchema),
        /** Every proposed change must match one of these; empty: the answer should propose nothing. */
        allow: z.array(proposalRuleSchema),
        /** Each must be matched by some proposed change. */
        require: z.array(proposalRuleSchema).optional(),
        /** None may be matched. */
        forbid: z.array(proposalRuleSchema).optional(),
      })
      .strict(),
    /** A proposal a good answer could make (real names); it must satisfy the rules above. */
    exampleProposal: z.array(designChangeSchema).min(1).optional(),
  })
  .strict();
/** One question of the set. */
export type EvalQuestion = z.infer<typeof evalQuestionSchema>;

/** The questions file. */
export const evalSetSchema = z.object({ format: z.literal('clan-designer-assistant-eval'), version: z.literal(1), questions: z.array(evalQuestionSchema).min(1) }).strict();
/** The questions file. */
export type EvalSet = z.infer<typeof evalSetSchema>;

/** A results file: the kept results a question is asked with. */
export const evalResultsSchema = z
  .object({
    check: checkReportSchema.optional(),
    deploy: z.object({ report: deployReportSchema, logs: z.record(z.string(), z.string()).optional() }).optional(),
    verify: verifyReportSchema.optional(),
    measure: measureReportSchema.optional(),
  })
  .strict();

/** An expectation with the strings that satisfy it, as resolved against the design and the data. */
export interface ResolvedCitation {
  citation: Citation;
  /** What it asks for, in words (for the reasons). */
  label: string;
  /** Patterns any of which satisfies it. */
  patterns: RegExp[];
  /** A text that satisfies it (for the reference answer). */
  example: string;
}

/** A question with its design, results and expectations resolved: what the runner asks and the scorer checks. */
export interface ResolvedQuestion {
  question: EvalQuestion;
  design: Design;
  results: GroundingResults;
  attachments: AttachedItem[];
  citations: ResolvedCitation[];
  /** The advisor's first choice for the design. */
  advisorTop: VpnId;
}

/** The eval set's files as text: the questions, the designs and the results, by name (without ".json"). */
export interface EvalFiles {
  questions: string;
  designs: Readonly<Record<string, string>>;
  results: Readonly<Record<string, string>>;
}

const unitPatterns: Readonly<Record<Unit, string>> = {
  'Mbit/s': String.raw`\s?(?:Mbit/s|Mbps|Mb/s|Mbit)`,
  'kbit/s': String.raw`\s?(?:kbit/s|kbps|kb/s)`,
  ms: String.raw`\s?(?:ms|milliseconds?)`,
  s: String.raw`\s?(?:s|sec|seconds?)\b`,
  '%': String.raw`\s?(?:%|percent)`,
  score: String.raw`\s?(?:of 100|/\s?100|points?)`,
  count: '',
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Patterns for a number as people write it: as the leaderboard formats it, or rounded to a whole number, with its unit. */
function figurePatterns(value: number, unit: Unit): RegExp[] {
  const shown = formatValue(value);
  const numbers = new Set([shown, shown.replace(/\.0$/, ''), Math.abs(value) >= 10 ? String(Math.round(value)) : shown]);
  return [...numbers].map((n) => new RegExp(String.raw`(?<![\d.,])${escapeRegExp(n)}(?![\d])${unitPatterns[unit]}`, 'i'));
}

const wordPattern = (word: string) => new RegExp(String.raw`(?<![\p{L}\p{N}_-])${escapeRegExp(word)}(?![\p{L}\p{N}_-])`, 'iu');

function vpnPatterns(vpn: VpnId): RegExp[] {
  const names = new Set([vpnDisplayNames[vpn], vpn, ...(vpn === 'headscale' ? ['Headscale', 'Tailscale'] : [])]);
  return [...names].map(wordPattern);
}

/** A figure's expectation: the VPN, workload and profile it is for, the patterns that match it, and how it reads. */
function figureCitation(citation: Citation, dataset: BenchDataset, vpn: SeriesId, workloadId: WorkloadId, profile: ProfileId): Result<ResolvedCitation, string> {
  const workload = getWorkload(dataset, workloadId);
  const cell = getCell(dataset, vpn, profile, workloadId);
  const value = workload === undefined || cell === undefined ? null : getHeadline(cell, workload);
  if (workload === undefined || value === null) return err(`the benchmark has no ${workloadId} figure for ${vpn} at ${profile}`);
  const figure = formatFigure(value, workload.unit);
  return ok({
    citation,
    label: `${getSeriesName(vpn)}'s ${workload.label.toLowerCase()} at ${profile}: ${figure}`,
    patterns: figurePatterns(value, workload.unit),
    example: `${getSeriesName(vpn)}: ${figure} ${workload.label.toLowerCase()} at the ${profile} profile`,
  });
}

function resolveCitation(citation: Citation, design: Design, dataset: BenchDataset, advice: Advice): Result<ResolvedCitation, string> {
  const designProfile = advice.profile.profile;
  switch (citation.kind) {
    case 'advisorTop': {
      const top = citation.raise === undefined ? advice.entries[0]!.vpn : advise(design, dataset, raisePriorities(design.comparison.priorities, citation.raise)).entries[0]!.vpn;
      const why = citation.raise === undefined ? '' : ` with ${citation.raise.join(', ')} first`;
      return ok({ citation, label: `the advisor's first choice${why}, ${vpnDisplayNames[top]}`, patterns: vpnPatterns(top), example: vpnDisplayNames[top] });
    }
    case 'best': {
      const profile = citation.profile === 'design' ? designProfile : citation.profile;
      const best = rankSeries(dataset, profile, citation.workload).find((r) => r.value !== null);
      if (best === undefined || best.vpn === noVpnId) return err(`no VPN has a ${citation.workload} figure at ${profile}`);
      const figure = figureCitation(citation, dataset, best.vpn, citation.workload, profile);
      if (!figure.ok) return figure;
      const name = new RegExp(vpnPatterns(best.vpn).map((p) => p.source).join('|'), 'iu');
      // Both the VPN and its figure: "best" without the number, or a number without the VPN, does not cite it.
      return ok({ ...figure.value, label: `the best VPN on it, ${figure.value.label}`, patterns: figure.value.patterns.map((p) => new RegExp(`(?=[\\s\\S]*(?:${name.source}))[\\s\\S]*${p.source}`, 'iu')) });
    }
    case 'vpn':
      return ok({ citation, label: vpnDisplayNames[citation.vpn], patterns: vpnPatterns(citation.vpn), example: vpnDisplayNames[citation.vpn] });
    case 'machine':
    case 'site': {
      const exists = citation.kind === 'machine' ? Object.values(design.machines).some((m) => m.name === citation.name) : Object.values(design.sites).some((s) => s.name === citation.name);
      if (!exists) return err(`the design has no ${citation.kind} ${JSON.stringify(citation.name)}`);
      return ok({ citation, label: `the ${citation.kind} ${JSON.stringify(citation.name)}`, patterns: [wordPattern(citation.name), wordPattern(citation.name.replace(/'/g, '’'))], example: citation.name });
    }
    case 'anyOf':
      return ok({ citation, label: `one of ${citation.words.map((w) => JSON.stringify(w)).join(', ')}`, patterns: citation.words.map(wordPattern), example: citation.words[0]! });
    case 'figure': {
      const vpn = citation.vpn === 'advisorTop' ? advice.entries[0]!.vpn : citation.vpn === 'chosen' ? design.vpn.id : citation.vpn;
      if (vpn === null) return err('the design has no chosen VPN');
      return figureCitation(citation, dataset, vpn, citation.workload, citation.profile === 'design' ? designProfile : citation.profile);
    }
  }
}

/** Resolves a question against its design file, results file and the benchmark: the figures and names to expect. */
export function resolveEvalQuestion(question: EvalQuestion, designs: Readonly<Record<string, Design>>, results: Readonly<Record<string, GroundingResults>>, dataset: BenchDataset): Result<ResolvedQuestion, string> {
  const design = designs[question.design];
  if (design === undefined) return err(`${question.id}: no design ${JSON.stringify(question.design)}`);
  const kept = question.results === undefined ? {} : results[question.results];
  if (kept === undefined) return err(`${question.id}: no results ${JSON.stringify(question.results)}`);
  const advice = advise(design, dataset);
  const advisorTop = advice.entries[0]!.vpn;
  const citations: ResolvedCitation[] = [];
  for (const citation of question.expect.cite) {
    const resolved = resolveCitation(citation, design, dataset, advice);
    if (!resolved.ok) return err(`${question.id}: ${resolved.error}`);
    citations.push(resolved.value);
  }
  return ok({ question, design, results: kept, attachments: question.attachments ?? [], citations, advisorTop });
}

/** Reads the eval set's files (their text; the caller reads the folder) and resolves every question. */
export function loadEvalSet(files: EvalFiles, dataset: BenchDataset): Result<ResolvedQuestion[], string> {
  let set: EvalSet;
  try {
    const parsed = evalSetSchema.safeParse(JSON.parse(files.questions));
    if (!parsed.success) return err(`questions.json: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    set = parsed.data;
  } catch (cause) {
    return err(`questions.json is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const designs: Record<string, Design> = {};
  for (const [name, text] of Object.entries(files.designs)) {
    const loaded = loadDesignFile(text);
    if (!loaded.ok) return err(`designs/${name}.json does not load: ${loaded.error.code}`);
    designs[name] = loaded.value.design;
  }
  const results: Record<string, GroundingResults> = {};
  for (const [name, text] of Object.entries(files.results)) {
    try {
      const parsed = evalResultsSchema.safeParse(JSON.parse(text));
      if (!parsed.success) return err(`results/${name}.json: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      results[name] = parsed.data;
    } catch (cause) {
      return err(`results/${name}.json is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  }
  const resolved: ResolvedQuestion[] = [];
  for (const question of set.questions) {
    const one = resolveEvalQuestion(question, designs, results, dataset);
    if (!one.ok) return one;
    resolved.push(one.value);
  }
  return ok(resolved);
}

// ---------------------------------------------------------------------------------------------- scoring

/** An answer as the person sees it: its text (names mapped back) and its proposal cards. */
export interface EvalAnswer {
  text: string;
  proposals: readonly { changes: readonly DesignChange[] }[];
}

/** A score from 0 to 1 with the reasons for every point lost (empty when the answer is perfect). */
export interface EvalScore {
  score: number;
  reasons: string[];
}

/** The names a change is about, for matching rule targets. */
function targetsOf(change: DesignChange): string[] {
  switch (change.tool) {
    case 'add_site':
    case 'add_machine':
      return [change.name];
    case 'connect':
      return [change.from, change.to];
    case 'set_role':
    case 'change_machine':
      return [change.machine];
    case 'choose_vpn':
      return [change.vpn];
  }
}

function matches(change: DesignChange, rule: ProposalRule, advisorTop: VpnId): boolean {
  if (change.tool !== rule.tool) return false;
  if (rule.target !== undefined) {
    const target = rule.target === 'advisorTop' ? advisorTop : rule.target;
    if (!targetsOf(change).some((t) => t.toLowerCase() === target.toLowerCase())) return false;
  }
  if (rule.roles !== undefined && change.tool === 'set_role' && !rule.roles.every((r) => change.roles.includes(r))) return false;
  return true;
}

const ruleText = (rule: ProposalRule) => `${rule.tool}${rule.target === undefined ? '' : ` ${JSON.stringify(rule.target)}`}${rule.roles === undefined ? '' : ` with ${rule.roles.join(', ')}`}`;

/** Each broken proposal rule costs this much of the proposals' half of the score. */
const PENALTY = 0.34;

/**
 * Scores an answer: half for citing what the question expects (each citation counts the same), half for its
 * proposals: every change must pass checkChanges on the design, match an allowed kind and no forbidden one, and
 * the required kinds must be there. Reasons say what was missing or wrong.
 */
export function scoreAnswer(resolved: ResolvedQuestion, answer: EvalAnswer): EvalScore {
  const reasons: string[] = [];
  const { expect } = resolved.question;
  let cited = 0;
  for (const c of resolved.citations) {
    if (c.patterns.some((p) => p.test(answer.text))) cited += 1;
    else reasons.push(`does not cite ${c.label}`);
  }
  const citeScore = resolved.citations.length === 0 ? 1 : cited / resolved.citations.length;

  let violations = 0;
  const all = answer.proposals.flatMap((p) => p.changes);
  for (const proposal of answer.proposals) {
    const checks = checkChanges(resolved.design, proposal.changes);
    checks.forEach((check, i) => {
      if (!check.ok) {
        violations += 1;
        reasons.push(`proposes an invalid change (${describeChange(proposal.changes[i]!)}): ${check.error}`);
      }
    });
  }
  for (const change of all) {
    const forbidden = (expect.forbid ?? []).find((rule) => matches(change, rule, resolved.advisorTop));
    if (forbidden !== undefined) {
      violations += 1;
      reasons.push(`proposes what it must not (${ruleText(forbidden)}): ${describeChange(change)}`);
    } else if (!expect.allow.some((rule) => matches(change, rule, resolved.advisorTop))) {
      violations += 1;
      reasons.push(`proposes something not asked for: ${describeChange(change)}`);
    }
  }
  for (const rule of expect.require ?? []) {
    if (!all.some((change) => matches(change, rule, resolved.advisorTop))) {
      violations += 1;
      reasons.push(`does not propose ${ruleText(rule)}`);
    }
  }
  const proposalScore = Math.max(0, 1 - PENALTY * violations);
  return { score: Math.round(((citeScore + proposalScore) / 2) * 1000) / 1000, reasons };
}

/** An answer that meets every expectation of a question: what a test double of a model answers to test the plumbing. */
export function referenceAnswer(resolved: ResolvedQuestion): EvalAnswer {
  const text = resolved.citations.map((c) => c.example).join('. ');
  // A required choice of VPN is made from the data (the advisor's first choice), so it is built here, not typed in.
  const chosen = (resolved.question.expect.require ?? []).flatMap((rule): DesignChange[] =>
    rule.tool === 'choose_vpn' && rule.target !== undefined ? [{ tool: 'choose_vpn', vpn: rule.target === 'advisorTop' ? resolved.advisorTop : (rule.target as VpnId) }] : [],
  );
  const changes = resolved.question.exampleProposal ?? chosen;
  return { text: text === '' ? 'I do not know from the data the app has.' : `${text}.`, proposals: changes.length === 0 ? [] : [{ changes }] };
}
