import { styleText } from 'node:util';
import type { DeployProgress } from '../../shared/ipc/contract';
import type { JobStep } from '../../shared/ipc/jobs';
import { machinesInRunOrder } from '../../shared/deploy/plan';
import type { DeployMachineStatus } from '../../shared/deploy/report';
import { plural } from '../../shared/text';
import { formatDuration, statusWords, wayNames } from './deployText';

// What a deploy shows while it runs, built from the job's progress events (the same events the app's Deploy area
// follows): on a terminal a live view redrawn in place, one line per machine with its status and step, the last log
// line under each running machine and a progress line for the whole run; elsewhere (CI, a pipe) one plain,
// timestamped line per event. Pure: the command decides where the text goes.

/** Where one machine stands. */
interface MachineState {
  machineId: string;
  name: string;
  /** "wave 2", "over the VPN", or null before the plan is known. */
  place: string | null;
  status: 'waiting' | 'running' | DeployMachineStatus;
  step: JobStep | null;
  lastLog: string | null;
  message: string | null;
}

/**
 * Strips what a remote program's output must not do to the person's terminal (escape sequences that move the cursor,
 * retitle the window or worse) and what would break a line (tabs, carriage returns, other control characters).
 */
export function printable(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- escape sequences are exactly what is removed here
      .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b\[[0-?]*[ -/]*[@-~]|\u001b[@-_]|\u009b[0-?]*[ -/]*[@-~]/g, '')
      .replace(/\t/g, ' ')
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed here
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
  );
}

/** Cuts a line to `width` columns, with an ellipsis when it was longer. */
function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

const marks: Record<MachineState['status'], string> = {
  waiting: '·',
  running: '▶',
  deployed: '✓',
  failed: '✗',
  rolledBack: '↺',
  skipped: '-',
  cancelled: '⊘',
  unknown: '?',
};

/** The state of a running deploy, fed with its progress events. */
export class DeployProgressState {
  private readonly machines = new Map<string, MachineState>();
  private vars: string | null = null;
  private jobLog: string | null = null;
  startedAt: number | null = null;
  runId: string | null = null;

  /** `selection`: the machines the person asked for (by id); the others are left out of the view. */
  constructor(private readonly selection: readonly string[] | undefined) {}

  private selected(machineId: string): boolean {
    return this.selection === undefined || this.selection.includes(machineId);
  }

  apply(event: DeployProgress): void {
    switch (event.type) {
      case 'started':
        this.startedAt = event.startedAt;
        for (const m of event.machines) {
          if (this.selected(m.machineId)) this.machines.set(m.machineId, { machineId: m.machineId, name: m.name, place: null, status: 'waiting', step: null, lastLog: null, message: null });
        }
        return;
      case 'plan': {
        this.runId = event.runId;
        // The run's order: over the VPN first, then wave by wave, then those that cannot be deployed.
        const ordered = [...machinesInRunOrder(event.plan), ...event.plan.notDeployable];
        const before = new Map(this.machines);
        this.machines.clear();
        for (const m of ordered) {
          if (!this.selected(m.machineId)) continue;
          const known = before.get(m.machineId);
          const place = m.wave === 'afterVpn' ? 'over the VPN' : m.wave === null ? 'not deployable' : `wave ${m.wave}`;
          this.machines.set(m.machineId, { ...(known ?? { machineId: m.machineId, name: m.name, status: 'waiting', step: null, lastLog: null, message: null }), place });
        }
        return;
      }
      case 'vars':
        this.vars = `${event.vars.status === 'made' ? 'made' : event.vars.status === 'notNeeded' ? 'not needed' : event.vars.status}${event.vars.message === '' ? '' : `: ${event.vars.message}`}`;
        return;
      case 'machineStarted': {
        const m = this.machines.get(event.machineId);
        if (m !== undefined) m.status = 'running';
        return;
      }
      case 'machineStep': {
        const m = this.machines.get(event.machineId);
        if (m !== undefined) {
          m.status = 'running';
          m.step = event.step;
        }
        return;
      }
      case 'log': {
        const text = printable(event.text).trim();
        if (text === '') return;
        if (event.machineId === null) this.jobLog = text;
        else {
          const m = this.machines.get(event.machineId);
          if (m !== undefined) m.lastLog = text;
        }
        return;
      }
      case 'machineDone': {
        const m = this.machines.get(event.machineId);
        if (m !== undefined) {
          m.status = event.result.status;
          m.message = event.result.message;
        }
        return;
      }
      default:
        return;
    }
  }

  /** The whole run's progress from 0 to 1: finished machines count whole, running ones by their step. */
  progress(): { fraction: number; done: number; total: number; failed: number } {
    const all = [...this.machines.values()];
    let sum = 0;
    let done = 0;
    let failed = 0;
    for (const m of all) {
      if (m.status === 'waiting') continue;
      if (m.status === 'running') {
        sum += m.step === null ? 0 : (m.step.index - 1) / m.step.total;
        continue;
      }
      sum += 1;
      done += 1;
      if (m.status !== 'deployed') failed += 1;
    }
    return { fraction: all.length === 0 ? 0 : sum / all.length, done, total: all.length, failed };
  }

