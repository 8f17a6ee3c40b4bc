import { describeError } from '../../../shared/errors';
import type { Design } from '../../../shared/model/types';
import { plural } from '../../../shared/text';
import { useCheckStore } from '../deploy/checkStore';
import { useDeployStore } from '../deploy/deployStore';
import { useMeasureStore, type PickedPair } from '../deploy/measureStore';
import { useSshKeysStore } from '../deploy/sshKeysStore';
import { useJobsStore } from '../stores/jobsStore';
import type { Command, CommandContext } from './types';

// "Measure my network" (issue 15): iperf3 and ping over the VPN between the pairs picked in the Measure tab (by
// default each site's best machine to the admin's), each figure next to the benchmark's for the same VPN at the
// closest impairment profile. It changes no document (capture "never"): its runs are kept beside the design file,
// where the advisor reads the newest.

/** Whether a job that blocks a measurement is running: another measurement, a deploy, an install or a verify (main refuses those too). */
const blockingJobRunning = () => {
  const { running } = useJobsStore.getState();
  return running.measure !== undefined || running.deploy !== undefined || running.install !== undefined || running.verify !== undefined;
};

/** A measurement needs a saved design (its runs are kept next to the file) with a VPN, and nothing else running that it would disturb or be disturbed by. */
function canMeasure(ctx: CommandContext): boolean {
  const { design, file } = ctx.design.getState();
  return ctx.backend !== null && file.name !== null && design.vpn.id !== null && !blockingJobRunning() && !useMeasureStore.getState().starting;
}

/**
 * The pairs to measure: those picked in the Measure tab for this file, else the default pairs. Those are worked out
 * by the pair planner, which needs the configuration generator's view of the design; it loads with the command
 * rather than with the first screen.
 */
async function pairsToMeasure(name: string, design: Design): Promise<{ pairs: readonly PickedPair[]; why: string }> {
  const picked = useMeasureStore.getState().picked;
  if (picked !== null && picked.forFile === name && picked.pairs.length > 0) return { pairs: picked.pairs, why: '' };
  const { planDefaultPairs } = await import('../../../shared/measure/pairs');
  const plan = planDefaultPairs(design);
  return { pairs: plan.pairs.map((p) => ({ from: p.from, to: p.to })), why: plan.description };
}

/** Measure my network and Cancel the measurement. */
export const measureCommands: readonly Command[] = [
  {
    id: 'measureNetwork',
    label: 'Measure my network',
    group: 'deploy',
    capture: 'never',
    keywords: ['measure', 'iperf3', 'throughput', 'speed', 'bandwidth', 'ping', 'latency', 'loss', 'benchmark', 'compare my links'],
    predicate: (ctx) => canMeasure(ctx),
    perform: async (ctx) => {
      const { design, file } = ctx.design.getState();
      ctx.ui.getState().setActiveArea('deploy');
      useDeployStore.getState().showTab('measure');
      const store = useMeasureStore.getState();
      store.setStartError(null);
      const { pairs, why } = await pairsToMeasure(file.name!, design);
      if (pairs.length === 0) {
        const message = `Nothing was measured. ${why} Pick a pair of machines in the Measure tab.`;
        store.setStartError(message);
        ctx.notify(message);
        return;
      }
      const result = await store.start(ctx.backend!, file.name!, design, pairs, { hostKeys: useCheckStore.getState().hostKeyMode, keys: useSshKeysStore.getState().picked });
      if (!result.ok) {
        const message = `The measurement did not start. ${describeError(result.error)}`;
        store.setStartError(message);
        ctx.notify(message);
        return;
      }
      ctx.notify(`Measuring ${pairs.length} ${plural(pairs.length, 'link', 'links')} over the VPN, one after the other. The Measure tab shows each one live, then the figures next to the benchmark's.`);
    },
  },
  {
    id: 'cancelMeasure',
    label: 'Cancel the measurement',
    group: 'deploy',
    capture: 'never',
    keywords: ['stop', 'abort', 'measure my network'],
    predicate: (ctx) => ctx.backend !== null && useJobsStore.getState().running.measure !== undefined,
    perform: async (ctx) => {
      const jobId = useJobsStore.getState().running.measure;
      if (jobId === undefined) return;
      const result = await useJobsStore.getState().cancel(ctx.backend!, jobId);
      if (!result.ok) ctx.notify(`The measurement could not be cancelled. ${describeError(result.error)}`);
      else ctx.notify(result.value.cancelled ? 'Cancelling the measurement: iperf3 and ping are stopped on the machines.' : 'The measurement had already ended.');
    },
  },
];
