import type { AppInfo } from '../../shared/ipc/contract';
import { AppInfoService } from '../services/appInfo';
import { ExternalLinksService } from '../services/externalLinks';
import { createDispatch, type Dispatch, type Logger } from './dispatch';
import { EventHub } from './eventHub';
import { createHandlers, type Services } from './handlers';

/** Options that differ between the desktop shell and serve mode. */
export interface BackendOptions {
  mode: AppInfo['mode'];
  openExternal?: (url: string) => Promise<void>;
  log?: Logger;
}

/** The service objects plus the dispatch function that both transports share. */
export interface Backend {
  services: Services;
  dispatch: Dispatch;
}

/** Builds the services once; the transport in front of them is the only thing that differs per mode. */
export function createBackend(options: BackendOptions): Backend {
  const log: Logger = options.log ?? ((message, details) => console.error(`[main] ${message}`, details ?? ''));
  const services: Services = {
    appInfo: new AppInfoService(options.mode),
    externalLinks: new ExternalLinksService(options.openExternal),
    events: new EventHub(),
  };
  return { services, dispatch: createDispatch(createHandlers(services), log) };
}
