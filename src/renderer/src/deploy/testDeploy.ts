import { makeDeployPlan, machinesInRunOrder, type DeployPlan, type RemoteState } from '../../../shared/deploy/plan';
import { countByStatus, type DeployMachineResult, type DeployReport } from '../../../shared/deploy/report';
import { jobProgressSchema, type DeployProgress } from '../../../shared/ipc/contract';
import { familyWithJumpHost } from '../../../shared/model/designBuilder';
import type { Design } from '../../../shared/model/types';
import type { CheckReport } from '../../../shared/schema/checkReport';

// Deploy plans, events and reports for the renderer's tests, made by the real planner (makeDeployPlan) and checked
// against the contract's schemas, so the views are tested with what main really sends.

/** The shared family network: admin at home with the nas, a public bastion, grandma's tablet behind it, an office pc. */
export function sampleDesign(options: { vpn?: boolean } = {}) {
  const f = familyWithJumpHost();
  const design: Design = options.vpn === false ? f.b.design : f.b.vpn('zerotier');
  return { design, nas: f.nas as string, bastion: f.bastion as string, tablet: f.tablet as string, pc: f.pc as string };
}

const system = (name: string) => `/nix/store/${'a'.repeat(32)}-nixos-system-${name}-25.11`;

/**
 * A plan as main makes it: the nas was deployed before (some files change), the bastion runs no NixOS system yet (a
 * first deploy), the tablet could not be read, and the last check found the office pc is not NixOS (blocked).
 */
export function samplePlan(options: { vpn?: boolean; way?: DeployPlan['way'] } = {}): { plan: DeployPlan; design: Design; ids: ReturnType<typeof sampleDesign> } {
  const ids = sampleDesign(options);
  const flakeFiles = { 'flake.nix': 'f1', 'inventory.json': 'i2', 'machines/nas/configuration.nix': 'n3', 'clan.nix': 'c4' };
  const remote = new Map<string, RemoteState>([
    [ids.nas, { reached: true, home: '/home/admin', uid: 1000, currentSystem: system('nas'), deployedFiles: { 'flake.nix': 'f1', 'clan.nix': 'c4', 'inventory.json': 'old', 'machines/old/configuration.nix': 'o5' } }],
    [ids.bastion, { reached: true, home: '/root', uid: 0, currentSystem: null, deployedFiles: null }],
    [ids.tablet, { reached: false, reason: 'the connection timed out' }],
  ]);
  const lastCheck: CheckReport = {
    kind: 'clan-designer-check',
    version: 1,
    startedAt: 1,
    finishedAt: 2,
    outcome: 'finished',
    local: [],
    machines: [{ machineId: ids.pc, name: 'pc', target: 'root@pc.lan', via: null, status: 'error', findings: [{ id: 'nixos', status: 'error', message: 'pc runs Debian 12, which is not NixOS' }] }],
  };
  const plan = makeDeployPlan({
    design: ids.design,
    flakeFiles,
    way: options.way ?? 'onMachine',
    wayReason: 'There is no clan CLI (and no Nix) on this computer, so the configuration is uploaded to each machine and built there.',
    lastCheck,
    remote,
    confirmSeconds: 90,
    concurrency: 4,
    varsHelper: null,
    now: Date.UTC(2026, 11, 7, 10, 0),
  });
  return { plan, design: ids.design, ids };
}

/** A machine's result the way runDeploy reports it. */
export function machineResult(machineId: string, name: string, status: DeployMachineResult['status'], message: string, whatToDo: string | null = null, step: DeployMachineResult['step'] = status === 'deployed' || status === 'skipped' ? null : 'confirm'): DeployMachineResult {
  return { machineId, name, status, step, message, whatToDo, system: null, previousSystem: null, startedAt: 1, finishedAt: 2 };
}

/**
 * The events of one deploy of samplePlan, in the order main sends them, checked against the contract: the plan, the
 * vars, then the blocked pc skipped at once, the tablet (behind the bastion, so first) failing its build, the bastion
 * deployed for the first time, the nas rolled back by its watchdog; the report last. `until: 'running'` stops the
 * recording while the tablet builds.
 */
