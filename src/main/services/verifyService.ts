import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import { compareRuns } from '../../shared/verify/changes';
import { planPairs, type PairPlan, type VerifyMatrix } from '../../shared/verify/matrix';
import { probeCountRange } from '../../shared/verify/probe';
import type { VerifyHistoryEntry, VerifyReport } from '../../shared/verify/schema';
import { verifyHistory } from '../verify/history';
import { defaultVerifyTimeouts, runVerify, type VerifyTimeouts } from '../verify/runVerify';
import { overlayJobKind, OverlayRunService, type OverlayRunOptions, type OverlayRunPlan, type OverlayRunRequest, type OverlayRunTarget } from './overlayRunService';

// "Verify the network" (issue 15) as a job of the job engine and a set of operations on the contract: after a
// deploy, every machine pings every other over the VPN, and the run is kept beside the design as
// `<name>.verifies/<run id>/verify.json` and `verify.log`. One verify runs at a time, and never while a deploy, an
// install or a measurement runs (the machines change under it, or its pings share the links); how a run starts and
// is kept is shared with "Measure my network" (overlayRunService.ts). What runs on each machine is in docs/verify.md.

/** Verify for the job engine: one at a time; its history is kept by the service (several runs per design). */
export const verifyJobKind = overlayJobKind('verify', 'verifyAlreadyRunning', (report) => ({ ...report, matrix: null }));

export interface VerifyServiceOptions extends OverlayRunOptions {
  timeouts?: Partial<VerifyTimeouts>;
}

/** What verify:start takes. */
export interface VerifyStartRequest extends OverlayRunRequest {
  machines?: readonly string[];
  tcpPort?: number;
  count?: number;
}

/** The plan narrowed to the selected machines: only pairs between two of them. */
function selectPlan(plan: PairPlan, machines: readonly string[] | undefined): PairPlan {
  if (machines === undefined) return plan;
  const wanted = new Set(machines);
  const kept = plan.machines.filter((m) => wanted.has(m.id));
  if (kept.length === plan.machines.length) return plan;
  const n = kept.length;
  const pairs = plan.pairs.filter((p) => wanted.has(p.from) && wanted.has(p.to));
  const description = plan.sampled
    ? `${plan.description} Only the pairs between the ${n} selected machines: ${pairs.length}.`
    : n < 2
      ? `${n === 0 ? 'No machine' : 'One machine'} of the VPN is selected, so there is no pair to test.`
      : `Every ordered pair of the ${n} selected machines: ${pairs.length} pairs.`;
  return { ...plan, machines: kept, anchors: plan.anchors.filter((a) => wanted.has(a)), pairs, totalPairs: n * (n - 1), description };
}

export class VerifyService extends OverlayRunService<'verify', VerifyHistoryEntry, VerifyServiceOptions> {
  constructor(options: VerifyServiceOptions) {
    super(
      {
        job: verifyJobKind,
        history: verifyHistory,
        errors: { blockedByJob: 'verifyBlockedByJob', noVpn: 'verifyNoVpn', needsSavedDesign: 'verifyNeedsSavedDesign' },
        blockedBy: ['deploy', 'install', 'measure'],
        noun: 'verify',
        isComparable: (report) => report.matrix !== null,
      },
      options,
    );
  }

  /** Verifies a saved, deployed design; progress follows as job events. */
  start(request: VerifyStartRequest): Promise<Result<{ jobId: string }, AppError>> {
    return this.startRun(request, (target) => this.plan(request, target));
  }

  /** The pairs to test, or why there are none: verify's own checks, after those every overlay run makes. */
  private plan(request: VerifyStartRequest, { design }: OverlayRunTarget): Result<OverlayRunPlan<'verify'>, AppError> {
    const count = request.count ?? probeCountRange.default;
    const tcpPort = request.tcpPort ?? null;
    const full = planPairs(design);
    if (full.machines.length === 0) return err(appError('verifyNoMachines', { reason: 'noMembers' }));
    const plan = selectPlan(full, request.machines);
    if (plan.machines.length === 0) return err(appError('verifyNoMachines', { reason: 'noneSelected' }));
    if (plan.machines.every((m) => (design.machines[m.id]?.ssh?.host.trim() ?? '') === '')) return err(appError('verifyNoMachines', { reason: 'noWayIn' }));
    const timeouts = { ...defaultVerifyTimeouts, ...this.options.timeouts };
    let matrix: VerifyMatrix | null = null;
    return ok({
      machines: plan.machines.map((m) => ({ machineId: m.id, name: m.name })),
      run: async (job, access) => {
        const outcome = await runVerify(job, { design, plan, pool: access.pool, targets: access.targets, reach: access.reach, overlay: access.overlay, count, tcpPort, concurrency: design.deploy.concurrency, timeouts, onLog: access.log });
        matrix = outcome.matrix;
      },
      report: ({ runId, startedAt, finishedAt, outcome, previousOf }): VerifyReport => ({
        kind: 'clan-designer-verify',
        version: 1,
        runId,
        startedAt,
        finishedAt,
        outcome,
        vpn: design.vpn.id,
        matrix,
        tcpPort,
        count,
        // The run before with a matrix (isComparable), to say what changed since.
        previous: previousOf((before) => (before.matrix === null || matrix === null ? null : compareRuns(before.matrix, matrix))),
      }),
    });
  }
}
