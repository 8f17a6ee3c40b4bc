import { describeError } from '../../../shared/errors';
import type { Design } from '../../../shared/model/types';
import { plural } from '../../../shared/text';
import { useCheckStore } from '../deploy/checkStore';
import { useDeployStore } from '../deploy/deployStore';
import { useSshKeysStore } from '../deploy/sshKeysStore';
import { useVerifyStore } from '../deploy/verifyStore';
import { onJobEvent, useJobsStore } from '../stores/jobsStore';
import { displayName } from './fileActions';
import type { Command, CommandContext } from './types';

// "Verify network" (issue 15): every machine of the VPN pings the others over the overlay, and the Deploy area and the
// canvas show which pairs reach each other. It changes no document (capture "never"). It runs by itself right after
// a deploy this window started that put the new system on at least one machine.

/** Whether a job that blocks a verify is running: another verify, a deploy, an install or a measurement (main refuses those too). */
const blockingJobRunning = () => {
  const { running } = useJobsStore.getState();
  return running.verify !== undefined || running.deploy !== undefined || running.install !== undefined || running.measure !== undefined;
};

/**
 * Verify needs a saved design (its results are kept next to the file) with a VPN (there is no overlay to verify
 * otherwise), and no deploy, install or other verify running.
 */
function canVerify(ctx: CommandContext): boolean {
  const { design, file } = ctx.design.getState();
  return ctx.backend !== null && file.name !== null && design.vpn.id !== null && !blockingJobRunning() && !useVerifyStore.getState().starting;
}

/** Starts a verify of `design` (saved as `name`); says in the status bar and the Verify tab why when it does not start. */
async function startVerify(ctx: CommandContext, name: string, design: Design, why: string): Promise<boolean> {
  const store = useVerifyStore.getState();
  store.setStartError(null);
  const result = await store.start(ctx.backend!, name, design, { hostKeys: useCheckStore.getState().hostKeyMode, keys: useSshKeysStore.getState().picked });
  if (!result.ok) {
    const message = `The verify did not start. ${describeError(result.error)}`;
    store.setStartError(message);
    ctx.notify(message);
    return false;
  }
  ctx.notify(why);
  return true;
}

/** The deploys this window started, by job id, with what to verify once they end. */
const verifyAfter = new Map<string, { ctx: CommandContext; name: string; design: Design }>();

/**
 * Verifies the network once the deploy `jobId` ends, if it put the new system on at least one machine. Only the
 * window that started the deploy does it, so a deploy watched from several windows is verified once.
 */
export function verifyAfterDeploy(ctx: CommandContext, jobId: string, name: string, design: Design): void {
  verifyAfter.set(jobId, { ctx, name, design });
}

onJobEvent('deploy', (event) => {
  if (event.type !== 'done') return;
  const pending = verifyAfter.get(event.jobId);
  if (pending === undefined) return;
  verifyAfter.delete(event.jobId);
  const deployed = event.report.machines.filter((m) => m.status === 'deployed').length;
  // Nothing was deployed: every machine runs what it ran before, so there is nothing new to verify.
  if (deployed === 0 || pending.design.vpn.id === null || pending.ctx.backend === null || blockingJobRunning()) return;
  void startVerify(
    pending.ctx,
    pending.name,
    pending.design,
    `The deploy put the new system on ${deployed} ${plural(deployed, 'machine', 'machines')}; verifying the network of ${displayName(pending.name)} now: the Verify tab of the Deploy area shows which machines reach each other.`,
  );
});

/** Verify network and Cancel the verify. */
export const verifyCommands: readonly Command[] = [
  {
    id: 'verifyNetwork',
    label: 'Verify network',
    group: 'deploy',
    capture: 'never',
    keywords: ['verify', 'ping', 'reachability', 'matrix', 'test the vpn', 'overlay', 'connectivity', 'after deploy'],
    predicate: (ctx) => canVerify(ctx),
    perform: async (ctx) => {
      const { design, file } = ctx.design.getState();
      ctx.ui.getState().setActiveArea('deploy');
      useDeployStore.getState().showTab('verify');
      await startVerify(ctx, file.name!, design, 'Verifying the network: every machine pings the others over the VPN. The Verify tab shows each one live, then which pairs reach each other.');
    },
  },
  {
    id: 'cancelVerify',
    label: 'Cancel the verify',
    group: 'deploy',
    capture: 'never',
    keywords: ['stop', 'abort', 'verify network'],
    predicate: (ctx) => ctx.backend !== null && useJobsStore.getState().running.verify !== undefined,
    perform: async (ctx) => {
      const jobId = useJobsStore.getState().running.verify;
      if (jobId === undefined) return;
      const result = await useJobsStore.getState().cancel(ctx.backend!, jobId);
      if (!result.ok) ctx.notify(`The verify could not be cancelled. ${describeError(result.error)}`);
      else ctx.notify(result.value.cancelled ? 'Cancelling the verify. It changes nothing on the machines.' : 'The verify had already ended.');
    },
  },
];
