import { z } from 'zod';
import { describeProfile, directionLabels, formatFigure } from '../bench/leaderboard';
import { getCell, getFailureCategory, getFlag, getHeadline, getProfile, getSeriesName, getShareOfReference, getWorkload, rankSeries } from '../bench/query';
import { profileIds, seriesIds, workloadIds, type BenchDataset, type FailureCategory } from '../bench/schema';
import type { Design } from '../model/types';
import { err, ok, type Result } from '../result';
import { listText, plural } from '../text';
import type { Problem } from '../validation/types';
import { validateDesign } from '../validation/validate';
import { noVpnId } from '../vpn/ids';
import { createDataWriter, describeDesign, logTail, type GroundingResults } from './grounding';
import type { Redactor } from './redaction';
import { designChangeSchema, readToolNames, type DesignChange, type DesignChangeTool, type ReadToolName } from './schema';

// The tools offered to the model (issue 16), in the chat-completions `tools` format: the proposals, generated from
// designChangeSchema so the model is offered exactly what the app validates, and four read-only tools answered from
// the request's design, the benchmark and the kept deploy results. No tool deploys, runs a command, writes a file
// or changes a setting; a call to anything else is answered with an error the model can read and act on.

/** A tool as the chat-completions API takes it. */
export interface ToolDefinition {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** The arguments of each read-only tool. */
export const readToolSchemas = {
  get_design: z.object({}).strict(),
  get_benchmark_figure: z.object({ vpn: z.enum(seriesIds), workload: z.enum(workloadIds), profile: z.enum(profileIds) }).strict(),
  get_problems: z.object({}).strict(),
  get_last_deploy_log: z.object({ machine: z.string().min(1).max(63).optional() }).strict(),
} satisfies Record<ReadToolName, z.ZodObject>;

/** A read-only tool call with its validated arguments. */
export type ReadToolCall =
  | { tool: 'get_design' }
  | { tool: 'get_problems' }
  | ({ tool: 'get_benchmark_figure' } & z.infer<typeof readToolSchemas.get_benchmark_figure>)
  | ({ tool: 'get_last_deploy_log' } & z.infer<typeof readToolSchemas.get_last_deploy_log>);

/** A tool call the app accepts: a change to propose to the person, or a question for the app to answer. */
export type ParsedToolCall = { kind: 'change'; change: DesignChange } | { kind: 'read'; call: ReadToolCall };

/** The proposal tools, in the order they are offered. */
export const changeToolNames: readonly DesignChangeTool[] = designChangeSchema.options.map((o) => o.shape.tool.value);

/** Every tool the model may call. */
export const toolNames: readonly string[] = [...readToolNames, ...changeToolNames];

const toolDescriptions: Readonly<Record<DesignChangeTool | ReadToolName, string>> = {
  get_design: 'Read the whole design: every site, machine (with architecture, tags, SSH port), drawn link and note. Use it when the summary left machines or links out.',
  get_benchmark_figure:
    "Read one benchmark figure: a VPN's (or 'none', the network without a VPN) result for a workload under an impairment profile, with its unit, spread, rank among the ten VPNs and caveats. Cite figures from here or from the summary, with unit and profile.",
  get_problems: 'Read every problem of the Problems panel with its full message.',
  get_last_deploy_log: "Read the last deploy's result; with `machine`, that machine's result and the end of its log.",
  add_site: 'Propose adding a site (a place with its own internet connection). The person sees a card and decides; nothing changes until they click Apply.',
  add_machine: 'Propose adding a machine, optionally in a site (by its name). Machine names: lowercase letters, digits and "-". A proposal only: the person applies it.',
  connect: 'Propose drawing a link: a cable (same LAN) between two machines, or a jump host (`from` is reached over SSH through `to`). A proposal only.',
  set_role: "Propose giving a machine roles of the chosen VPN (replacing its roles), e.g. lighthouse, controller, relay. A proposal only.",
  choose_vpn: 'Propose choosing a VPN for the network; roles are assigned as the Choose VPN area does. A proposal only.',
  change_machine: "Propose changing fields of a machine (only those given): name, kind, architecture, managed, site (by name, null for none), SSH host/user/port, public address, notes. A proposal only.",
};

const fieldDescriptions: Readonly<Record<string, string>> = {
  name: 'The name as it will appear in the design.',
  site: "The site's name as the design has it.",
  machine: "The machine's name as the design has it.",
  from: "A machine's name.",
  to: "A machine's name; for a jump host, the machine `from` is reached through.",
  roles: 'Role ids of the chosen VPN (see the VPN facts), e.g. ["lighthouse"] or ["controller", "peer"].',
  vpn: 'A VPN id.',
  workload: 'tcp: single TCP (Mbit/s); parallelTcp: 3 TCP streams; udp; pingRtt: ping round trip (ms); pingLoss (%); quic; video: stream quality (of 100); nixCache: Nix cache download (s); connectAfterDeploy, connectAfterReboot (s, baseline only).',
  profile: 'Impairment profile: baseline (clean), low, medium, high.',
  nat: 'public | portForward | nat | cgnat | symmetric (strict NAT).',
  quality: 'Internet link quality: good, fair, poor, bad.',
  managed: 'Deployed with NixOS by the app (false for phones and appliances).',
};

function parametersOf(schema: z.ZodObject): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-07' }) as Record<string, unknown>;
  delete json.$schema;
  const properties = json.properties as Record<string, Record<string, unknown>> | undefined;
  for (const [key, property] of Object.entries(properties ?? {})) {
    const description = fieldDescriptions[key];
    if (description !== undefined) property.description = description;
  }
  return json;
}

