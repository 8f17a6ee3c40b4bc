import type { DeployPlan } from '../../../shared/deploy/plan';
import { describeError, type AppError } from '../../../shared/errors';
import type { Design } from '../../../shared/model/types';
import { describeGenerateError } from '../../../shared/nix/errors';
import { loadChunk, reportChunkFailure } from '../app/chunks';
import { cancelCheck, startCheck, useCheckStore } from '../deploy/checkStore';
import { deployConfirmation } from '../deploy/deployConfirmation';
import { useDeployStore, type DeployTab } from '../deploy/deployStore';
import { describeWrite, useGenerateStore } from '../deploy/generateStore';
import { useInstallStore } from '../deploy/installStore';
import { useSshKeysStore } from '../deploy/sshKeysStore';
import { useJobsStore } from '../stores/jobsStore';
import { displayName } from './fileActions';
import { verifyAfterDeploy } from './verifyCommands';
import type { Command, CommandContext } from './types';

// The Deploy area's commands. They change no document (capture "never"): writing the configuration, checking
// machines, planning and deploying are work on disk and over SSH, started here and shown by the Deploy area and the
// canvas.

const checkRunning = () => useJobsStore.getState().running.check !== undefined;
const deployRunning = () => useJobsStore.getState().running.deploy !== undefined;
const installRunning = () => useJobsStore.getState().running.install !== undefined;
/** Machines NixOS can be installed on from here: managed, with an SSH address. */
const installableMachines = (ctx: CommandContext) => Object.values(ctx.design.getState().design.machines).filter((m) => m.managed && m.ssh !== null && m.ssh.host.trim() !== '');
/** The machine "Install NixOS…" was asked for (from the plan), if any. */
const machineArg = (args: unknown): string | null => (typeof args === 'object' && args !== null && typeof (args as { machineId?: unknown }).machineId === 'string' ? (args as { machineId: string }).machineId : null);
const hasManagedMachines = (ctx: CommandContext) => Object.values(ctx.design.getState().design.machines).some((m) => m.managed);
/** Plan and deploy need a saved design: its configuration and the record of each deploy live next to its file. */
const canPlan = (ctx: CommandContext) => ctx.backend !== null && ctx.design.getState().file.name !== null && hasManagedMachines(ctx) && !deployRunning();

/** A plan this recent, of the very design on screen, is what "Deploy…" confirms without reading the machines again. */
const PLAN_FRESH_MS = 5 * 60_000;

/** Opens a tab of the Deploy area. */
function openDeployTab(ctx: CommandContext, tab: DeployTab): void {
  ctx.ui.getState().setActiveArea('deploy');
  useDeployStore.getState().showTab(tab);
}

/** Generates the design's configuration (the generator loads on first use); null when it cannot, after saying why. */
async function generateFiles(ctx: CommandContext, design: Design): Promise<Readonly<Record<string, string>> | null> {
  const generator = await loadChunk('the configuration generator', () => import('../../../shared/nix/generate')).catch((error: unknown) => {
    if (!reportChunkFailure(error)) throw error;
    return null;
  });
  if (generator === null) return null;
  const generated = generator.generateClan(design);
  if (!generated.ok) {
    ctx.notify(`The configuration cannot be generated yet. ${describeGenerateError(generated.error)}`);
    return null;
  }
  return generated.value.files;
}

/**
 * Writes the Clan configuration the design turns into to the folder next to its file. Files edited there by hand
 * are replaced only after the user agreed.
 */
async function writeConfiguration(ctx: CommandContext): Promise<void> {
  const backend = ctx.backend;
  const { design, file } = ctx.design.getState();
  if (backend === null) return;
  if (file.name === null) {
    ctx.notify('Save the design first: its configuration is written next to the design file.');
    ctx.ui.getState().openDialog('saveAs');
    return;
  }
  const files = await generateFiles(ctx, design);
  if (files === null) return;
  const name = file.name;
  const { write } = useGenerateStore.getState();
  let result = await write(backend, name, design, files, false);
  if (!result.ok && result.error.code === 'generatedFilesChanged') {
    if (!(await ctx.confirm('Overwrite your changes?', 'Files you edited in the configuration folder will be replaced by the generated ones.'))) return;
    result = await write(backend, name, design, files, true);
  }
  if (!result.ok) {
    ctx.notify(`Could not write the configuration of ${displayName(name)}. ${describeError(result.error)}`);
    return;
  }
  ctx.notify(describeWrite(result.value));
}