export function recordedDeploy(jobId: string, options: { until?: 'running' | 'done'; logLines?: number } = {}): { events: DeployProgress[]; plan: DeployPlan; report: DeployReport; ids: ReturnType<typeof sampleDesign> } {
  const { plan, ids } = samplePlan();
  const events: DeployProgress[] = [];
  let seq = 0;
  const push = (event: Record<string, unknown>) => events.push(jobProgressSchema.parse({ jobId, kind: 'deploy', seq: seq++, ...event }) as DeployProgress);
  const machines = [...machinesInRunOrder(plan), ...plan.notDeployable].map((m) => ({ machineId: m.machineId, name: m.name }));
  push({ type: 'started', startedAt: Date.UTC(2026, 11, 7, 10, 1), forFile: 'family.clan-design.json', machines });
  push({ type: 'plan', plan, runId: '2026-12-07t10-01-00-000z-abc123' });
  push({ type: 'log', machineId: null, stream: 'info', text: `Making the vars on ${plan.varsHelper?.name ?? 'nobody'}…` });
  push({ type: 'vars', vars: { status: 'made', helper: plan.varsHelper?.name ?? null, message: 'Made the vars of 4 machines.' } });
  const results: DeployMachineResult[] = [];
  const done = (result: DeployMachineResult) => {
    results.push(result);
    push({ type: 'machineDone', machineId: result.machineId, result });
  };
  done(machineResult(ids.pc, 'pc', 'skipped', 'Not deployed: it does not run NixOS yet (last check: pc runs Debian 12, which is not NixOS).', 'Install NixOS on it first; that erases its disk, so the app never does it on its own.'));
  const tablet = plan.waves[0]!.machines[0]!;
  push({ type: 'machineStarted', machineId: ids.tablet });
  tablet.steps.slice(0, 4).forEach((step, i) => push({ type: 'machineStep', machineId: ids.tablet, step: { index: i + 1, total: tablet.steps.length, label: step.label } }));
  for (let i = 0; i < (options.logLines ?? 3); i += 1) push({ type: 'log', machineId: ids.tablet, stream: i % 5 === 4 ? 'stderr' : 'stdout', text: `building tablet: line ${i + 1}` });
  if (options.until === 'running') return { events, plan, ids, report: reportOf(plan, results, 'finished') };
  push({ type: 'log', machineId: ids.tablet, stream: 'stderr', text: "error: builder for '/nix/store/x-nixos-system-tablet.drv' failed with exit code 1;" });
  done(machineResult(ids.tablet, 'tablet', 'failed', '"Build the system on the machine" failed: the build ended with exit code 1. Nothing was activated.', 'Run the build command of the plan on the machine to see why.', 'build'));
  push({ type: 'machineStarted', machineId: ids.bastion });
  push({ type: 'machineStep', machineId: ids.bastion, step: { index: 1, total: 7, label: 'Connect over SSH' } });
  done(machineResult(ids.bastion, 'bastion', 'deployed', 'Deployed (first deploy): it runs the new system, confirmed over a new SSH connection.'));
  push({ type: 'machineStarted', machineId: ids.nas });
  push({ type: 'log', machineId: ids.nas, stream: 'info', text: 'Not confirmed: the app could not confirm the switch over a new SSH connection within 90 seconds.' });
  done(machineResult(ids.nas, 'nas', 'rolledBack', 'Rolled back: the app could not confirm the switch within 90 seconds; its watchdog switched it back to the previous system, which it runs again.', 'The new configuration probably cut off the way in (the VPN, the firewall or SSH). Look at what it changes, then deploy again.'));
  const report = reportOf(plan, results, 'finished');
  const counts = countByStatus(report);
  push({ type: 'log', machineId: null, stream: 'info', text: `Done: ${counts.deployed} deployed, ${counts.failed} failed, ${counts.rolledBack} rolled back, ${counts.skipped} skipped, ${counts.cancelled} cancelled.` });
  push({ type: 'done', outcome: 'finished', report, saved: true });
  return { events, plan, report, ids };
}

function reportOf(plan: DeployPlan, machines: DeployMachineResult[], outcome: DeployReport['outcome']): DeployReport {
  return {
    kind: 'clan-designer-deploy',
    version: 1,
    runId: '2026-12-07t10-01-00-000z-abc123',
    startedAt: Date.UTC(2026, 11, 7, 10, 1),
    finishedAt: Date.UTC(2026, 11, 7, 10, 4),
    outcome,
    way: plan.way,
    vars: { status: 'made', helper: plan.varsHelper?.name ?? null, message: 'Made the vars of 4 machines.' },
    machines: [...machines],
    nextSteps: ['Fix the build of tablet (its log says why), then deploy again.', 'Look at what the new configuration changes on nas before deploying it again.'],
  };
}
