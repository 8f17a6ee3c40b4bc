import type { AppError } from '../../shared/errors';
import type { RequestChannel } from '../../shared/ipc/channels';
import type { RequestOf, ResponseOf } from '../../shared/ipc/contract';
import { ok, type Result } from '../../shared/result';
import type { AppInfoService } from '../services/appInfo';
import type { ExternalLinksService } from '../services/externalLinks';
import type { EventHub } from './eventHub';

/** The service objects behind the contract; both transports call the same instances. */
export interface Services {
  appInfo: AppInfoService;
  externalLinks: ExternalLinksService;
  events: EventHub;
}

/** One handler per request channel, already typed from the contract. */
export type Handlers = { [C in RequestChannel]: (request: RequestOf<C>) => Promise<Result<ResponseOf<C>, AppError>> };

/** Maps every channel of the contract to the service method that answers it. */
export function createHandlers(services: Services): Handlers {
  return {
    'app:info.get': async () => ok(services.appInfo.getInfo()),
    'app:openExternal': async (request) => services.externalLinks.open(request.url),
  };
}