function definition(name: DesignChangeTool | ReadToolName, schema: z.ZodObject): ToolDefinition {
  return { type: 'function', function: { name, description: toolDescriptions[name], parameters: parametersOf(schema) } };
}

/** The tools offered to the model: the read-only ones first, then the proposals. Plain JSON, the same on every call. */
export const assistantTools: readonly ToolDefinition[] = [
  ...readToolNames.map((name) => definition(name, readToolSchemas[name])),
  // The tool's name says which change it is, so `tool` is left out of its parameters (parseToolCall adds it back).
  ...designChangeSchema.options.map((option) => definition(option.shape.tool.value, (option as z.ZodObject).omit({ tool: true }))),
];

/** Zod's issues as sentences the model can act on: "kind: Invalid option: expected one of ...". */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => `${i.path.length === 0 ? 'arguments' : i.path.join('.')}: ${i.message}`).join('; ');
}

const whatExists = `Read-only tools: ${readToolNames.join(', ')}. Proposals (the person applies them): ${changeToolNames.join(', ')}.`;

/**
 * Reads a tool call of the model: the tool's name and its arguments as JSON text (placeholders mapped back first
 * when a redactor is given). Returns the change or read call, or an error text for the model: the tool does not
 * exist (with what does), the JSON is broken, or the arguments are wrong (zod's issues in words).
 */
