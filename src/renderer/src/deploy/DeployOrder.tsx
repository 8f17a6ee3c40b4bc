import { useId, useMemo } from 'react';
import { computeDeployWaves, planMachines, type DeployGroup, type DeployPlanMachine } from '../../../shared/model/deployWaves';
import { confirmReach, summarizeReach, type ReachState } from '../../../shared/model/reachConfirmation';
import type { Design, MachineId } from '../../../shared/model/types';
import type { MachineCheckResult } from '../../../shared/check';
import { useDesign } from '../stores/designStore';
import { checkResultsShownFor, useCheckStore, useIsChecking } from './checkStore';
import { CheckStatusBadge } from './CheckStatusBadge';
import './deployOrder.css';

type SelectMachine = ((id: string) => void) | undefined;

/** What the list items need besides their machine: the design (for jump host names) and the file on screen. */
interface ItemContext {
  design: Design;
  fileName: string | null;
  onSelectMachine: SelectMachine;
}

/** The symbol beside each outcome; the text says the same in words, so the symbol is hidden from screen readers. */
const reachSymbols: Record<ReachState, string> = {
  confirmed: '✓',
  answered: '✓',
  different: '↪',
  better: '↑',
  failed: '✕',
  unchecked: '–',
};

/** Whether the last check confirmed the predicted way in; nothing until the check has a result for the machine. */
function ReachLine({ item, ctx }: { item: DeployPlanMachine; ctx: ItemContext }) {
  // Its own subscription, like the status badge: a check in progress re-renders only the lines whose result changed.
  const checking = useIsChecking();
  const result = useCheckStore((s) => (checkResultsShownFor(s.forFile, checking, ctx.fileName) ? (s.machines[item.id]?.result ?? undefined) : undefined));
  if (result === undefined) return null;
  const { state, text } = confirmReach(item, result, ctx.design);
  return (
    <span className={`deploy-order-reach deploy-order-reach-${state}`} data-testid={`order-reach-${item.name}`} data-reach-state={state}>
      <span className="deploy-order-reach-symbol" aria-hidden="true">
        {reachSymbols[state]}
      </span>
      {text}
    </span>
  );
}

/** One machine: check status, name (a button when the caller can show it), how it is reached, and why when asked. */
function MachineItem({ item, ctx, withReason }: { item: DeployPlanMachine; ctx: ItemContext; withReason: boolean }) {
  const { onSelectMachine } = ctx;
  const name = item.name.trim() === '' ? '(unnamed machine)' : item.name;
  return (
    <li className="deploy-order-machine" data-testid={`order-machine-${item.name}`}>
      {/* A fixed slot, so names line up whether or not the machine was checked. */}
      <span className="deploy-order-status">
        <CheckStatusBadge machineId={item.id} />
      </span>
      <span className="deploy-order-text">
        {onSelectMachine === undefined ? (
          <span className="deploy-order-name">{name}</span>
        ) : (
          <button type="button" className="deploy-order-name link-button" onClick={() => onSelectMachine(item.id)} title={`Show ${name} on the canvas`}>
            {name}
          </button>
        )}
        {/* For machines with no way in, the reason says it all ("no way in" would only repeat the heading). */}
        {withReason ? <span className="deploy-order-why">{item.reach.reason}</span> : <span className="deploy-order-how">{item.how}</span>}
        <ReachLine item={item} ctx={ctx} />
      </span>
    </li>
  );
}

function MachineList({ machines, ctx, withReason = false }: { machines: readonly DeployPlanMachine[]; ctx: ItemContext; withReason?: boolean }) {
  return (
    <ul className="deploy-order-machines">
      {machines.map((item) => (
        <MachineItem key={item.id} item={item} ctx={ctx} withReason={withReason} />
      ))}
    </ul>
  );
}

/** A group outside the waves: overlay-only or not deployable. */
function Group({ group, tone, testId, ctx }: { group: DeployGroup; tone: 'afterVpn' | 'notDeployable'; testId: string; ctx: ItemContext }) {
  const headingId = useId();
  return (
    <section className={`deploy-order-group deploy-order-group-${tone}`} aria-labelledby={headingId} data-testid={testId}>
      <h4 id={headingId}>{group.title}</h4>
      <p className="deploy-order-reason">{group.reason}</p>
      <MachineList machines={group.machines} ctx={ctx} withReason={tone === 'notDeployable'} />
    </section>
  );
}

/** Results of the finished check shown for this file; null while a check runs (its lines fill in one by one). */
function useFinishedResults(fileName: string | null): Readonly<Record<string, { result: MachineCheckResult | null }>> | null {
  const checking = useIsChecking();
  return useCheckStore((s) => (!checking && checkResultsShownFor(s.forFile, false, fileName) ? s.machines : null));
}

/**
 * The suggested deploy order as a list: numbered waves with the reason for each, every machine with how the admin
 * reaches it and its check status, then the machines reachable only over the VPN and those with no way in. Computed
 * from the design (cached per design object, shared with the canvas badges); "Check machines" confirms it, and each
 * machine then says whether the check found the predicted way in, with a one-line summary under the introduction.
 */
export function DeployOrder({ onSelectMachine }: { onSelectMachine?: (id: string) => void }) {
  const design = useDesign((s) => s.design);
  const fileName = useDesign((s) => s.file.name);
  const plan = useMemo(() => computeDeployWaves(design), [design]);
  const ctx = useMemo<ItemContext>(() => ({ design, fileName, onSelectMachine }), [design, fileName, onSelectMachine]);
  const finished = useFinishedResults(fileName);
  const summary = useMemo(() => {
    if (finished === null) return null;
    const results = Object.values(finished).flatMap((entry) => (entry.result === null ? [] : [entry.result]));
    if (!results.some((r) => plan.placeById.has(r.machineId as MachineId))) return null;
    return summarizeReach(plan, results, design).text;
  }, [finished, plan, design]);
  const titleId = useId();
  const nothing = planMachines(plan).length === 0;
  return (
    <section className="deploy-order" data-testid="deploy-order" aria-labelledby={titleId}>
      <h3 id={titleId}>Deploy order</h3>
      {nothing ? (
        <p className="deploy-order-intro">No machines to deploy yet. Add machines the app manages in the Design area.</p>
      ) : (
        <p className="deploy-order-intro">
          Suggested from the design so you never cut off your own way in: a machine reached through another one is deployed before it. “Check machines”
          confirms which machines answer.
        </p>
      )}
      {summary !== null && (
        <p className="deploy-order-reach-summary" data-testid="deploy-reach-summary">
          {summary}
        </p>
      )}
      {plan.waves.length > 0 && (
        <ol className="deploy-waves">
          {plan.waves.map((wave) => (
            <li key={wave.number} className={`deploy-wave deploy-wave-${wave.kind}`} data-testid={`wave-${wave.number}`} aria-labelledby={`${titleId}-wave-${wave.number}`}>
              <h4 id={`${titleId}-wave-${wave.number}`}>
                <span className="deploy-wave-number">Wave {wave.number}</span> {wave.title}
              </h4>
              <p className="deploy-order-reason">{wave.reason}</p>
              <MachineList machines={wave.machines} ctx={ctx} />
            </li>
          ))}
        </ol>
      )}
      {plan.afterVpn.machines.length > 0 && <Group group={plan.afterVpn} tone="afterVpn" testId="deploy-after-vpn" ctx={ctx} />}
      {plan.notDeployable.machines.length > 0 && <Group group={plan.notDeployable} tone="notDeployable" testId="deploy-not-deployable" ctx={ctx} />}
    </section>
  );
}
