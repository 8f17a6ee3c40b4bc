import { homedir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import type { JobEngine } from '../jobs/jobEngine';
import { createBackend } from '../rpc/createBackend';
import type { EventHub } from '../rpc/eventHub';
import type { MachineSshHooks } from '../services/checkJobs';
import { targetRequestOf } from '../services/checkMachines';
import type { DeployService, DeployServiceOptions, DeploySsh } from '../services/deployService';
import type { InstallService, InstallServiceOptions } from '../services/installService';
import type { VerifyService, VerifyServiceOptions } from '../services/verifyService';
import type { MeasureService, MeasureServiceOptions } from '../services/measureService';
import { defaultServeFolders, DESIGN_FILE_SUFFIX, resolveProjectFolders } from '../services/projectFiles';
import { SshClientPool } from '../ssh/sshClient';
import type { SshSettings } from '../ssh/sshSettings';
import type { CliFailure } from './io';
import type { SshEnvironment } from './sshOptions';

// The back end `plan`, `deploy`, `install`, `verify` and `measure` run on: the app's own (createBackend), without the start-up clean-up of temp files,
// which a dry run must not do: it changes nothing anywhere. The design's folder is the workspace, so
// the configuration (<name>.clan/), the last check (<name>.check.json) and the history (<name>.deploys/) are the
// files next to the design, exactly where the app keeps them.

/** The design file as the services name it: its folder is the workspace, its name the file within. */
export interface DesignLocation {
  workspaceDir: string;
  name: string;
}

/**
 * Where the design file is, for the services. Its name must end in .clan-design.json: the configuration and the
 * history are kept beside it by that name, and any other name would make them appear under another one.
 */
export function locateDesign(file: string): { ok: true; value: DesignLocation } | { ok: false; failure: CliFailure } {
  const name = basename(file);
  if (!name.endsWith(DESIGN_FILE_SUFFIX) || name === DESIGN_FILE_SUFFIX) {
    return {
      ok: false,
      failure: {
        code: 'invalidFileName',
        message: `${file} is not named NAME${DESIGN_FILE_SUFFIX}. The configuration (NAME.clan/) and the deploy history (NAME.deploys/) are kept beside the design by that name; rename the file, for example to ${name.replace(/\.json$/i, '')}${DESIGN_FILE_SUFFIX}.`,
      },
    };
  }
  return { ok: true, value: { workspaceDir: dirname(resolve(file)), name } };
}

/**
 * The app's data folder as serve mode finds it (CLAN_DESIGNER_DATA_DIR, else the XDG data folder), so a deploy from
 * the command line uses the same age key as the app in a browser.
 */
export function cliDataDir(environment: SshEnvironment, flag?: string): string {
  const env = environment.env ?? process.env;
  const home = environment.homeDir ?? homedir();
  return resolveProjectFolders(flag === undefined ? {} : { dataDir: flag }, env, defaultServeFolders(env, home), home, process.cwd()).dataDir;
}

/**
 * The SSH side of a plan or a deploy for the person at the command line: their SSH settings (sshOptions.ts) and a
 * connection pool whose host key policy is the job's. Strict refuses unknown keys; otherwise the job asks, and the
 * command answers (it never asks on the terminal).
 */
export function cliMachineSsh(settings: SshSettings): (hooks: MachineSshHooks) => DeploySsh {
  return (hooks) => ({
    pool: new SshClientPool({
      knownHostsPath: settings.knownHostsPath,
      hostKeyPolicy: hooks.hostKeyMode === 'strict' ? { mode: 'strict' } : { mode: 'tofu', confirm: hooks.confirmHostKey },
    }),
    knownHostsPath: settings.knownHostsPath,
    resolveTarget: (machine, signal) => settings.resolveTarget(targetRequestOf(machine), signal),
  });
}

export interface CliDeployBackendOptions extends Pick<DeployServiceOptions, 'timeouts' | 'hasLocalClan' | 'runLocal' | 'now'> {
  /** Time limits of an install's steps (tests). */
  installTimeouts?: InstallServiceOptions['timeouts'];
  /** Time limits of a verify's steps (tests). */
  verifyTimeouts?: VerifyServiceOptions['timeouts'];
  /** Time limits of a measurement's steps (tests). */
  measureTimeouts?: MeasureServiceOptions['timeouts'];
  workspaceDir: string;
  /** The app's data folder: the deploy keeps the app's own age key there. */
  dataDir: string;
  createSsh: (hooks: MachineSshHooks) => DeploySsh;
  /** What the services log for a person to read when something breaks (a job that failed, a history not kept). */
  log: (message: string, details?: unknown) => void;
}

export interface CliDeployBackend {
  events: EventHub;
  jobs: JobEngine;
  deploy: DeployService;
  install: InstallService;
  verify: VerifyService;
  measure: MeasureService;
}

/** The app's own back end (createBackend), without the start-up clean-up; see the module comment. */
export function createCliDeployBackend(options: CliDeployBackendOptions): CliDeployBackend {
  const { workspaceDir, dataDir, createSsh, log, timeouts, hasLocalClan, runLocal, now, installTimeouts, verifyTimeouts, measureTimeouts } = options;
  const { services } = createBackend({
    mode: 'serve',
    workspaceDir,
    dataDir,
    log,
    createMachineSsh: createSsh,
    cleanStaleTempFiles: false,
    deploy: {
      ...(timeouts === undefined ? {} : { timeouts }),
      ...(hasLocalClan === undefined ? {} : { hasLocalClan }),
      ...(runLocal === undefined ? {} : { runLocal }),
      ...(now === undefined ? {} : { now }),
    },
    ...(installTimeouts === undefined ? {} : { install: { timeouts: installTimeouts } }),
    ...(verifyTimeouts === undefined ? {} : { verify: { timeouts: verifyTimeouts } }),
    ...(measureTimeouts === undefined ? {} : { measure: { timeouts: measureTimeouts } }),
  });
  return { events: services.events, jobs: services.jobs, deploy: services.deploy, install: services.install, verify: services.verify, measure: services.measure };
}