export function parseToolCall(name: string, argumentsJson: string, redactor?: Redactor | null): Result<ParsedToolCall, string> {
  const isRead = (readToolNames as readonly string[]).includes(name);
  const isChange = (changeToolNames as readonly string[]).includes(name);
  if (!isRead && !isChange) {
    return err(
      `There is no tool ${JSON.stringify(name.slice(0, 100))}. ${whatExists} Nothing can deploy, run commands, write files or change settings: tell the person what to do instead.`,
    );
  }
  const text = argumentsJson.trim();
  let args: unknown;
  try {
    // Models call tools without arguments as "", "null" or "{}".
    args = text === '' || text === 'null' ? {} : JSON.parse(text);
  } catch (cause) {
    return err(`The arguments of ${name} are not valid JSON (${cause instanceof Error ? cause.message : 'parse error'}). Send one JSON object, e.g. ${exampleOf(name)}.`);
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return err(`The arguments of ${name} must be one JSON object, e.g. ${exampleOf(name)}.`);
  const restored = redactor === null || redactor === undefined ? args : redactor.restoreValue(args);
  if (isRead) {
    const parsed = readToolSchemas[name as ReadToolName].safeParse(restored);
    if (!parsed.success) return err(`The arguments of ${name} are not valid: ${describeIssues(parsed.error.issues)}.`);
    return ok({ kind: 'read', call: { tool: name, ...parsed.data } as ReadToolCall });
  }
  const parsed = designChangeSchema.safeParse({ ...(restored as Record<string, unknown>), tool: name });
  if (!parsed.success) return err(`The arguments of ${name} are not valid: ${describeIssues(parsed.error.issues)}. Fix them and call ${name} again.`);
  return ok({ kind: 'change', change: parsed.data });
}

const examples: Readonly<Record<DesignChangeTool | ReadToolName, unknown>> = {
  get_design: {},
  get_benchmark_figure: { vpn: 'nebula', workload: 'tcp', profile: 'medium' },
  get_problems: {},
  get_last_deploy_log: { machine: 'grandma-pi' },
  add_site: { name: "Parents' house", kind: 'family', nat: 'cgnat' },
  add_machine: { name: 'grandma-pi', kind: 'sbc', site: "Parents' house" },
  connect: { from: 'grandma-pi', to: 'vps', kind: 'jumpHost' },
  set_role: { machine: 'vps', roles: ['lighthouse'] },
  choose_vpn: { vpn: 'nebula' },
  change_machine: { machine: 'grandma-pi', changes: { sshHost: 'grandma-pi.lan' } },
};

function exampleOf(name: string): string {
  return JSON.stringify(examples[name as DesignChangeTool | ReadToolName] ?? {});
}

// ---------------------------------------------------------------------------------------------- read-only tools

/** What the read-only tools answer from. */
export interface ReadToolContext {
  design: Design;
  dataset?: BenchDataset | null;
  /** The Problems panel's list; computed from the design when not given. */
  problems?: readonly Problem[];
  /** The last deploy kept with the design file, with its logs by machine name. */
  deploy?: GroundingResults['deploy'];
  /** Names, addresses and keys in the answer are replaced when given. */
  redactor?: Redactor | null;
}

/** How many log lines get_last_deploy_log returns for one machine, and for the run's own log. */
const MACHINE_LOG_LINES = 60;
const RUN_LOG_LINES = 30;

/** The answer to a read-only tool call, as text for the model (redacted when the context has a redactor). */
export function runReadTool(call: ReadToolCall, context: ReadToolContext): string {
  const w = createDataWriter(context.redactor);
  switch (call.tool) {
    case 'get_design':
      return describeDesign(context.design, context.redactor);
    case 'get_problems': {
      const problems = context.problems ?? validateDesign(context.design);
      if (problems.length === 0) return 'The Problems panel is empty: the design has no problems.';
      return [`${problems.length} ${plural(problems.length, 'problem', 'problems')} [severity, code, message]:`, ...problems.slice(0, 200).map((p) => JSON.stringify([p.severity, p.code, w.text(p.message, 1000)]))].join('\n');
    }
    case 'get_benchmark_figure':
      return describeFigure(context.dataset ?? null, call);
    case 'get_last_deploy_log': {
      const deploy = context.deploy;
      if (deploy === null || deploy === undefined) return 'No deploy is kept with this design yet (it was never deployed, or not saved to a file).';
      const report = deploy.report;
      if (call.machine === undefined) {
        const lines = [`Last deploy: ${report.outcome} (${report.way}); vars: ${report.vars.status} ${JSON.stringify(w.text(report.vars.message, 500))}`, 'Machines [machine, status, step, what happened, what to do]:'];
        for (const m of report.machines) lines.push(JSON.stringify([w.machine(m.name), m.status, m.step, w.text(m.message, 500), m.whatToDo === null ? null : w.text(m.whatToDo, 500)]));
        const runLog = deploy.logs?.deploy;
        if (runLog !== undefined) lines.push(`The run's own log, last lines:`, ...logTail(runLog, RUN_LOG_LINES).map((l) => JSON.stringify(w.text(l, 300))));
        lines.push(...report.nextSteps.slice(0, 5).map((s) => `Next step: ${JSON.stringify(w.text(s, 500))}`));
        return lines.join('\n');
      }
      const wanted = call.machine;
      const result = report.machines.find((m) => m.name === wanted) ?? report.machines.find((m) => m.name.toLowerCase() === wanted.toLowerCase());
      if (result === undefined) {
        return `The last deploy has no machine called ${JSON.stringify(w.machine(wanted))}. Its machines: ${listText(report.machines.map((m) => JSON.stringify(w.machine(m.name))), 30)}.`;
      }
      const log = deploy.logs?.[result.name];
      const lines = [`${JSON.stringify(w.machine(result.name))} in the last deploy: ${result.status}${result.step === null ? '' : ` at step ${result.step}`}. ${JSON.stringify(w.text(result.message, 1000))}`];
      if (result.whatToDo !== null) lines.push(`What to do: ${JSON.stringify(w.text(result.whatToDo, 1000))}`);
      lines.push(log === undefined ? 'No log was kept for it.' : 'Last lines of its log:', ...(log === undefined ? [] : logTail(log, MACHINE_LOG_LINES).map((l) => JSON.stringify(w.text(l, 300)))));
      return lines.join('\n');
    }
  }
}

/** One benchmark figure in words, with the leaderboard's unit and names, its spread, rank, reference and caveats. */
function describeFigure(dataset: BenchDataset | null, call: Extract<ReadToolCall, { tool: 'get_benchmark_figure' }>): string {
  if (dataset === null) return 'No benchmark data is loaded, so there are no figures to give.';
  const workload = getWorkload(dataset, call.workload);
  const profile = getProfile(dataset, call.profile);
  if (workload === undefined || profile === undefined) return `The benchmark has no ${call.workload} workload or ${call.profile} profile.`;
  const name = getSeriesName(call.vpn);
  const at = `${describeProfile(dataset, call.profile)} (profile "${call.profile}"${profile.impairment === null ? ', a clean link' : `: +${profile.impairment.latencyMs} ms delay, ${profile.impairment.jitterMs} ms jitter, ${profile.impairment.lossPercent} % loss`})`;
  const what = `${workload.label} (${workload.unit}, ${directionLabels[workload.direction]})`;
  const cell = getCell(dataset, call.vpn, call.profile, call.workload);
  if (cell === undefined) {
    return `${name} has no ${what} figure at ${at}: ${workload.baselineOnly ? 'this workload was measured at baseline only.' : 'that combination was not measured.'}`;
  }
  const value = getHeadline(cell, workload);
  const failures = Object.entries(cell.failures)
    .map(([category, count]) => `${count} ${(getFailureCategory(dataset, category as FailureCategory)?.label ?? category).toLowerCase()}`)
    .join(', ');
  const lines: string[] = [];
  if (value === null) lines.push(`${name}, ${what} at ${at}: no figure; ${cell.okPairs} of ${cell.totalPairs} machine pairs succeeded${failures === '' ? '' : ` (${failures})`}.`);
  else {
    const spread = cell.min !== null && cell.max !== null && cell.totalPairs > 1 ? ` (pairs from ${formatFigure(cell.min, workload.unit)} to ${formatFigure(cell.max, workload.unit)})` : '';
    lines.push(`${name}, ${what} at ${at}: ${formatFigure(value, workload.unit)}${workload.aggregate === 'sum' ? ' summed over' : ' mean of'} ${cell.okPairs} of ${cell.totalPairs} machine pairs${spread}${failures === '' ? '' : `; failed: ${failures}`}.`);
  }
  if (call.vpn !== noVpnId) {
    const share = getShareOfReference(dataset, call.vpn, call.profile, call.workload);
    const reference = getCell(dataset, noVpnId, call.profile, call.workload);
    const referenceValue = reference === undefined ? null : getHeadline(reference, workload);
    if (referenceValue !== null) lines.push(`Without a VPN: ${formatFigure(referenceValue, workload.unit)}${share === null ? '' : ` (${name} reaches ${(share * 100).toFixed(1)} % of it)`}.`);
    const ranked = rankSeries(dataset, call.profile, call.workload);
    const place = ranked.findIndex((r) => r.vpn === call.vpn);
    if (place >= 0 && value !== null) lines.push(`Rank ${place + 1} of ${ranked.length} VPNs on this workload at this profile.`);
  }
  for (const id of cell.flags) {
    const flag = getFlag(dataset, id);
    if (flag !== undefined) lines.push(`Caveat: ${flag.title}. ${flag.explanation}`);
  }
  if (workload.caveat !== undefined) lines.push(`Caveat: ${workload.caveat}`);
  return lines.join('\n');
}