/** Plans a deploy of the design on screen and shows the plan in the Deploy area; null when no plan could be made. */
async function planDeploy(ctx: CommandContext): Promise<DeployPlan | null> {
  const { design, file } = ctx.design.getState();
  openDeployTab(ctx, 'deploy');
  const store = useDeployStore.getState();
  store.showView('plan');
  const working = 'Planning the deploy: reading the machines over SSH, changing nothing…';
  ctx.notify(working);
  const plan = await store.makePlan(ctx.backend!, file.name!, design);
  ctx.clearNotice(working);
  const error = useDeployStore.getState().planError;
  if (plan === null && error !== null) ctx.notify(`The deploy could not be planned. ${error}`);
  return plan;
}

/** The paths a generatedFilesChanged error names. */
function conflictPaths(error: AppError): string[] {
  const conflicts = error.details?.conflicts;
  return Array.isArray(conflicts) ? conflicts.flatMap((c: unknown) => (typeof c === 'object' && c !== null && typeof (c as { path?: unknown }).path === 'string' ? [(c as { path: string }).path] : [])) : [];
}

/**
 * Starts the deploy. The back end writes the configuration first and refuses when files were edited by hand there;
 * since a deploy puts the generated files on the machines, the person may replace the edits and go on.
 */
async function startDeploy(ctx: CommandContext, name: string, design: Design): Promise<void> {
  const store = useDeployStore.getState();
  const ssh = { hostKeys: useCheckStore.getState().hostKeyMode, keys: useSshKeysStore.getState().picked };
  store.setStartError(null);
  let result = await store.start(ctx.backend!, name, design, ssh);
  if (!result.ok && result.error.code === 'generatedFilesChanged') {
    const paths = conflictPaths(result.error);
    const edited = paths.length === 0 ? 'Files in the configuration folder were' : `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ' and more' : ''} ${paths.length === 1 ? 'was' : 'were'}`;
    const agreed = await ctx.confirm(
      'Replace your edited files and deploy?',
      `${edited} edited by hand since the app wrote ${paths.length === 1 ? 'it' : 'them'}. A deploy puts the generated configuration on the machines, so it needs the generated files.\nContinue replaces your edits with the generated files and deploys. Cancel keeps them, and nothing is deployed: copy your changes elsewhere first if you want to keep them.`,
    );
    if (!agreed) return;
    const files = await generateFiles(ctx, design);
    if (files === null) return;
    const written = await useGenerateStore.getState().write(ctx.backend!, name, design, files, true);
    if (!written.ok) {
      const message = `The deploy did not start: the configuration could not be written. ${describeError(written.error)}`;
      store.setStartError(message);
      ctx.notify(message);
      return;
    }
    result = await store.start(ctx.backend!, name, design, ssh);
  }
  if (!result.ok) {
    const message = `The deploy did not start. ${describeError(result.error)}`;
    store.setStartError(message);
    ctx.notify(message);
    return;
  }
  // Once it ends, the network is verified by itself if the deploy put the new system on at least one machine.
  verifyAfterDeploy(ctx, result.value.jobId, name, design);
  ctx.notify('Deploying: the Deploy area shows every machine live.');
}

/** Plans (unless the plan on screen is of this design and recent), asks, then deploys. */
async function deploy(ctx: CommandContext): Promise<void> {
  const { design, file, savedDesign } = ctx.design.getState();
  const name = file.name!;
  const store = useDeployStore.getState();
  const fresh = store.plan !== null && store.planFor === name && store.planDesign === design && store.planReceivedAt !== null && Date.now() - store.planReceivedAt < PLAN_FRESH_MS;
  openDeployTab(ctx, 'deploy');
  const plan = fresh ? store.plan : await planDeploy(ctx);
  if (plan === null) return;
  useDeployStore.getState().showView('plan');
  const folder = useGenerateStore.getState().forFile === name ? (useGenerateStore.getState().folder ?? `${displayName(name)}.clan`) : `${displayName(name)}.clan`;
  const confirmation = deployConfirmation(plan, { folder, unsavedChanges: design !== savedDesign });
  if (confirmation.deployable === 0) {
    ctx.notify(`Nothing can be deployed now: ${confirmation.nothingBecause} The plan in the Deploy area says what to do.`);
    return;
  }
  if (!(await ctx.confirm(confirmation.title, confirmation.message))) return;
  // The person may have edited the design while the question was open: deploy what they confirmed.
  await startDeploy(ctx, name, design);
}

/** Cancels the running deploy, whichever window started it. */
async function cancelDeploy(ctx: CommandContext): Promise<void> {
  const jobId = useJobsStore.getState().running.deploy;
  if (jobId === undefined) return;
  const result = await useJobsStore.getState().cancel(ctx.backend!, jobId);
  if (!result.ok) {
    ctx.notify(`The deploy could not be cancelled. ${describeError(result.error)}`);
    return;
  }
  ctx.notify(
    result.value.cancelled
      ? 'Cancelling the deploy: machines that have not started will not start; a machine in the middle of its switch finishes it, and its watchdog then switches it back.'
      : 'The deploy had already ended.',
  );
}

