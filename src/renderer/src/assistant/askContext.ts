import { appContext } from '../app/appContext';
import { designForFile } from '../commands/fileActions';
import { getDocument } from '../stores/designStore';
import type { AskContext } from './assistantStore';

/**
 * What a question is asked about: the design on screen (with the leaderboard view it is shown with, as a save would
 * write it) and its file name; null when the window has no back end.
 */
export function askContext(): AskContext | null {
  const backend = appContext.backend;
  if (backend === null) return null;
  const { design, file } = getDocument();
  return { backend, design: designForFile(appContext, design), fileName: file.name };
}
