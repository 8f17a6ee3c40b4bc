import { z } from 'zod';
import type { MachineCheckResult } from '../check';
import { computeDeployWaves, type DeployPlanMachine } from '../model/deployWaves';
import { recordValues, rolesByMachine } from '../model/overlay';
import { computeDeployReach } from '../model/reachability';
import { suggestVarsHelper, varsHelperUnfit } from '../model/varsHelper';
import type { Design, MachineId } from '../model/types';
import type { CheckReport } from '../schema/checkReport';
import { quote } from '../text';
import { vpnCatalog } from '../vpn/catalog';
import { vpnIds } from '../vpn/ids';
import {
  buildArgv,
  clanMachinesUpdateArgv,
  clanVarsGenerateArgv,
  currentSystemArgv,
  decryptMachineKeyArgv,
  disarmArgv,
  PLACEHOLDER,
  remoteFlakeDir,
  secretKeyArgv,
  setProfileArgv,
  surveyArgv,
  switchArgv,
  varsGenerateArgv,
  watchdogArgv,
} from './commands';

// The deploy plan: what will happen on every machine, in the order of the deploy waves, before anything happens
// (a dry run changes nothing anywhere). It is pure: main gathers the facts (the last check, what each machine runs
// and has, whether the clan CLI is here) and this module decides the steps, the exact commands and who is blocked
// and why. The same plan is kept in the deploy's history.

/** How the deploy reaches the machines: Clan's own CLI on this computer, or everything on the machines over SSH. */
export const deployWays = ['clanCli', 'onMachine'] as const;
export type DeployWay = (typeof deployWays)[number];

/** The steps a machine goes through, in order. */
export const deployStepIds = ['connect', 'survey', 'upload', 'build', 'secrets', 'watchdog', 'activate', 'confirm', 'clanUpdate'] as const;
export type DeployStepId = (typeof deployStepIds)[number];

const stepLabels: Record<DeployStepId, string> = {
  connect: 'Connect over SSH',
  survey: 'Read what the machine runs',
  upload: 'Upload the configuration (checksums verified)',
  build: 'Build the system on the machine',
  secrets: "Put the machine's secret key in place",
  watchdog: 'Arm the rollback watchdog',
  activate: 'Switch to the new system (under systemd-run)',
  confirm: 'Confirm over a new SSH connection and disarm the watchdog',
  clanUpdate: 'clan machines update',
};

const plannedStepSchema = z.object({
  id: z.enum(deployStepIds),
  label: z.string(),
  /** The exact commands, in order, as argument lists; placeholders stand for values only the run knows. */
  commands: z.array(z.array(z.string())),
  note: z.string().optional(),
});

const fileChangeSchema = z.object({ path: z.string(), change: z.enum(['added', 'changed', 'removed']) });

const plannedMachineSchema = z.object({
  machineId: z.string(),
  name: z.string(),
  /** Wave number, or 'afterVpn' (reached over the VPN; updates only). */
  wave: z.union([z.number().int().min(1), z.literal('afterVpn')]).nullable(),
  how: z.string(),
  /** Machines this one needs: its jump host, and the VPN's controllers, lighthouses and relays. */
  dependsOn: z.array(z.object({ machineId: z.string(), name: z.string(), why: z.string() })),
  /**
   * Why the machine cannot be deployed now, and what to do; null when it can. `notNixos`: the last check found it does
   * not run NixOS, so installing it (its own action, shared/deploy/install.ts) is what to do.
   */
  blocked: z.object({ reason: z.string(), whatToDo: z.string(), notNixos: z.literal(true).optional() }).nullable(),
  /** Warnings that do not block (not checked yet, first deploy without a watchdog). */
  warnings: z.array(z.string()),
  /** Whether the machine runs a system already: false means the first deploy (no rollback target). Null: unknown. */
  hasSystem: z.boolean().nullable(),
  /** Files that change on the machine; null when the machine could not be read (shown as unknown). */
  files: z.object({ firstDeploy: z.boolean(), changes: z.array(fileChangeSchema), unchanged: z.number().int() }).nullable(),
  steps: z.array(plannedStepSchema),
});

