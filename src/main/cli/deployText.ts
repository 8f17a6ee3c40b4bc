import { machinesInRunOrder, type DeployPlan, type PlannedMachine, type PlannedStep } from '../../shared/deploy/plan';
import { countByStatus, type DeployMachineResult, type DeployMachineStatus, type DeployReport } from '../../shared/deploy/report';
import { recordValues } from '../../shared/model/overlay';
import type { Design } from '../../shared/model/types';
import { listText, plural, quote } from '../../shared/text';
import { vpnDisplayNames } from '../../shared/vpn/ids';
import { quoteCommand } from '../ssh/quote';
import type { CliFailure } from './io';

// What `plan` and `deploy` print about a deploy: which machines a --machines list means, the plan as text, and the
// summary at the end. Commands are shown the way a person would paste them into a shell (the one quoting helper).

/** How the two ways are named for people. */
export const wayNames: Record<DeployPlan['way'], string> = {
  clanCli: 'with the clan CLI on this computer',
  onMachine: 'on the machines over SSH (no Nix on this computer)',
};

/**
 * The machines a `--machines a,b` list names: by name or id, managed ones only. Undefined when the option is not
 * given (every machine); a failure names what is wrong and lists the machines there are.
 */
export function machineSelection(design: Design, value: string | undefined): { ok: true; ids: string[] | undefined } | { ok: false; failure: CliFailure } {
  if (value === undefined) return { ok: true, ids: undefined };
  const wanted = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const machines = recordValues(design.machines);
  const managed = machines.filter((m) => m.managed).map((m) => m.name);
  const known = `The design's managed machines are ${managed.length === 0 ? 'none' : listText(managed.map(quote))}.`;
  if (wanted.length === 0) return { ok: false, failure: { code: 'usage', message: `--machines needs machine names separated by commas, for example --machines nas,vps. ${known}` } };
  const ids: string[] = [];
  for (const name of wanted) {
    const machine = machines.find((m) => m.name === name) ?? machines.find((m) => m.id === name);
    if (machine === undefined) return { ok: false, failure: { code: 'usage', message: `The design has no machine named ${quote(name)}. ${known}` } };
    if (!machine.managed) return { ok: false, failure: { code: 'usage', message: `${quote(machine.name)} is not managed by the app (the design marks it unmanaged), so it is never deployed. ${known}` } };
    if (!ids.includes(machine.id)) ids.push(machine.id);
  }
  return { ok: true, ids };
}

/** Every machine of a plan: the run order, then those that cannot be deployed. */
function everyMachine(plan: DeployPlan): PlannedMachine[] {
  return [...machinesInRunOrder(plan), ...plan.notDeployable];
}

/** Whether a machine is part of the run the person asked for. */
function isSelected(m: PlannedMachine, selection: readonly string[] | undefined): boolean {
  return selection === undefined || selection.includes(m.machineId);
}

/** What stands in the way of a deploy of the selection: machines blocked, or a reason nothing can go. */
export interface PlanVerdict {
  deployable: PlannedMachine[];
  blocked: PlannedMachine[];
  /** Why no machine can be deployed, when that is so for all of them (the configuration, the vars). */
  blockedAll: string | null;
  notSelected: PlannedMachine[];
}

/** Sorts the selected machines of a plan into deployable and blocked, and says when none can go. */
export function planVerdict(plan: DeployPlan, selection: readonly string[] | undefined): PlanVerdict {
  const all = everyMachine(plan);
  const selected = all.filter((m) => isSelected(m, selection));
  // The vars are made before any machine; without a machine that can make them every machine would fail.
  const varsMissing = plan.way === 'onMachine' && plan.vpn !== null && plan.varsHelper === null ? (plan.varsNote ?? 'No machine can make the vars.') : null;
  return {
    deployable: selected.filter((m) => m.blocked === null),
    blocked: selected.filter((m) => m.blocked !== null),
    blockedAll: plan.blockedAll ?? varsMissing,
    notSelected: all.filter((m) => !isSelected(m, selection)),
  };
}

/** Whether the plan can deploy every selected machine. */
export function planIsClear(verdict: PlanVerdict): boolean {
  return verdict.blockedAll === null && verdict.blocked.length === 0 && verdict.deployable.length > 0;
}

/** One step with its commands, as lines (the commands after "$ "). */
function stepLines(step: PlannedStep, number: number, indent: string): string[] {
  const lines = [`${indent}${number}. ${step.label}`];
  if (step.note !== undefined) lines.push(`${indent}   ${step.note}`);
  for (const argv of step.commands) lines.push(`${indent}   $ ${quoteCommand(argv)}`);
  return lines;
}

