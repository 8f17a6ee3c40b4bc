import { describeError } from '../../../shared/errors';
import { appContext } from '../app/appContext';

/** Whether a link of an answer may be a link: web and mail addresses only (no javascript:, data:, file: or app paths). */
export function isSafeLink(url: string): boolean {
  return /^(https?:\/\/|mailto:)/i.test(url.trim());
}

/**
 * Opens a link of an answer outside the app, never in the app's own window: through the back end, which opens only
 * addresses of known documentation sites (in serve mode the browser opens it in a new tab). Any other address is
 * refused with a sentence saying so, in the status bar.
 */
export async function openAnswerLink(href: string): Promise<void> {
  const backend = appContext.backend;
  if (backend === null || !isSafeLink(href)) return;
  const result = await backend.invoke('app:openExternal', { url: href });
  if (!result.ok) appContext.notify(`${describeError(result.error)} (${href})`);
  else if (!result.value.opened) window.open(href, '_blank', 'noopener,noreferrer');
}