/** The plan of a deploy, as shown, kept in the history and run. */
export const deployPlanSchema = z.object({
  kind: z.literal('clan-designer-deploy-plan'),
  version: z.literal(1),
  createdAt: z.number(),
  clanName: z.string(),
  vpn: z.enum(vpnIds).nullable(),
  way: z.enum(deployWays),
  wayReason: z.string(),
  confirmSeconds: z.number(),
  concurrency: z.number().int().min(1),
  /** The machine that makes the vars (the way without Nix here), with its steps; null otherwise. */
  varsHelper: z.object({ machineId: z.string(), name: z.string(), steps: z.array(plannedStepSchema) }).nullable(),
  /** Why no vars helper is used or none could be chosen, when the way needs one. */
  varsNote: z.string().nullable(),
  waves: z.array(z.object({ number: z.number().int(), title: z.string(), reason: z.string(), machines: z.array(plannedMachineSchema) })),
  /** Reached over the VPN only: updated before the wave of their entry. */
  afterVpn: z.array(plannedMachineSchema),
  /** Machines left out: no way in, or blocked before anything could run. */
  notDeployable: z.array(plannedMachineSchema),
  /** A reason nothing can be deployed at all (the configuration cannot be generated); null otherwise. */
  blockedAll: z.string().nullable(),
});

export type DeployPlan = z.infer<typeof deployPlanSchema>;
export type PlannedMachine = z.infer<typeof plannedMachineSchema>;
export type PlannedStep = z.infer<typeof plannedStepSchema>;

/** What main knows about a machine before the deploy, from a read-only SSH visit. */
export type RemoteState =
  | { reached: true; home: string; uid: number | null; currentSystem: string | null; deployedFiles: Readonly<Record<string, string>> | null }
  | { reached: false; reason: string };

/** What the plan is made from. */
export interface PlanInput {
  design: Design;
  /** sha256 of every file of the flake folder that will be uploaded (path -> hex); null when it cannot be generated. */
  flakeFiles: Readonly<Record<string, string>> | null;
  /** Why the configuration cannot be generated, when flakeFiles is null. */
  generateError?: string;
  way: DeployWay;
  wayReason: string;
  /** The last check of this design, if any (a failed one blocks the machines it failed on). */
  lastCheck: CheckReport | null;
  /** Remote facts by machine id; a machine absent here was not visited (a plan made without SSH). */
  remote: ReadonlyMap<string, RemoteState>;
  confirmSeconds: number;
  concurrency: number;
  /** The vars helper chosen in the design, or null to pick one. */
  varsHelper: MachineId | null;
  now: number;
}

/** The machines whose VPN roles others need (controllers, lighthouses, relays, bootstrap nodes, seeds). */
function keyRoleHolders(design: Design): Map<string, string[]> {
  const holders = new Map<string, string[]>();
  if (design.vpn.id === null) return holders;
  const roles = vpnCatalog[design.vpn.id].roles;
  for (const [machineId, ids] of rolesByMachine(design)) {
    const labels = ids.map((id) => roles.find((r) => r.id === id)).filter((r) => r !== undefined && !r.isDefault).map((r) => r!.label.toLowerCase());
    if (labels.length > 0) holders.set(machineId, labels);
  }
  return holders;
}

/** The first failed finding of a machine's last check, when it failed. */
function failedCheck(result: MachineCheckResult | undefined): { message: string; notNixos: boolean } | undefined {
  if (result === undefined || result.status !== 'error') return undefined;
  const failed = result.findings.find((f) => f.status === 'error');
  return failed === undefined ? undefined : { message: failed.message, notNixos: failed.id === 'nixos' };
}