/** The file changes of a machine in a few words. */
export function fileSummary(files: PlannedMachine['files']): string {
  if (files === null) return 'unknown: the machine could not be read, so every file is uploaded';
  const count = (change: 'added' | 'changed' | 'removed') => files.changes.filter((c) => c.change === change).length;
  if (files.firstDeploy) return `first deploy: ${files.changes.length} ${plural(files.changes.length, 'file', 'files')} to upload`;
  if (files.changes.length === 0) return `no changes (${files.unchanged} ${plural(files.unchanged, 'file', 'files')} as deployed last time)`;
  return `${count('added')} added, ${count('changed')} changed, ${count('removed')} removed, ${files.unchanged} unchanged`;
}

const changeMarks = { added: '+', changed: '~', removed: '-' } as const;

/** One machine of the plan, as lines. */
function machineLines(m: PlannedMachine, options: { files: boolean }): string[] {
  const lines = [`  ${m.name} (${m.how})`];
  if (m.dependsOn.length > 0) lines.push(`    needs: ${listText(m.dependsOn.map((d) => `${d.name} (${d.why})`))}`);
  if (m.blocked !== null) {
    lines.push(`    BLOCKED: ${m.blocked.reason}`, `    what to do: ${m.blocked.whatToDo}`);
    return lines;
  }
  for (const warning of m.warnings) lines.push(`    warning: ${warning}`);
  lines.push(`    files: ${fileSummary(m.files)}`);
  if (options.files && m.files !== null) for (const change of m.files.changes) lines.push(`      ${changeMarks[change.change]} ${change.path}`);
  lines.push('    steps:');
  m.steps.forEach((step, i) => lines.push(...stepLines(step, i + 1, '      ')));
  return lines;
}

/** The plan as text: the way and why, the vars, wave by wave each machine, and what stands in the way. */
export function planText(plan: DeployPlan, context: { file: string; selection: readonly string[] | undefined; files: boolean }): string {
  const verdict = planVerdict(plan, context.selection);
  const selected = (m: PlannedMachine) => isSelected(m, context.selection);
  const lines = [
    `Deploy plan for ${context.file}: clan ${quote(plan.clanName)}, ${plan.vpn === null ? 'no VPN chosen yet' : `VPN ${vpnDisplayNames[plan.vpn]}`}.`,
    'A dry run: the machines were read, nothing was changed anywhere.',
    '',
    `Way: ${wayNames[plan.way]}.`,
    `  ${plan.wayReason}`,
  ];
  if (plan.blockedAll !== null) lines.push('', `Nothing can be deployed: ${plan.blockedAll}`);
  if (plan.varsHelper !== null) {
    lines.push('', `Vars helper: ${plan.varsHelper.name}${plan.varsNote === null ? '' : ` (${plan.varsNote})`}`);
    plan.varsHelper.steps.forEach((step, i) => lines.push(...stepLines(step, i + 1, '  ')));
  } else if (plan.varsNote !== null) {
    lines.push('', `Vars: ${plan.varsNote}`);
  }
  lines.push('', `Rollback watchdog: ${plan.confirmSeconds} seconds; up to ${plan.concurrency} ${plural(plan.concurrency, 'machine', 'machines')} at once within a wave.`);
  const afterVpn = plan.afterVpn.filter(selected);
  if (afterVpn.length > 0) {
    lines.push('', 'Reached over the VPN only (updated first, before the wave of their way in):');
    for (const m of afterVpn) lines.push(...machineLines(m, context));
  }
  for (const wave of plan.waves) {
    const machines = wave.machines.filter(selected);
    if (machines.length === 0) continue;
    lines.push('', `Wave ${wave.number}: ${wave.title}`, `  ${wave.reason}`);
    for (const m of machines) lines.push(...machineLines(m, context));
  }
  const notDeployable = plan.notDeployable.filter(selected);
  if (notDeployable.length > 0) {
    lines.push('', 'Not deployable:');
    for (const m of notDeployable) lines.push(...machineLines(m, context));
  }
  lines.push('', 'Values in <angle brackets> are known only during the run (the system the build makes, the previous system, the run id).');
  lines.push('', ...summaryLines(verdict));
  return `${lines.join('\n')}\n`;
}

