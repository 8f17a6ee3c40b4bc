import { useId, useMemo } from 'react';
import { computeDeployWaves, type DeployGroup, type DeployPlanMachine } from '../../../shared/model/deployWaves';
import { useDesign } from '../stores/designStore';
import { CheckStatusBadge } from './CheckStatusBadge';
import './deployOrder.css';

type SelectMachine = ((id: string) => void) | undefined;

/** One machine: check status, name (a button when the caller can show it), how it is reached, and why when asked. */
function MachineItem({ item, onSelectMachine, withReason }: { item: DeployPlanMachine; onSelectMachine: SelectMachine; withReason: boolean }) {
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
      </span>
    </li>
  );
}

function MachineList({ machines, onSelectMachine, withReason = false }: { machines: readonly DeployPlanMachine[]; onSelectMachine: SelectMachine; withReason?: boolean }) {
  return (
    <ul className="deploy-order-machines">
      {machines.map((item) => (
        <MachineItem key={item.id} item={item} onSelectMachine={onSelectMachine} withReason={withReason} />
      ))}
    </ul>
  );
}

/** A group outside the waves: overlay-only or not deployable. */
function Group({ group, tone, testId, onSelectMachine }: { group: DeployGroup; tone: 'afterVpn' | 'notDeployable'; testId: string; onSelectMachine: SelectMachine }) {
  const headingId = useId();
  return (
    <section className={`deploy-order-group deploy-order-group-${tone}`} aria-labelledby={headingId} data-testid={testId}>
      <h4 id={headingId}>{group.title}</h4>
      <p className="deploy-order-reason">{group.reason}</p>
      <MachineList machines={group.machines} onSelectMachine={onSelectMachine} withReason={tone === 'notDeployable'} />
    </section>
  );
}

/**
 * The suggested deploy order as a list: numbered waves with the reason for each, every machine with how the admin
 * reaches it and its check status, then the machines reachable only over the VPN and those with no way in. Computed
 * from the design (cached per design object, shared with the canvas badges); "Check machines" confirms it.
 */
export function DeployOrder({ onSelectMachine }: { onSelectMachine?: (id: string) => void }) {
  const design = useDesign((s) => s.design);
  const plan = useMemo(() => computeDeployWaves(design), [design]);
  const titleId = useId();
  const nothing = plan.waves.length === 0 && plan.afterVpn.machines.length === 0 && plan.notDeployable.machines.length === 0;
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
      {plan.waves.length > 0 && (
        <ol className="deploy-waves">
          {plan.waves.map((wave) => (
            <li key={wave.number} className={`deploy-wave deploy-wave-${wave.kind}`} data-testid={`wave-${wave.number}`} aria-labelledby={`${titleId}-wave-${wave.number}`}>
              <h4 id={`${titleId}-wave-${wave.number}`}>
                <span className="deploy-wave-number">Wave {wave.number}</span> {wave.title}
              </h4>
              <p className="deploy-order-reason">{wave.reason}</p>
              <MachineList machines={wave.machines} onSelectMachine={onSelectMachine} />
            </li>
          ))}
        </ol>
      )}
      {plan.afterVpn.machines.length > 0 && <Group group={plan.afterVpn} tone="afterVpn" testId="deploy-after-vpn" onSelectMachine={onSelectMachine} />}
      {plan.notDeployable.machines.length > 0 && <Group group={plan.notDeployable} tone="notDeployable" testId="deploy-not-deployable" onSelectMachine={onSelectMachine} />}
    </section>
  );
}