/** Compares the files the machine has from the last deploy with the files to upload. */
function fileChanges(deployed: Readonly<Record<string, string>> | null, flake: Readonly<Record<string, string>>): NonNullable<PlannedMachine['files']> {
  if (deployed === null) return { firstDeploy: true, changes: Object.keys(flake).sort().map((path) => ({ path, change: 'added' as const })), unchanged: 0 };
  const changes: NonNullable<PlannedMachine['files']>['changes'] = [];
  let unchanged = 0;
  for (const [path, sha] of Object.entries(flake)) {
    if (deployed[path] === undefined) changes.push({ path, change: 'added' });
    else if (deployed[path] !== sha) changes.push({ path, change: 'changed' });
    else unchanged += 1;
  }
  for (const path of Object.keys(deployed)) if (flake[path] === undefined) changes.push({ path, change: 'removed' });
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { firstDeploy: false, changes, unchanged };
}

/** The steps of one machine with the commands they run (placeholders for what only the run knows). */
function machineSteps(input: PlanInput, name: string, remote: RemoteState | undefined, hasSystem: boolean | null, withSecrets: boolean): PlannedStep[] {
  const step = (id: DeployStepId, commands: string[][], note?: string): PlannedStep => ({ id, label: stepLabels[id], commands, ...(note === undefined ? {} : { note }) });
  const uid = remote?.reached === true ? remote.uid : null;
  if (input.way === 'clanCli') {
    // Clan builds, puts the secrets in place and switches; the app still arms the watchdog before and confirms after.
    return [
      step('connect', []),
      step('survey', [surveyArgv()]),
      ...(hasSystem !== false ? [step('watchdog', [watchdogArgv(uid, PLACEHOLDER.run, input.confirmSeconds, PLACEHOLDER.previous)])] : []),
      step('clanUpdate', [clanMachinesUpdateArgv(`${input.design.meta.clanName}.clan`, name)], 'Clan builds, uploads the secrets and activates under systemd-run itself.'),
      step('confirm', hasSystem === false ? [currentSystemArgv()] : [currentSystemArgv(), disarmArgv(uid, PLACEHOLDER.run)]),
    ];
  }
  const home = remote?.reached === true ? remote.home : PLACEHOLDER.home;
  const dir = remoteFlakeDir(home, input.design.meta.clanName);
  const steps: PlannedStep[] = [
    step('connect', []),
    step('survey', [surveyArgv()]),
    step('upload', [], `SFTP into ${dir}: sha256sum on the machine first, only files that differ are sent, then checked with sha256sum.`),
    step('build', [buildArgv(uid, dir, name)]),
  ];
  if (withSecrets) steps.push(step('secrets', [secretKeyArgv(uid)], 'The key travels on standard input.'));
  if (hasSystem !== false) steps.push(step('watchdog', [watchdogArgv(uid, PLACEHOLDER.run, input.confirmSeconds, PLACEHOLDER.previous)]));
  steps.push(
    step('activate', [setProfileArgv(uid, PLACEHOLDER.system), switchArgv(uid, PLACEHOLDER.run, PLACEHOLDER.system, 'boot'), switchArgv(uid, PLACEHOLDER.run, PLACEHOLDER.system, 'switch')]),
    step('confirm', hasSystem === false ? [currentSystemArgv()] : [currentSystemArgv(), disarmArgv(uid, PLACEHOLDER.run)]),
  );
  return steps;
}

/**
 * The vars helper: the one chosen in the design if it can be used, else the best managed machine that will be
 * deployed (a public address first, then reached directly, by name).
 */
