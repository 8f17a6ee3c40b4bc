import type { AppInfo } from '../../shared/ipc/contract';
import { removeStaleTempFiles, type StaleTempReport } from '../fs/staleTempFiles';
import { JobEngine } from '../jobs/jobEngine';
import { AppInfoService, appVersion } from '../services/appInfo';
import { CheckJobsService, type MachineSshHooks } from '../services/checkJobs';
import { DeployService, type DeployServiceOptions, type DeploySsh } from '../services/deployService';
import { createMachineSsh } from '../services/machineSsh';
import { ExternalLinksService } from '../services/externalLinks';
import { GenerateService } from '../services/generate';
import { InstallService, type InstallServiceOptions } from '../services/installService';
import { ProjectFilesService } from '../services/projectFiles';
import { SshKeysService } from '../services/sshKeys';
import { VerifyService, type VerifyServiceOptions } from '../services/verifyService';
import { MeasureService, type MeasureServiceOptions } from '../services/measureService';
import { AssistantService, type AssistantServiceOptions } from '../assistant/assistantService';
import { AssistantSettingsStore, type KeyStorage } from '../assistant/settings';
import { createDispatch, type Dispatch, type Logger } from './dispatch';
import { EventHub } from './eventHub';
import { createHandlers, type Services } from './handlers';

/** Options that differ between the desktop shell and serve mode. */
export interface BackendOptions {
  mode: AppInfo['mode'];
  openExternal?: (url: string) => Promise<void>;
  log?: Logger;
  /** Folder the design files live in; the renderer only ever names files inside it. */
  workspaceDir: string;
  /** The app's own data folder (recent files, autosaves). */
  dataDir: string;
  /**
   * Where the app's age key (the admin key of the designs' secrets) lives; default `dataDir`. The desktop app points
   * it at the folder serve mode and the CLI use, so one user has one key whichever way the app runs.
   */
  ageKeyDir?: string;
  /** The SSH side of "Check machines" (default: ~/.ssh settings, the agent and known_hosts of this user). */
  createMachineSsh?: (hooks: MachineSshHooks) => DeploySsh;
  /**
   * Remove temp files left by interrupted writes at start (default true). The command line's plan and deploy say
   * no: a dry run changes nothing anywhere, and a design's folder is not the app's workspace.
   */
  cleanStaleTempFiles?: boolean;
  /** Deploy settings for tests (time limits, whether the clan CLI counts as installed, a stand-in for it, the clock). */
  deploy?: Pick<DeployServiceOptions, 'timeouts' | 'hasLocalClan' | 'runLocal' | 'now' | 'confirmSeconds'>;
  /** Install settings for tests (time limits); whether the clan CLI is installed, its test double and the clock come from `deploy`. */
  install?: Pick<InstallServiceOptions, 'timeouts'>;
  /** Verify settings for tests (time limits); the clock comes from `deploy`. */
  verify?: Pick<VerifyServiceOptions, 'timeouts'>;
  /** Measure settings for tests (time limits); the clock comes from `deploy`. */
  measure?: Pick<MeasureServiceOptions, 'timeouts'>;
  /**
   * The assistant: how its API key is kept (the desktop passes Electron's safeStorage; default, for serve mode and
   * the CLI: a file only this user can read), where OPENAI_BASE_URL / OPENAI_API_KEY are read (default
   * process.env), and, for tests, time limits and tool rounds.
   */
  assistant?: { keyStorage?: KeyStorage; env?: Record<string, string | undefined> } & Pick<AssistantServiceOptions, 'timeouts' | 'maxToolRounds' | 'dataset'>;
}

/** The service objects plus the dispatch function that both transports share. */
export interface Backend {
  services: Services;
  dispatch: Dispatch;
  /** The start-up clean-up of temp files left by interrupted writes (started here; never rejects). */
  staleTempFiles: Promise<StaleTempReport | null>;
}

/** Builds the services once; the transport in front of them is the only thing that differs per mode. */
export function createBackend(options: BackendOptions): Backend {
  const log: Logger = options.log ?? ((message, details) => console.error(`[main] ${message}`, details ?? ''));
  const events = new EventHub();
  const now = options.deploy?.now;
  const jobs = new JobEngine({ events, workspaceDir: options.workspaceDir, log, ...(now === undefined ? {} : { now }) });
  const generate = new GenerateService({ workspaceDir: options.workspaceDir });
  const checkJobs = new CheckJobsService({ jobs, createSsh: options.createMachineSsh ?? createMachineSsh });
  const services: Services = {
    appInfo: new AppInfoService(options.mode),
    externalLinks: new ExternalLinksService(options.openExternal),
    projectFiles: new ProjectFilesService({ workspaceDir: options.workspaceDir, dataDir: options.dataDir, appVersion, log }),
    generate,
    jobs,
    checkJobs,
    deploy: new DeployService({
      jobs,
      workspaceDir: options.workspaceDir,
      ageKeyDir: options.ageKeyDir ?? options.dataDir,
      generate,
      createSsh: options.createMachineSsh ?? createMachineSsh,
      lastCheck: async (designFile) => {
        const last = await checkJobs.last(designFile);
        return last.ok ? last.value.report : null;
      },
      ...(options.deploy ?? {}),
      log,
    }),
    install: new InstallService({
      jobs,
      workspaceDir: options.workspaceDir,
      ageKeyDir: options.ageKeyDir ?? options.dataDir,
      generate,
      createSsh: options.createMachineSsh ?? createMachineSsh,
      ...(options.deploy?.hasLocalClan === undefined ? {} : { hasLocalClan: options.deploy.hasLocalClan }),
      ...(options.deploy?.runLocal === undefined ? {} : { runLocal: options.deploy.runLocal }),
      ...(now === undefined ? {} : { now }),
      ...(options.install ?? {}),
      log,
    }),
    verify: new VerifyService({
      jobs,
      workspaceDir: options.workspaceDir,
      createSsh: options.createMachineSsh ?? createMachineSsh,
      ...(now === undefined ? {} : { now }),
      ...(options.verify ?? {}),
      log,
    }),
    measure: new MeasureService({
      jobs,
      workspaceDir: options.workspaceDir,
      createSsh: options.createMachineSsh ?? createMachineSsh,
      ...(now === undefined ? {} : { now }),
      ...(options.measure ?? {}),
      log,
    }),
    assistant: new AssistantService({
      jobs,
      workspaceDir: options.workspaceDir,
      settings: new AssistantSettingsStore({ dataDir: options.dataDir, keyStorage: options.assistant?.keyStorage ?? { kind: 'privateFile' }, ...(options.assistant?.env === undefined ? {} : { env: options.assistant.env }), log }),
      ...(options.assistant?.timeouts === undefined ? {} : { timeouts: options.assistant.timeouts }),
      ...(options.assistant?.maxToolRounds === undefined ? {} : { maxToolRounds: options.assistant.maxToolRounds }),
      ...(options.assistant?.dataset === undefined ? {} : { dataset: options.assistant.dataset }),
      ...(now === undefined ? {} : { now }),
      log,
    }),
    sshKeys: new SshKeysService(),
    events,
  };
  // Every entry point builds its back end here, so this is the one place the clean-up starts; it runs in the
  // background and only removes temp files old enough that no write (of this or another instance) is still going on.
  const staleTempFiles = options.cleanStaleTempFiles === false ? Promise.resolve(null) : removeStaleTempFiles({ workspaceDir: options.workspaceDir, dataDir: options.dataDir, log });
  return { services, dispatch: createDispatch(createHandlers(services), log), staleTempFiles };
}
