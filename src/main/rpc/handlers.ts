import type { AppError } from '../../shared/errors';
import type { RequestChannel } from '../../shared/ipc/channels';
import type { RequestOf, ResponseOf } from '../../shared/ipc/contract';
import { ok, type Result } from '../../shared/result';
import type { AppInfoService } from '../services/appInfo';
import type { CheckJobsService } from '../services/checkJobs';
import type { DeployService } from '../services/deployService';
import type { ExternalLinksService } from '../services/externalLinks';
import type { GenerateService } from '../services/generate';
import type { InstallService } from '../services/installService';
import type { JobEngine } from '../jobs/jobEngine';
import type { ProjectFilesService } from '../services/projectFiles';
import type { SshKeysService } from '../services/sshKeys';
import type { VerifyService } from '../services/verifyService';
import type { MeasureService } from '../services/measureService';
import type { AssistantService } from '../assistant/assistantService';
import type { EventHub } from './eventHub';

/** The service objects behind the contract; both transports call the same instances. */
export interface Services {
  appInfo: AppInfoService;
  externalLinks: ExternalLinksService;
  projectFiles: ProjectFilesService;
  generate: GenerateService;
  /** Every long job (check machines, and later deploy, verify, measure, the assistant): cancel, answers, listing. */
  jobs: JobEngine;
  checkJobs: CheckJobsService;
  deploy: DeployService;
  /** Installing NixOS on a machine that does not run it yet (erases a disk; never part of a deploy). */
  install: InstallService;
  /** Verifying the network after a deploy: every machine pings every other over the VPN. */
  verify: VerifyService;
  /** "Measure my network": iperf3 and ping over the VPN between pairs of machines, next to the benchmark's figures. */
  measure: MeasureService;
  /** The assistant (issue 16): settings, a model's streamed answers as jobs, conversations kept with a design. */
  assistant: AssistantService;
  sshKeys: SshKeysService;
  events: EventHub;
}

/** One handler per request channel, already typed from the contract. */
export type Handlers = { [C in RequestChannel]: (request: RequestOf<C>) => Promise<Result<ResponseOf<C>, AppError>> };

/** Maps every channel of the contract to the service method that answers it. */
export function createHandlers(services: Services): Handlers {
  return {
    'app:info.get': async () => ok(services.appInfo.getInfo()),
    'app:openExternal': async (request) => services.externalLinks.open(request.url),
    'project:list': () => services.projectFiles.list(),
    'project:open': (request) => services.projectFiles.open(request.name),
    'project:save': ({ name, design, ...options }) => services.projectFiles.save(name, design, options),
    'project:recent': () => services.projectFiles.recent(),
    'project:autosave': (request) => services.projectFiles.autosave(request.key, request.design, request.revision),
    'project:recovery.list': () => services.projectFiles.recovery(),
    'project:recovery.open': (request) => services.projectFiles.recover(request.key),
    'project:recovery.discard': (request) => services.projectFiles.discardRecovery(request.key),
    'generate:readLast': async (request) => services.generate.readLast(request.name),
    'generate:write': async (request) => services.generate.write(request.name, request.design, { ...(request.vpn === undefined ? {} : { vpn: request.vpn }), force: request.force === true }),
    'check:start': async (request) => services.checkJobs.start(request),
    'check:last': (request) => services.checkJobs.last(request.name),
    'job:cancel': async (request) => services.jobs.cancel(request.jobId),
    'job:answer': async (request) => services.jobs.answer(request),
    'job:list': async () => services.jobs.list(),
    'ssh:keys.list': () => services.sshKeys.list(),
    'deploy:plan': (request) => services.deploy.plan(request),
    'deploy:start': (request) => services.deploy.start(request),
    'deploy:history': (request) => services.deploy.history(request.name),
    'deploy:historyEntry': (request) => services.deploy.historyEntry(request.name, request.runId),
    'deploy:disks': (request) => services.install.disks(request),
    'deploy:install': (request) => services.install.start(request),
    'verify:start': (request) => services.verify.start(request),
    'verify:history': (request) => services.verify.history(request.name),
    'verify:historyEntry': (request) => services.verify.historyEntry(request.name, request.runId),
    'verify:last': (request) => services.verify.last(request.name),
    'measure:start': (request) => services.measure.start(request),
    'measure:history': (request) => services.measure.history(request.name),
    'measure:historyEntry': (request) => services.measure.historyEntry(request.name, request.runId),
    'measure:last': (request) => services.measure.last(request.name),
    'assistant:settings.get': () => services.assistant.getSettings(),
    'assistant:settings.set': (request) => services.assistant.setSettings(request),
    'assistant:models.list': (request) => services.assistant.listModels(request),
    'assistant:preview': (request) => services.assistant.preview(request),
    'assistant:ask': (request) => services.assistant.ask(request),
    'assistant:conversations.load': (request) => services.assistant.loadConversations(request.name),
    'assistant:conversations.save': (request) => services.assistant.saveConversations(request.name, request.conversations),
  };
}
