import type { DeployPlan, PlannedMachine } from '../../../shared/deploy/plan';
import { listText, plural } from '../../../shared/text';

/** What "Deploy…" asks before it starts: the title, the text, and how many machines would be deployed. */
export interface DeployConfirmation {
  title: string;
  /** Lines of text (the confirmation dialog keeps line breaks). */
  message: string;
  /** Machines the deploy would change; 0 means there is nothing to confirm. */
  deployable: number;
  /** Why nothing can be deployed, when deployable is 0. */
  nothingBecause: string | null;
}

const names = (machines: readonly PlannedMachine[]) => listText(machines.map((m) => m.name));

/**
 * The confirmation of a deploy, from its plan: which machines, in which order, which are left out and why, and the
 * rollback promise with its limit (a first deploy has nothing to go back to).
 */
export function deployConfirmation(plan: DeployPlan, options: { folder: string; unsavedChanges: boolean }): DeployConfirmation {
  const go = (ms: readonly PlannedMachine[]) => ms.filter((m) => m.blocked === null);
  const afterVpn = go(plan.afterVpn);
  const waves = plan.waves.map((w) => ({ wave: w, machines: go(w.machines) })).filter((w) => w.machines.length > 0);
  const deploying = [...afterVpn, ...waves.flatMap((w) => w.machines)];
  const left = [...plan.afterVpn, ...plan.waves.flatMap((w) => w.machines), ...plan.notDeployable].filter((m) => m.blocked !== null);
  if (plan.blockedAll !== null) return { title: 'Nothing to deploy', message: plan.blockedAll, deployable: 0, nothingBecause: plan.blockedAll };
  if (deploying.length === 0) {
    const because = left.length === 0 ? 'the design has no machines the app manages.' : `every machine is blocked (${left.map((m) => `${m.name}: ${m.blocked!.reason.replace(/\.$/, '')}`).join('; ')}).`;
    return { title: 'Nothing to deploy', message: because, deployable: 0, nothingBecause: because };
  }
  const lines: string[] = [`The configuration is written to ${options.folder} first, then put on the machines in this order:`];
  if (afterVpn.length > 0) lines.push(`• First, over the VPN: ${names(afterVpn)}`);
  for (const { wave, machines } of waves) lines.push(`• Wave ${wave.number} (${wave.title.toLowerCase()}): ${names(machines)}`);
  if (left.length > 0) lines.push(`Not deployed: ${left.map((m) => `${m.name} (${m.blocked!.reason.replace(/\.$/, '')})`).join('; ')}.`);
  if (plan.varsHelper !== null) lines.push(`The vars are made on ${plan.varsHelper.name} before any machine.`);
  const first = deploying.filter((m) => m.hasSystem === false);
  const rollback = `Each machine switches back to its previous system by itself unless the app confirms the switch within ${plan.confirmSeconds} s over a new SSH connection.`;
  lines.push(first.length === 0 ? rollback : `${rollback} ${names(first)} ${plural(first.length, 'has', 'have')} no previous system (first deploy), so there is nothing to switch back to.`);
  lines.push('One machine failing does not stop the others, except the machines that need it. You can cancel at any time; a switch in progress is never cut off.');
  if (options.unsavedChanges) lines.push('The design has unsaved changes: they are deployed too. Save them so the design file matches what runs.');
  const count = deploying.length;
  return { title: `Deploy to ${count} ${plural(count, 'machine', 'machines')}?`, message: lines.join('\n'), deployable: count, nothingBecause: null };
}