/**
 * Write configuration, Check machines, Cancel the check, Plan deploy, Deploy…, Install NixOS on a machine…, Cancel the
 * deploy and Show deploy history.
 */
export const deployCommands: readonly Command[] = [
  {
    id: 'writeConfiguration',
    label: 'Write configuration',
    group: 'deploy',
    capture: 'never',
    keywords: ['generate', 'clan', 'nix', 'flake', 'inventory', 'export'],
    predicate: (ctx) => ctx.backend !== null,
    perform: (ctx) => writeConfiguration(ctx),
  },
  {
    id: 'checkMachines',
    label: 'Check machines',
    group: 'deploy',
    capture: 'never',
    keywords: ['preflight', 'ssh', 'reachable', 'test', 'nixos'],
    predicate: (ctx) => ctx.backend !== null && !checkRunning() && !useCheckStore.getState().starting && Object.values(ctx.design.getState().design.machines).some((m) => m.managed),
    perform: async (ctx) => {
      const { design, file } = ctx.design.getState();
      await startCheck(ctx.backend!, design, file.name);
      const error = useCheckStore.getState().error;
      ctx.notify(error ?? 'Checking the machines: the canvas shows each one’s result, the Deploy area the details.');
    },
  },
  {
    id: 'cancelCheck',
    label: 'Cancel the check',
    group: 'deploy',
    capture: 'never',
    keywords: ['stop', 'abort', 'check machines'],
    predicate: (ctx) => ctx.backend !== null && checkRunning(),
    perform: (ctx) => cancelCheck(ctx.backend!),
  },
  {
    id: 'planDeploy',
    label: 'Plan deploy',
    group: 'deploy',
    capture: 'never',
    keywords: ['dry run', 'preview', 'what will change', 'waves', 'commands'],
    predicate: (ctx) => canPlan(ctx) && !useDeployStore.getState().planning,
    perform: async (ctx) => {
      await planDeploy(ctx);
    },
  },
  {
    id: 'deploy',
    label: 'Deploy…',
    group: 'deploy',
    capture: 'never',
    keywords: ['install', 'apply', 'switch', 'push', 'update machines', 'nixos'],
    // Not while the plan on screen is of this very design and says nothing can be deployed: it says why.
    predicate: (ctx) => {
      if (!canPlan(ctx) || installRunning()) return false;
      const { plan, planFor, planDesign, planning, starting } = useDeployStore.getState();
      if (planning || starting) return false;
      const { design, file } = ctx.design.getState();
      return !(plan !== null && planFor === file.name && planDesign === design && deployConfirmation(plan, { folder: '', unsavedChanges: false }).deployable === 0);
    },
    perform: (ctx) => deploy(ctx),
  },
  {
    // Installing erases a disk: it opens its own dialog (pick the disk, type the machine's name), never part of a deploy.
    id: 'installNixos',
    label: 'Install NixOS on a machine…',
    group: 'deploy',
    capture: 'never',
    keywords: ['nixos-anywhere', 'clan machines install', 'erase', 'disk', 'fresh', 'new machine', 'kexec'],
    predicate: (ctx, args) => {
      if (ctx.backend === null || ctx.design.getState().file.name === null) return false;
      // While an install runs the dialog shows it; otherwise the machine (if named) must be one that can be installed.
      if (installRunning()) return true;
      const machineId = machineArg(args);
      const machines = installableMachines(ctx);
      return !deployRunning() && (machineId === null ? machines.length > 0 : machines.some((m) => m.id === machineId));
    },
    perform: (ctx, args) => {
      openDeployTab(ctx, 'deploy');
      useInstallStore.getState().openFor(machineArg(args));
    },
  },
  {
    id: 'cancelDeploy',
    label: 'Cancel the deploy',
    group: 'deploy',
    capture: 'never',
    keywords: ['stop', 'abort', 'deploy'],
    predicate: (ctx) => ctx.backend !== null && deployRunning(),
    perform: (ctx) => cancelDeploy(ctx),
  },
  {
    id: 'showDeployHistory',
    label: 'Show deploy history',
    group: 'deploy',
    capture: 'never',
    keywords: ['past deploys', 'log', 'results', 'record'],
    predicate: (ctx) => ctx.backend !== null && ctx.design.getState().file.name !== null,
    perform: (ctx) => {
      openDeployTab(ctx, 'history');
      const store = useDeployStore.getState();
      store.closeHistoryEntry();
      // Read again: another window (or the command line) may have deployed meanwhile.
      void store.loadHistory(ctx.backend!, ctx.design.getState().file.name!);
    },
  },
];
