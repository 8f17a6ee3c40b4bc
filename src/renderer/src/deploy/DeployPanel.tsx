import { appContext } from '../app/appContext';
import { executeCommand, getCommand, isEnabled } from '../commands/registry';
import { useDesign } from '../stores/designStore';
import { useRunningJob } from '../stores/jobsStore';
import { useUiStore } from '../stores/uiStore';
import { useCheckStore } from './checkStore';
import { DeployPlanView } from './DeployPlanView';
import { DeployRunView } from './DeployRunView';
import { useDeployStore, useIsDeploying } from './deployStore';
import { InstallDialog } from './InstallDialog';
import { useInstallStore } from './installStore';
import { showMachineOnCanvas } from './showOnCanvas';
import { useSshKeysStore } from './sshKeysStore';

/** Whether a command can run now; the panel re-renders on what its predicates read (design, plan, jobs). */
const enabled = (id: string) => {
  const command = getCommand(id);
  return command !== undefined && isEnabled(command, appContext);
};

/** "Install NixOS…" of a machine in the plan: the registry's command, so it is enabled and behaves as in the palette. */
const installMachine = (machineId: string) => void executeCommand(appContext, 'installNixos', { machineId });

/**
 * The Deploy tab: "Plan deploy" (a dry run that shows what would happen on every machine) and "Deploy…", then the
 * deploy live and its summary. Both buttons run the registry's commands, so they behave as in menus and the palette.
 */
export function DeployPanel() {
  const fileName = useDesign((s) => s.file.name);
  const design = useDesign((s) => s.design);
  const hasManaged = useDesign((s) => Object.values(s.design.machines).some((m) => m.managed));
  const view = useDeployStore((s) => s.view);
  const plan = useDeployStore((s) => s.plan);
  const planFor = useDeployStore((s) => s.planFor);
  const planDesign = useDeployStore((s) => s.planDesign);
  const planning = useDeployStore((s) => s.planning);
  const planError = useDeployStore((s) => s.planError);
  const starting = useDeployStore((s) => s.starting);
  const startError = useDeployStore((s) => s.startError);
  const runFor = useDeployStore((s) => (s.run === null ? undefined : s.run.forFile));
  const deploying = useIsDeploying();
  const hostKeyMode = useCheckStore((s) => s.hostKeyMode);
  const picked = useSshKeysStore((s) => s.picked);
  const setDialog = useUiStore((s) => s.setDialog);
  const installing = useRunningJob('install');
  const installOpen = useInstallStore((s) => s.open);

  const planShown = plan !== null && planFor === fileName ? plan : null;
  // The machines can be shown on the canvas only when the run or plan is of the design on screen.
  const showRun = runFor !== undefined && (deploying || view === 'run');
  const runOfThisFile = runFor !== undefined && runFor === fileName;

  const installingMachine = installing === null ? undefined : installing.machines[installing.order[0] ?? ''];
  const status = installing !== null
    ? `Installing NixOS on ${installingMachine?.name ?? 'a machine'}${installingMachine?.step == null ? '' : ` (step ${installingMachine.step.index} of ${installingMachine.step.total})`}; deploys wait until it ends.`
    : deploying
    ? runOfThisFile
      ? 'A deploy of this design is running.'
      : `A deploy of ${runFor ?? 'another design'} is running; one deploy runs at a time.`
    : planning
      ? 'Planning: reading the machines over SSH, changing nothing…'
      : starting
        ? 'Starting the deploy…'
        : fileName === null
          ? 'Save the design first: its configuration and the record of each deploy are kept next to the design file.'
          : !hasManaged
            ? 'This design has no machines the app manages yet.'
            : 'Plan first to see what a deploy would do; Deploy asks before it changes anything.';

  return (
    <div className="deploy-panel-body">
      <div className="deploy-toolbar">
        <strong>Deploy</strong>
        <span className="deploy-meta" role="status" data-testid="deploy-status">
          {status}
        </span>
        <span className="toolbar-spacer" />
        <span className="deploy-meta" title="Set in the Machines tab, as for Check machines">
          SSH keys: {picked === null ? 'automatic' : `${picked.length} picked`} · new host keys: {hostKeyMode === 'ask' ? 'ask me' : 'refuse'}
        </span>
        {fileName === null && (
          <button type="button" onClick={() => setDialog('saveAs')}>
            Save as…
          </button>
        )}
        {installing !== null && !installOpen && (
          <button type="button" onClick={() => useInstallStore.getState().openFor(null)} data-testid="install-show">
            Show the install
          </button>
        )}
        {runFor !== undefined && !deploying && (
          <button type="button" onClick={() => useDeployStore.getState().showView(view === 'run' ? 'plan' : 'run')} data-testid="deploy-switch-view">
            {view === 'run' ? 'Show the plan' : 'Show the last deploy'}
          </button>
        )}
        <button type="button" disabled={!enabled('planDeploy')} onClick={() => void executeCommand(appContext, 'planDeploy')} data-testid="plan-deploy">
          Plan deploy
        </button>
        {/* While a deploy runs, its Cancel button sits by its progress bar, in the run below. */}
        {!deploying && (
          <button type="button" className="primary" disabled={!enabled('deploy')} onClick={() => void executeCommand(appContext, 'deploy')} data-testid="deploy-start">
            Deploy…
          </button>
        )}
      </div>
      {planError !== null && view === 'plan' && (
        <p className="error-text" role="alert" data-testid="plan-error">
          The deploy could not be planned. {planError}
        </p>
      )}
      {startError !== null && (
        <p className="error-text" role="alert" data-testid="deploy-start-error">
          {startError}
        </p>
      )}
      <div className="deploy-scroll">
        {showRun ? (
          <DeployRunView onShowMachine={runOfThisFile ? showMachineOnCanvas : undefined} />
        ) : planShown !== null ? (
          <DeployPlanView plan={planShown} onShowMachine={showMachineOnCanvas} onInstall={installMachine} stale={planDesign !== design} />
        ) : (
          <div className="deploy-empty">
            <h3>See what a deploy would do, before it does anything</h3>
            <p>
              “Plan deploy” reads each machine over SSH, changing nothing, and shows the order the machines go in, how each one is reached, the files
              that change, the exact commands of every step, and anything that stops a machine, with what to do.
            </p>
            <p>
              “Deploy…” then says what will happen and asks first. Each machine arms a watchdog before it switches: unless the app confirms the new
              system over a new SSH connection in time, the machine switches back by itself, even when the new configuration cut off your way in.
            </p>
          </div>
        )}
      </div>
      <InstallDialog />
    </div>
  );
}