function chooseVarsHelper(input: PlanInput, candidates: readonly PlannedMachine[]): { machine: PlannedMachine | null; note: string | null } {
  const usable = candidates.filter((m) => m.blocked === null);
  if (input.varsHelper !== null) {
    const chosen = candidates.find((m) => m.machineId === input.varsHelper);
    if (chosen === undefined) return { machine: null, note: `The vars helper chosen in the design is not a machine this deploy can reach, so no vars can be made. Choose another in the Clan settings.` };
    if (chosen.blocked !== null) return { machine: null, note: `The vars helper ${quote(chosen.name)} cannot be used: ${chosen.blocked.reason}` };
    return { machine: chosen, note: null };
  }
  // The machine the problems panel suggests too (model/varsHelper.ts), when the plan can use it.
  const suggestion = suggestVarsHelper(input.design);
  const suggested = suggestion === undefined ? undefined : usable.find((m) => m.machineId === suggestion.machine.id);
  if (suggestion !== undefined && suggested !== undefined) return { machine: suggested, note: `${quote(suggested.name)} makes the vars: no vars helper is chosen in the design, and ${suggestion.why}.` };
  const fallback = usable.find((m) => varsHelperUnfit(input.design.machines[m.machineId as MachineId]!, computeDeployReach(input.design).get(m.machineId as MachineId)) === null);
  if (fallback === undefined) return { machine: null, note: 'No machine can make the vars: none that could be a vars helper can be deployed now.' };
  return { machine: fallback, note: `${quote(fallback.name)} makes the vars: no vars helper is chosen in the design, and it is the first machine that can.` };
}