/** The verdict in a few lines: what can go, what is blocked, what was left out. */
export function summaryLines(verdict: PlanVerdict): string[] {
  const names = (ms: readonly PlannedMachine[]) => listText(ms.map((m) => m.name));
  const lines: string[] = [];
  if (verdict.blockedAll !== null) lines.push(`Nothing can be deployed: ${verdict.blockedAll}`);
  else if (verdict.deployable.length === 0) lines.push('No selected machine can be deployed.');
  else lines.push(`Can be deployed: ${names(verdict.deployable)} (${verdict.deployable.length}).`);
  if (verdict.blocked.length > 0) lines.push(`Blocked: ${names(verdict.blocked)} (${verdict.blocked.length}); see each for what to do.`);
  if (verdict.notSelected.length > 0) lines.push(`Not selected: ${names(verdict.notSelected)}.`);
  return lines;
}

/** A short plan for the confirmation question: the way, and wave by wave the machines that go. */
export function planOverview(plan: DeployPlan, selection: readonly string[] | undefined): string[] {
  const selected = (m: PlannedMachine) => isSelected(m, selection) && m.blocked === null;
  const lines = [`Way: ${wayNames[plan.way]}.`];
  if (plan.varsHelper !== null) lines.push(`Vars helper: ${plan.varsHelper.name}.`);
  const afterVpn = plan.afterVpn.filter(selected);
  if (afterVpn.length > 0) lines.push(`  First, over the VPN: ${listText(afterVpn.map((m) => m.name))}`);
  for (const wave of plan.waves) {
    const machines = wave.machines.filter(selected);
    if (machines.length > 0) lines.push(`  Wave ${wave.number} (${wave.title}): ${listText(machines.map((m) => `${m.name} [${fileSummary(m.files)}]`))}`);
  }
  // The same warning for several machines ("not checked yet") is said once, with their names.
  const warnings = new Map<string, string[]>();
  for (const m of everyMachine(plan).filter(selected)) for (const w of m.warnings) warnings.set(w, [...(warnings.get(w) ?? []), m.name]);
  for (const [warning, names] of warnings) lines.push(`  warning (${listText(names)}): ${warning}`);
  return [...lines, ...summaryLines(planVerdict(plan, selection))];
}

/** Minutes and seconds, or hours too: 0:42, 12:05, 1:02:09. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** How each status is shown. */
export const statusWords: Record<DeployMachineStatus, string> = {
  deployed: 'deployed',
  failed: 'failed',
  rolledBack: 'rolled back',
  skipped: 'skipped',
  cancelled: 'cancelled',
  unknown: 'unknown',
};

/** The summary of a finished deploy: per machine its status, what happened and what to do; then the next steps. */
export function reportText(report: DeployReport, context: { file: string; selection: readonly string[] | undefined; historyDir: string | null }): string {
  const selected = (r: DeployMachineResult) => context.selection === undefined || context.selection.includes(r.machineId);
  const machines = report.machines.filter(selected);
  const counts = countByStatus({ machines });
  const outcome = report.outcome === 'finished' ? 'finished' : report.outcome === 'cancelled' ? 'was cancelled' : report.outcome === 'timedOut' ? 'ran out of time' : 'failed';
  const lines = [`Deploy of ${context.file} ${outcome} after ${formatDuration(report.finishedAt - report.startedAt)}, ${wayNames[report.way]}.`];
  if (report.vars.status !== 'notNeeded' || report.vars.message !== '') lines.push(`Vars: ${report.vars.status === 'made' ? 'made' : report.vars.status === 'notNeeded' ? 'not needed' : report.vars.status}${report.vars.message === '' ? '' : ` (${report.vars.message})`}`);
  const width = Math.max(0, ...machines.map((m) => m.name.length));
  for (const m of machines) {
    lines.push(`  ${statusWords[m.status].padEnd(11)} ${m.name.padEnd(width)}  ${m.message}`);
    if (m.whatToDo !== null) lines.push(`  ${''.padEnd(11)} ${''.padEnd(width)}  what to do: ${m.whatToDo}`);
  }
  const notSelected = report.machines.filter((r) => !selected(r));
  if (notSelected.length > 0) lines.push(`  not selected: ${listText(notSelected.map((m) => m.name))}`);
  const shown = (['deployed', 'failed', 'rolledBack', 'unknown', 'skipped', 'cancelled'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${statusWords[s]}`);
  lines.push('', `${machines.length} ${plural(machines.length, 'machine', 'machines')}: ${shown.length === 0 ? 'none ran' : listText(shown)}.`);
  if (report.nextSteps.length > 0) {
    lines.push('', 'Next steps:');
    for (const step of report.nextSteps) lines.push(`  - ${step}`);
  }
  if (context.historyDir !== null) lines.push('', `Kept in ${context.historyDir} (plan.json, result.json, logs/).`);
  return `${lines.join('\n')}\n`;
}