  /** The plain line of one event, or none for events that say nothing new. */
  line(event: DeployProgress): string | null {
    const nameOf = (machineId: string) => this.machines.get(machineId)?.name ?? null;
    switch (event.type) {
      case 'started':
        return `deploy started: ${this.machines.size} ${plural(this.machines.size, 'machine', 'machines')}`;
      case 'plan': {
        const parts = [`way: ${wayNames[event.plan.way]}`];
        if (event.plan.varsHelper !== null) parts.push(`vars helper: ${event.plan.varsHelper.name}`);
        const by = new Map<string, string[]>();
        for (const m of this.machines.values()) by.set(m.place ?? '', [...(by.get(m.place ?? '') ?? []), m.name]);
        for (const [place, names] of by) parts.push(`${place}: ${names.join(', ')}`);
        return `plan (run ${event.runId}): ${parts.join('; ')}`;
      }
      case 'vars':
        return `vars: ${this.vars ?? ''}`;
      case 'machineStarted':
        return nameOf(event.machineId) === null ? null : `${nameOf(event.machineId)}: started`;
      case 'machineStep':
        return nameOf(event.machineId) === null ? null : `${nameOf(event.machineId)}: step ${event.step.index}/${event.step.total} ${event.step.label}`;
      case 'log': {
        const text = printable(event.text);
        if (text.trim() === '') return null;
        if (event.machineId === null) return `deploy | ${text}`;
        return nameOf(event.machineId) === null ? null : `${nameOf(event.machineId)} | ${text}`;
      }
      case 'machineDone':
        // The machine's message has just gone out as its last log line; this line says how it ended.
        return nameOf(event.machineId) === null ? null : `${nameOf(event.machineId)}: ${statusWords[event.result.status]}${event.result.step === null || event.result.status === 'deployed' ? '' : ` (at ${event.result.step})`}`;
      default:
        return null;
    }
  }

  /**
   * The live view: the progress line, the vars, one line per machine (with its last log line while it runs) and a
   * footer, each cut to the terminal's width. With more machines than `rows` allows, the running ones are shown and
   * the rest counted.
   */
  frame(options: { title: string; now: number; width: number; rows: number; color: boolean; footer: string }): string {
    const width = Math.max(20, options.width - 1);
    const paint = (style: Parameters<typeof styleText>[0], text: string) => (options.color ? styleText(style, text) : text);
    const { fraction, done, total, failed } = this.progress();
    const barWidth = Math.max(10, Math.min(30, width - 60));
    const filled = Math.round(fraction * barWidth);
    const elapsed = this.startedAt === null ? '' : `  ${formatDuration(options.now - this.startedAt)}`;
    const head = `${options.title}  [${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}] ${Math.round(fraction * 100)}%  ${done} of ${total} done${failed > 0 ? `, ${failed} not deployed` : ''}${elapsed}`;
    const lines = [fit(head, width)];
    if (this.vars !== null) lines.push(fit(`vars: ${this.vars}`, width));
    else if (this.jobLog !== null && done === 0) lines.push(paint('dim', fit(`  › ${this.jobLog}`, width)));
    const all = [...this.machines.values()];
    const nameWidth = Math.min(24, Math.max(0, ...all.map((m) => [...m.name].length)));
    const room = Math.max(3, options.rows - lines.length - 2);
    const rowsOf = (m: MachineState): string[] => {
      const name = m.name.padEnd(nameWidth);
      const what =
        m.status === 'running'
          ? m.step === null
            ? 'starting'
            : `${m.step.index}/${m.step.total} ${m.step.label}`
          : m.status === 'waiting'
            ? `waiting${m.place === null ? '' : ` (${m.place})`}`
            : `${statusWords[m.status]}${m.status === 'deployed' || m.message === null ? '' : `: ${m.message}`}`;
      const style = m.status === 'deployed' ? 'green' : m.status === 'running' ? 'cyan' : m.status === 'waiting' || m.status === 'skipped' ? 'dim' : m.status === 'cancelled' ? 'yellow' : 'red';
      const row = [`${paint(style, marks[m.status])} ${fit(`${name}  ${printable(what)}`, width - 2)}`];
      if (m.status === 'running' && m.lastLog !== null) row.push(paint('dim', fit(`  ${''.padEnd(nameWidth)}  › ${m.lastLog}`, width)));
      return row;
    };
    const rows = all.flatMap(rowsOf);
    if (rows.length <= room) lines.push(...rows);
    else {
      const running = all.filter((m) => m.status === 'running');
      const shown = running.flatMap(rowsOf).slice(0, Math.max(0, room - 1));
      const waiting = all.filter((m) => m.status === 'waiting').length;
      lines.push(...shown, fit(`  … ${total - running.length} more: ${waiting} waiting, ${done} done`, width));
    }
    lines.push(paint('dim', fit(options.footer, width)));
    return lines.join('\n');
  }
}