/** Makes the deploy plan; see the module comment. */
export function makeDeployPlan(input: PlanInput): DeployPlan {
  const { design } = input;
  const waves = computeDeployWaves(design);
  const holders = keyRoleHolders(design);
  const checkById = new Map((input.lastCheck?.machines ?? []).map((r) => [r.machineId, r]));
  const checkedAt = input.lastCheck?.finishedAt ?? null;
  const nameOf = (id: string) => design.machines[id as MachineId]?.name ?? id;

  const plan = (m: DeployPlanMachine, wave: PlannedMachine['wave'], forceBlocked?: { reason: string; whatToDo: string }): PlannedMachine => {
    const dependsOn: PlannedMachine['dependsOn'] = [];
    if (m.reach.reach === 'jumpHost' && m.reach.via !== null) dependsOn.push({ machineId: m.reach.via, name: nameOf(m.reach.via), why: 'its jump host' });
    if (m.reach.reach === 'overlayOnly' && m.reach.via !== null) dependsOn.push({ machineId: m.reach.via, name: nameOf(m.reach.via), why: 'its way in over the VPN' });
    for (const [holder, labels] of holders) {
      if (holder !== m.id && !dependsOn.some((d) => d.machineId === holder) && design.machines[holder as MachineId]?.managed === true) dependsOn.push({ machineId: holder, name: nameOf(holder), why: `the VPN's ${labels.join(' and ')}` });
    }
    const remote = input.remote.get(m.id);
    const warnings: string[] = [];
    let blocked: PlannedMachine['blocked'] = forceBlocked ?? null;
    const own = design.machines[m.id as MachineId];
    if (blocked === null && (own?.ssh === null || own?.ssh === undefined || own.ssh.host.trim() === '')) {
      blocked = { reason: 'it has no SSH address in the design', whatToDo: "Enter its address, port and user in the machine's SSH settings in the inspector, then plan again." };
    }
    const check = failedCheck(checkById.get(m.id));
    if (blocked === null && check !== undefined) {
      blocked = check.notNixos
        ? {
            reason: `it does not run NixOS yet (last check: ${check.message})`,
            whatToDo: 'Install NixOS on it first with “Install NixOS…”: that erases its disk, so it is an action of its own that you confirm by typing the machine’s name, never part of a deploy. Or install NixOS by hand; then check the machines again.',
            notNixos: true as const,
          }
        : { reason: `the last check found a problem: ${check.message}`, whatToDo: 'Fix it, then check the machines again.' };
    }
    if (blocked === null && checkedAt === null) warnings.push('The machines were not checked yet; problems show up during the deploy instead.');
    if (blocked === null && remote?.reached === false && input.way === 'onMachine') warnings.push(`The plan could not read the machine (${remote.reason}); the deploy tries again.`);
    const hasSystem = remote?.reached === true ? remote.currentSystem !== null : null;
    if (blocked === null && m.reach.reach === 'overlayOnly' && hasSystem === false) {
      blocked = { reason: 'it is reached over the VPN only, which it does not run yet', whatToDo: 'Give it a way in for the first deploy (an SSH address on your network or a jump host).' };
    }
    if (blocked === null && hasSystem === false) warnings.push('First deploy: there is no previous system to roll back to, so no watchdog is armed.');
    const files = input.flakeFiles === null || remote?.reached !== true ? null : fileChanges(remote.deployedFiles, input.flakeFiles);
    return {
      machineId: m.id,
      name: m.name,
      wave,
      how: m.how,
      dependsOn,
      blocked,
      warnings,
      hasSystem,
      files,
      steps: blocked === null ? machineSteps(input, m.name, remote, hasSystem, input.way === 'onMachine' && design.vpn.id !== null) : [],
    };
  };

  const planned = waves.waves.map((w) => ({ number: w.number, title: w.title, reason: w.reason, machines: w.machines.map((m) => plan(m, w.number)) }));
  const afterVpn = waves.afterVpn.machines.map((m) => plan(m, 'afterVpn'));
  const notDeployable = waves.notDeployable.machines.map((m) => plan(m, null, { reason: m.reach.reason, whatToDo: 'Give it an SSH address the app can reach, a port forward or a jump host in the design.' }));

  let varsHelper: DeployPlan['varsHelper'] = null;
  let varsNote: string | null = null;
  if (input.way === 'onMachine' && design.vpn.id !== null) {
    const candidates = [...planned.flatMap((w) => w.machines), ...afterVpn];
    const chosen = chooseVarsHelper(input, candidates);
    varsNote = chosen.note;
    if (chosen.machine !== null) {
      const remote = input.remote.get(chosen.machine.machineId);
      const uidHome = remote?.reached === true ? remote : null;
      const dir = remoteFlakeDir(uidHome?.home ?? PLACEHOLDER.home, design.meta.clanName);
      const keyFile = `${uidHome?.home ?? PLACEHOLDER.home}/.local/share/clan-network-designer/keys/${PLACEHOLDER.run}.txt`;
      varsHelper = {
        machineId: chosen.machine.machineId,
        name: chosen.machine.name,
        steps: [
          { id: 'upload', label: 'Upload the configuration and the app’s age key (mode 0600) to the vars helper', commands: [], note: `SFTP into ${dir}.` },
          { id: 'build', label: 'Make every machine’s vars (clan vars generate)', commands: [varsGenerateArgv(keyFile, dir)], note: 'vars/ and sops/ are then downloaded into the design’s flake folder.' },
          { id: 'secrets', label: 'Decrypt each machine’s secret key', commands: recordValues(design.machines).filter((m) => m.managed).map((m) => decryptMachineKeyArgv(keyFile, dir, m.name)) },
        ],
      };
    }
  } else if (input.way === 'clanCli') {
    varsNote = `Clan makes the vars on this computer first: ${clanVarsGenerateArgv(`${design.meta.clanName}.clan`).join(' ')}.`;
  }

  return {
    kind: 'clan-designer-deploy-plan',
    version: 1,
    createdAt: input.now,
    clanName: design.meta.clanName,
    vpn: design.vpn.id,
    way: input.way,
    wayReason: input.wayReason,
    confirmSeconds: input.confirmSeconds,
    concurrency: input.concurrency,
    varsHelper,
    varsNote,
    waves: planned,
    afterVpn,
    notDeployable,
    blockedAll: input.flakeFiles === null ? (input.generateError ?? 'The configuration cannot be generated.') : null,
  };
}

/** Every machine of a plan that will be deployed, in the order the run goes: after-VPN machines, then the waves. */
export function machinesInRunOrder(plan: DeployPlan): PlannedMachine[] {
  return [...plan.afterVpn, ...plan.waves.flatMap((w) => w.machines)];
}
