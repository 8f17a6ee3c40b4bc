import { memo, useId, useMemo } from 'react';
import { machinesInRunOrder, type DeployPlan, type PlannedMachine, type PlannedStep } from '../../../shared/deploy/plan';
import { plural } from '../../../shared/text';
import { argvText, argvWords, hasPlaceholder } from './argvText';
import { CopyButton } from './CopyButton';
import { DesignErrorsToFix } from './DesignErrorsToFix';
import { dateTimeFormat, wayTitle } from './deployStatus';

type ShowMachine = ((machineId: string) => void) | undefined;
/** Opens the install of NixOS for a machine (the plan on screen only; a past deploy's plan has none). */
type InstallMachine = ((machineId: string) => void) | undefined;

/** A machine's name: a button that shows it on the canvas when the caller can, else plain text. */
function MachineName({ machineId, name, onShowMachine }: { machineId: string; name: string; onShowMachine: ShowMachine }) {
  const shown = name.trim() === '' ? '(unnamed machine)' : name;
  if (onShowMachine === undefined) return <span className="plan-machine-name">{shown}</span>;
  return (
    <button type="button" className="plan-machine-name link-button" onClick={() => onShowMachine(machineId)} title={`Show ${shown} on the canvas`}>
      {shown}
    </button>
  );
}

/** One command of a step as shell words (quoted where a word has spaces or special characters), with a copy button. */
function ArgvCommand({ argv }: { argv: readonly string[] }) {
  const words = argvWords(argv);
  return (
    <div className="plan-command">
      <code className="plan-argv" data-testid="plan-command">
        {words.map((word, i) => (
          // Separate words with a plain space so a copied selection is the command; placeholders are marked.
          <span key={i}>
            {i > 0 && ' '}
            <span className={hasPlaceholder(word) ? 'argv-word argv-placeholder' : 'argv-word'}>{word}</span>
          </span>
        ))}
      </code>
      <CopyButton text={argvText(argv)} label="Copy the command" />
    </div>
  );
}

function StepList({ steps }: { steps: readonly PlannedStep[] }) {
  return (
    <ol className="plan-steps">
      {steps.map((step, i) => (
        <li key={`${step.id}-${i}`} className="plan-step" data-testid={`plan-step-${step.id}`}>
          <span className="plan-step-label">{step.label}</span>
          {step.note !== undefined && <span className="plan-step-note"> {step.note}</span>}
          {step.commands.map((argv, j) => (
            <ArgvCommand key={j} argv={argv} />
          ))}
        </li>
      ))}
    </ol>
  );
}

const changeWords = { added: 'added', changed: 'changed', removed: 'removed' } as const;

