import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import { isAllowedExternalUrl } from '../security';

/** Opens documentation links in the system browser, for allowlisted https URLs only (checklist item 15). */
export class ExternalLinksService {
  /**
   * @param opener opens a URL in the system browser (Electron's shell.openExternal), or undefined in serve
   *   mode, where the browser showing the app opens the link itself.
   */
  constructor(private readonly opener: ((url: string) => Promise<void>) | undefined) {}

  async open(url: string): Promise<Result<{ opened: boolean }, AppError>> {
    if (!isAllowedExternalUrl(url)) return err(appError('externalUrlNotAllowed', { url }));
    if (this.opener === undefined) return ok({ opened: false });
    await this.opener(url);
    return ok({ opened: true });
  }
}
