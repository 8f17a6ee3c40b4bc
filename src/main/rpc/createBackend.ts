import type { AppInfo } from '../../shared/ipc/contract';
import { removeStaleTempFiles, type StaleTempReport } from '../fs/staleTempFiles';
import { JobEngine } from '../jobs/jobEngine';
import { AppInfoService, appVersion } from '../services/appInfo';
import { CheckJobsService, type CheckJobsOptions } from '../services/checkJobs';
import { createCheckSsh } from '../services/checkSsh';
import { ExternalLinksService } from '../services/externalLinks';
import { GenerateService } from '../services/generate';
import { ProjectFilesService } from '../services/projectFiles';
import { SshKeysService } from '../services/sshKeys';
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
  /** The SSH side of "Check machines" (default: ~/.ssh settings, the agent and known_hosts of this user). */
  createCheckSsh?: CheckJobsOptions['createSsh'];
}

/** The service objects plus the dispatch function that both transports share. */
export interface Backend {
  services: Services;
  dispatch: Dispatch;
  /** The start-up clean-up of temp files left by interrupted writes (started here; never rejects). */
  staleTempFiles: Promise<StaleTempReport>;
}

/** Builds the services once; the transport in front of them is the only thing that differs per mode. */
export function createBackend(options: BackendOptions): Backend {
  const log: Logger = options.log ?? ((message, details) => console.error(`[main] ${message}`, details ?? ''));
  const events = new EventHub();
  const jobs = new JobEngine({ events, workspaceDir: options.workspaceDir, log });
  const services: Services = {
    appInfo: new AppInfoService(options.mode),
    externalLinks: new ExternalLinksService(options.openExternal),
    projectFiles: new ProjectFilesService({ workspaceDir: options.workspaceDir, dataDir: options.dataDir, appVersion, log }),
    generate: new GenerateService({ workspaceDir: options.workspaceDir }),
    jobs,
    checkJobs: new CheckJobsService({ jobs, createSsh: options.createCheckSsh ?? createCheckSsh }),
    sshKeys: new SshKeysService(),
    events,
  };
  // Every entry point builds its back end here, so this is the one place the clean-up starts; it runs in the
  // background and only removes temp files old enough that no write (of this or another instance) is still going on.
  const staleTempFiles = removeStaleTempFiles({ workspaceDir: options.workspaceDir, dataDir: options.dataDir, log });
  return { services, dispatch: createDispatch(createHandlers(services), log), staleTempFiles };
}
