import { describeError, type AppError } from '../../../shared/errors';
import type { Design } from '../../../shared/model/types';
import type { CommandContext } from './types';

/** The file name shown to people: without the .clan-design.json ending. */
export function displayName(name: string): string {
  return name.replace(/\.clan-design\.json$/, '');
}

/** Turns a name typed by the user into a design file name. */
export function toFileName(name: string): string {
  const trimmed = name.trim();
  return trimmed.endsWith('.clan-design.json') ? trimmed : `${trimmed}.clan-design.json`;
}

/** Sentence for a failed file operation: what happened plus the coded reason. */
export function fileErrorMessage(action: string, name: string, error: AppError): string {
  return `Could not ${action} “${displayName(name)}”. ${describeError(error)}`;
}

/**
 * Saves the design under its current name, or asks for a name (Save As) when it has none. Refuses to overwrite a
 * file that changed on disk since it was opened; the user decides in the Save As dialog.
 */
export async function saveCurrent(ctx: CommandContext, forceAs: boolean): Promise<boolean> {
  const { design, file } = ctx.design.getState();
  if (forceAs || file.name === null || ctx.backend === null) {
    ctx.ui.openDialog('saveAs');
    return false;
  }
  return saveAs(ctx, file.name, design, { expectedRevision: file.revision ?? undefined, overwrite: true });
}

/** Writes the design to a named file in the workspace and marks it saved. Returns whether it was written. */
export async function saveAs(ctx: CommandContext, name: string, design: Design, options: { expectedRevision?: string; overwrite: boolean }): Promise<boolean> {
  if (ctx.backend === null) return false;
  const previous = ctx.design.getState().file.name;
  // The autosave of an untitled design (or of the file it was saved from) is cleared once it reaches a file.
  const autosaveKey = previous ?? 'untitled';
  const request = { name, design, overwrite: options.overwrite, autosaveKey, ...(options.expectedRevision === undefined ? {} : { expectedRevision: options.expectedRevision }) };
  const result = await ctx.backend.invoke('project:save', request);
  if (!result.ok) {
    ctx.notify(fileErrorMessage('save', name, result.error));
    return false;
  }
  // Mark saved against the design that was written; later edits keep the document dirty.
  const state = ctx.design.getState();
  if (state.design === design) state.markSaved({ name: result.value.name, revision: result.value.revision });
  else ctx.design.setState({ file: { name: result.value.name, revision: result.value.revision } });
  ctx.notify(`Saved ${displayName(result.value.name)}`);
  return true;
}

/** Opens a design file from the workspace, replacing the current design and clearing undo. */
export async function openFile(ctx: CommandContext, name: string): Promise<{ ok: true; repairs: string[] } | { ok: false; message: string }> {
  if (ctx.backend === null) return { ok: false, message: 'Files are not available in this window.' };
  const result = await ctx.backend.invoke('project:open', { name });
  if (!result.ok) return { ok: false, message: fileErrorMessage('open', name, result.error) };
  const { design, revision, repairs } = result.value;
  ctx.design.getState().reset(design, { name: result.value.name, revision });
  ctx.design.temporal.getState().clear();
  ctx.selection.getState().select([]);
  const repairNotes = repairs.map((r) => r.message);
  ctx.notify(repairNotes.length > 0 ? `Opened ${displayName(name)}; ${repairNotes.join(' ')}` : `Opened ${displayName(name)}`);
  return { ok: true, repairs: repairNotes };
}