/** Which files the deploy changes on the machine: "first deploy", counts with the list to open, or unknown. */
function FileChanges({ files }: { files: PlannedMachine['files'] }) {
  if (files === null) return <p className="plan-files muted">Which files change is not known yet: the plan has not read what this machine has now.</p>;
  if (files.firstDeploy) {
    return (
      <p className="plan-files" data-testid="plan-files">
        First deploy: all {files.changes.length} {plural(files.changes.length, 'file is', 'files are')} new on the machine.
      </p>
    );
  }
  if (files.changes.length === 0) {
    return (
      <p className="plan-files" data-testid="plan-files">
        No file changes: the machine has this configuration already ({files.unchanged} {plural(files.unchanged, 'file', 'files')}).
      </p>
    );
  }
  const count = (change: keyof typeof changeWords) => files.changes.filter((c) => c.change === change).length;
  const summary = (['added', 'changed', 'removed'] as const)
    .filter((c) => count(c) > 0)
    .map((c) => `${count(c)} ${changeWords[c]}`)
    .join(', ');
  return (
    <details className="plan-files" data-testid="plan-files">
      <summary>
        {files.changes.length} {plural(files.changes.length, 'file changes', 'files change')}: {summary}
        {files.unchanged > 0 ? `; ${files.unchanged} unchanged` : ''}
      </summary>
      <ul className="plan-file-list">
        {files.changes.map((c) => (
          <li key={c.path} className={`plan-file plan-file-${c.change}`}>
            <code>{c.path}</code> <span className="plan-file-change">{changeWords[c.change]}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}

/**
 * What a machine needs (its jump host, the VPN's controllers, lighthouses and relays). A machine it needs that goes
 * earlier in the run and fails makes the run skip this one; one that goes later is not waited for.
 */
function Dependencies({ machine, order, onShowMachine }: { machine: PlannedMachine; order: ReadonlyMap<string, number>; onShowMachine: ShowMachine }) {
  const self = order.get(machine.machineId) ?? Number.POSITIVE_INFINITY;
  const earlier = machine.dependsOn.filter((d) => (order.get(d.machineId) ?? Number.POSITIVE_INFINITY) < self);
  const later = (machineId: string) => (order.get(machineId) ?? Number.NEGATIVE_INFINITY) > self;
  return (
    <p className="plan-depends">
      Needs{' '}
      {machine.dependsOn.map((d, i) => (
        <span key={d.machineId}>
          {i > 0 && (i === machine.dependsOn.length - 1 ? ' and ' : ', ')}
          <MachineName machineId={d.machineId} name={d.name} onShowMachine={onShowMachine} /> ({d.why}
          {later(d.machineId) ? ', deployed after this machine' : ''})
        </span>
      ))}
      .
      {earlier.length > 0 && ` If ${earlier.map((d) => d.name).join(' or ')} fails, this machine is skipped.`}
    </p>
  );
}

/** One machine of the plan: how it is reached, what it needs, whether it is blocked and why, its files and steps. */
function PlanMachineItem({ machine, order, onShowMachine, onInstall }: { machine: PlannedMachine; order: ReadonlyMap<string, number>; onShowMachine: ShowMachine; onInstall: InstallMachine }) {
  const blocked = machine.blocked;
  return (
    <li className={`plan-machine${blocked === null ? '' : ' plan-machine-blocked'}`} data-testid={`plan-machine-${machine.name}`} data-blocked={blocked !== null}>
      <div className="plan-machine-head">
        <MachineName machineId={machine.machineId} name={machine.name} onShowMachine={onShowMachine} />
        <span className="plan-machine-how">{machine.how}</span>
        {blocked !== null ? <span className="plan-tag plan-tag-blocked">not deployed</span> : machine.hasSystem === false ? <span className="plan-tag">first deploy</span> : null}
      </div>
      {machine.dependsOn.length > 0 && <Dependencies machine={machine} order={order} onShowMachine={onShowMachine} />}
      {blocked !== null && (
        <div className="plan-blocked" data-testid="plan-blocked">
          <p>
            <strong>Blocked:</strong> {blocked.reason}
          </p>
          <p>
            <strong>What to do:</strong> {blocked.whatToDo}
          </p>
          {/* Installing erases a disk: it opens its own dialog, which asks for the disk and the machine's name. */}
          {blocked.notNixos === true && onInstall !== undefined && (
            <button type="button" className="danger" onClick={() => onInstall(machine.machineId)} data-testid={`plan-install-${machine.name}`}>
              Install NixOS…
            </button>
          )}
        </div>
      )}
      {machine.warnings.map((w) => (
        <p key={w} className="plan-warning">
          {w}
        </p>
      ))}
      {blocked === null && <FileChanges files={machine.files} />}
      {machine.steps.length > 0 && (
        <details className="plan-machine-steps">
          <summary>
            {machine.steps.length} steps, with the exact commands
          </summary>
          <StepList steps={machine.steps} />
        </details>
      )}
    </li>
  );
}

function MachineList({ machines, order, onShowMachine, onInstall }: { machines: readonly PlannedMachine[]; order: ReadonlyMap<string, number>; onShowMachine: ShowMachine; onInstall: InstallMachine }) {
  return (
    <ul className="plan-machines">
      {machines.map((m) => (
        <PlanMachineItem key={m.machineId} machine={m} order={order} onShowMachine={onShowMachine} onInstall={onInstall} />
      ))}
    </ul>
  );
}

/** Counts for the plan's first line: machines to deploy, waves, blocked ones. */
function planCounts(plan: DeployPlan): { deploy: number; waves: number; blocked: number; firstDeploys: number } {
  const all = [...plan.afterVpn, ...plan.waves.flatMap((w) => w.machines)];
  const deploy = all.filter((m) => m.blocked === null);
  return {
    deploy: plan.blockedAll === null ? deploy.length : 0,
    waves: plan.waves.filter((w) => w.machines.some((m) => m.blocked === null)).length,
    blocked: all.length - deploy.length + plan.notDeployable.length,
    firstDeploys: deploy.filter((m) => m.hasSystem === false).length,
  };
}

/**
 * A deploy plan as the Deploy area shows it (and the history, for a past deploy): how the deploy works and why, the
 * vars helper, wave by wave each machine with how it is reached, what it needs, why it is blocked and what to do,
 * the files that change, and the exact commands of every step.
 */
export const DeployPlanView = memo(function DeployPlanView({
  plan,
  onShowMachine,
  onInstall,
  stale = false,
  title = 'Plan',
}: {
  plan: DeployPlan;
  onShowMachine?: (machineId: string) => void;
  /** Given for the plan on screen: machines that do not run NixOS yet get "Install NixOS…". */
  onInstall?: (machineId: string) => void;
  stale?: boolean;
  title?: string;
}) {
  const headingId = useId();
  const counts = planCounts(plan);
  // Where each machine comes in the run, to tell what a machine's failure means for the machines that need it.
  const order = useMemo(() => new Map(machinesInRunOrder(plan).map((m, i) => [m.machineId, i])), [plan]);
  return (
    <section className="deploy-plan" aria-labelledby={headingId} data-testid="deploy-plan">
      <div className="plan-head">
        <h3 id={headingId}>{title}</h3>
        <span className="deploy-meta">made {dateTimeFormat.format(plan.createdAt)}; planning changes nothing on any machine</span>
      </div>
      {stale && (
        <p className="plan-stale" role="note" data-testid="plan-stale">
          The design changed since this plan was made. Plan again to see what a deploy would do now.
        </p>
      )}
      {plan.blockedAll !== null ? (
        <div className="plan-blocked plan-blocked-all" role="alert" data-testid="plan-blocked-all">
          <p>
            <strong>Nothing can be deployed:</strong> {plan.blockedAll}
          </p>
          <DesignErrorsToFix />
        </div>
      ) : (
        <p className="plan-summary" data-testid="plan-summary">
          {counts.deploy === 0
            ? 'No machine can be deployed now; each one below says why and what to do.'
            : `${counts.deploy} ${plural(counts.deploy, 'machine', 'machines')} will be deployed${counts.waves > 0 ? ` in ${counts.waves} ${plural(counts.waves, 'wave', 'waves')}` : ''}, up to ${plan.concurrency} at a time`}
          {counts.deploy > 0 && counts.blocked > 0 ? `; ${counts.blocked} ${plural(counts.blocked, 'is', 'are')} not deployed` : ''}
          {counts.deploy > 0 ? '.' : ''}
          {counts.deploy > 0 && (
            <>
              {' '}
              Each machine switches back to its previous system by itself unless the app confirms the switch within {plan.confirmSeconds} s
              {counts.firstDeploys > 0 ? ` (not on a first deploy: ${counts.firstDeploys === 1 ? 'that machine has' : 'those machines have'} no previous system)` : ''}.
            </>
          )}
        </p>
      )}
      <section className="plan-section" aria-label="How the deploy works">
        <h4>{wayTitle[plan.way]}</h4>
        <p data-testid="plan-way">{plan.wayReason}</p>
      </section>
      {(plan.varsHelper !== null || plan.varsNote !== null) && (
        <section className="plan-section" aria-label="Vars and secrets" data-testid="plan-vars">
          <h4>Vars and secrets</h4>
          {plan.varsHelper !== null && (
            <p>
              Made on the vars helper <MachineName machineId={plan.varsHelper.machineId} name={plan.varsHelper.name} onShowMachine={onShowMachine} /> before any machine is deployed.
            </p>
          )}
          {plan.varsNote !== null && <p>{plan.varsNote}</p>}
          {plan.varsHelper !== null && (
            <details className="plan-machine-steps">
              <summary>{plan.varsHelper.steps.length} steps, with the exact commands</summary>
              <StepList steps={plan.varsHelper.steps} />
            </details>
          )}
        </section>
      )}
      {plan.afterVpn.length > 0 && (
        <section className="plan-wave" aria-label="First, over the VPN" data-testid="plan-after-vpn">
          <h4>First, over the VPN</h4>
          <p className="plan-reason">These machines are reached only over the VPN, which already runs; they are updated before the machines that carry it.</p>
          <MachineList machines={plan.afterVpn} order={order} onShowMachine={onShowMachine} onInstall={onInstall} />
        </section>
      )}
      {plan.waves.length > 0 && (
        <ol className="plan-waves">
          {plan.waves.map((wave) => (
            <li key={wave.number} className="plan-wave" data-testid={`plan-wave-${wave.number}`} aria-label={`Wave ${wave.number}: ${wave.title}`}>
              <h4>
                <span className="plan-wave-number">Wave {wave.number}</span> {wave.title}
              </h4>
              <p className="plan-reason">{wave.reason}</p>
              <MachineList machines={wave.machines} order={order} onShowMachine={onShowMachine} onInstall={onInstall} />
            </li>
          ))}
        </ol>
      )}
      {plan.notDeployable.length > 0 && (
        <section className="plan-wave plan-not-deployable" aria-label="Not deployed" data-testid="plan-not-deployable">
          <h4>Not deployed: no way in</h4>
          <MachineList machines={plan.notDeployable} order={order} onShowMachine={onShowMachine} onInstall={onInstall} />
        </section>
      )}
      <p className="deploy-meta plan-footnote">
        Words in <span className="argv-placeholder">&lt;angle brackets&gt;</span> are filled in by the run (the system the build makes, the one the machine ran before, the run’s id); quoted words are one argument each.
      </p>
    </section>
  );
});
