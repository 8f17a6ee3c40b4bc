import { verifyChangesText } from '../../shared/verify/changes';
import type { VerifyMachineResult, VerifyReport } from '../../shared/verify/schema';
import { plural } from '../../shared/text';
import { changesLines, runHeadline } from './jobFollow';

// What `verify` prints: the reachability matrix as a table (machine rows ping machine columns), the pairs that
// failed with their reasons, the machines the app could not log in to (apart from overlay failures), the summary, and
// which pairs changed since the run before.

/** The marks of the table; one character each, so columns line up. */
export const cellMarks = { reached: '✓', partly: '~', notReached: '✗', notTested: '·' } as const;

const legend = `${cellMarks.reached} reached  ${cellMarks.partly} some pings lost  ${cellMarks.notReached} not reached over the VPN  ${cellMarks.notTested} not tested (itself, not in the sample, or no SSH login)`;

/** A machine's overlay state in a few words, for progress lines. */
export const stateWords = {
  running: 'overlay running',
  notRunning: 'VPN daemon not running',
  notConfigured: 'VPN not set up',
  noAddress: 'no overlay address',
  unreadable: 'overlay state unreadable',
} as const;

/** The matrix as a table: one row per machine that pings, one numbered column per machine pinged. */
export function matrixTable(matrix: NonNullable<VerifyReport['matrix']>): string[] {
  const machines = matrix.machines;
  const index = new Map(machines.map((m, i) => [m.id as string, i]));
  const marks = machines.map(() => machines.map(() => cellMarks.notTested as string));
  for (const cell of matrix.cells) {
    const row = index.get(cell.from);
    const column = index.get(cell.to);
    if (row === undefined || column === undefined) continue;
    // A pair not tested because the app could not log in says nothing about the VPN: it is not a cross.
    marks[row]![column] = cell.status === 'reached' ? cellMarks.reached : cell.status === 'partly' ? cellMarks.partly : cell.cause === 'sshUnreachable' ? cellMarks.notTested : cellMarks.notReached;
  }
  const numberWidth = String(machines.length).length;
  const nameWidth = Math.max(4, ...machines.map((m) => m.name.length));
  const head = `  ${''.padEnd(numberWidth)} ${''.padEnd(nameWidth)} ${machines.map((_, i) => String(i + 1).padStart(numberWidth)).join(' ')}`;
  const rows = machines.map((m, i) => `  ${String(i + 1).padStart(numberWidth)} ${m.name.padEnd(nameWidth)} ${marks[i]!.map((mark) => mark.padStart(numberWidth)).join(' ')}`);
  return [head, ...rows, `  ${legend}`];
}

/** The whole text of a finished (or stopped) run. */
export function verifyReportText(report: VerifyReport, context: { file: string; results: readonly VerifyMachineResult[]; historyDir: string | null }): string {
  const lines = [runHeadline('Verify', context.file, report, `${report.count} ${plural(report.count, 'ping', 'pings')} per pair${report.tcpPort === null ? '' : `, then TCP port ${report.tcpPort}`}`)];
  const matrix = report.matrix;
  if (matrix === null) {
    lines.push('No matrix was built: the run ended before every machine was asked.');
    for (const r of context.results) lines.push(`  ${r.name}: ${r.message}`);
  } else {
    lines.push(matrix.planDescription, '', `Rows ping columns:`, ...matrixTable(matrix));
    const failing = matrix.cells.filter((c) => c.status !== 'reached' && c.cause !== 'sshUnreachable');
    if (failing.length > 0) {
      lines.push('', 'Not reached over the VPN:');
      for (const c of failing) lines.push(`  ${c.status === 'partly' ? cellMarks.partly : cellMarks.notReached} ${c.fromName} -> ${c.toName}${c.address === null ? '' : ` (${c.address})`}: ${c.reason}`);
    }
    const noLogin = matrix.machines.filter((m) => m.ssh !== null);
    if (noLogin.length > 0) {
      lines.push('', 'Not logged in over SSH (its pairs were not tested; this says nothing about the VPN):');
      for (const m of noLogin) lines.push(`  ${m.name}: ${m.ssh}`);
    }
    const troubled = context.results.filter((r) => r.ssh === null && r.state !== null && r.state !== 'running');
    if (troubled.length > 0) {
      lines.push('', 'Overlay state:');
      for (const r of troubled) lines.push(`  ${r.name}: ${r.message}`);
    }
    const mismatched = matrix.cells.filter((c) => c.status !== 'notReached' && c.path.matchesPrediction === false);
    if (mismatched.length > 0) {
      lines.push('', 'Paths other than the design predicts:');
      for (const c of mismatched) lines.push(`  ${c.fromName} -> ${c.toName}: ${c.path.detail} (predicted ${c.path.predicted}${c.path.predictedReason === null ? '' : `: ${c.path.predictedReason}`})`);
    }
    lines.push('', matrix.summary);
    lines.push(...changesLines(report.previous == null ? null : verifyChangesText(report.previous.changes)));
  }
  if (context.historyDir !== null) lines.push('', `Kept in ${context.historyDir} (verify.json, verify.log).`);
  return `${lines.join('\n')}\n`;
}
