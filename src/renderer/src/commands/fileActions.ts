import { weightPresets } from '../../../shared/bench/leaderboard';
import { describeError, type AppError } from '../../../shared/errors';
import { createEmptyDesign } from '../../../shared/model/ops';
import type { Design } from '../../../shared/model/types';
import type { FileInfo } from '../stores/designStore';
import { withLeaderboardView } from '../stores/uiStore';
import { comparisonFromSearch } from '../vpn/urlState';
import type { CommandContext } from './types';

// The document's lifecycle: start, open, recover, save. Opening, starting and recovering replace the whole
// document outside the undo history (capture mode "never"): resetDocument is the one place that does it, and the
// design store's reset clears undo and redo with it, so no caller clears history by hand.

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

/** Whether the open design has changes that were not saved. */
export function hasUnsavedChanges(ctx: CommandContext): boolean {
  const { design, savedDesign } = ctx.design.getState();
  return design !== savedDesign;
}

/**
 * Replaces the document: no undo step, history cleared, nothing selected, and the leaderboard shown the way the
 * document was last looked at (its saved profile and sort are view state; see LeaderboardView).
 */
export function resetDocument(ctx: CommandContext, design: Design, file: FileInfo, options: { dirty?: boolean } = {}): void {
  ctx.design.getState().reset(design, file, options);
  ctx.ui.getState().setLeaderboardView({ profile: design.comparison.profile, sort: design.comparison.sort });
  // A new document opens on the profile its links stand for; the profile saved in it is only where it was left.
  ctx.ui.getState().setLeaderboardProfileChosen(false);
  ctx.selection.getState().select([]);
}

/** The design as it is written to a file or an autosave: with the leaderboard view it is shown with. */
export function designForFile(ctx: CommandContext, design: Design): Design {
  const comparison = withLeaderboardView(design.comparison, ctx.ui.getState().leaderboardView);
  return comparison === design.comparison ? design : { ...design, comparison };
}

/** Starts an empty, untitled design, after asking when there are unsaved changes. Returns whether it did. */
export async function newDocument(ctx: CommandContext): Promise<boolean> {
  if (hasUnsavedChanges(ctx) && !(await ctx.confirm('Discard unsaved changes?', 'The open design has changes that are not saved. Start a new design anyway?'))) return false;
  resetDocument(ctx, createEmptyDesign(), { name: null, revision: null });
  return true;
}

/**
 * Saves the design under its current name, or asks for a name (Save As) when it has none. Refuses to overwrite a
 * file that changed on disk since it was opened; the user decides in the Save As dialog.
 */
export async function saveCurrent(ctx: CommandContext, forceAs: boolean): Promise<boolean> {
  const { design, file } = ctx.design.getState();
  if (forceAs || file.name === null || ctx.backend === null) {
    ctx.ui.getState().openDialog('saveAs');
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
  const request = { name, design: designForFile(ctx, design), overwrite: options.overwrite, autosaveKey, ...(options.expectedRevision === undefined ? {} : { expectedRevision: options.expectedRevision }) };
  const result = await ctx.backend.invoke('project:save', request);
  if (!result.ok) {
    ctx.notify(fileErrorMessage('save', name, result.error));
    return false;
  }
  // Saved against the design that was written: edits made while the save was on its way keep the document edited.
  ctx.design.getState().markSaved({ name: result.value.name, revision: result.value.revision }, design);
  ctx.notify(`Saved ${displayName(result.value.name)}`);
  return true;
}

/** Opens a design file from the workspace, replacing the current design and clearing undo. */
export async function openFile(ctx: CommandContext, name: string): Promise<{ ok: true; repairs: string[] } | { ok: false; message: string }> {
  if (ctx.backend === null) return { ok: false, message: 'Files are not available in this window.' };
  const result = await ctx.backend.invoke('project:open', { name });
  if (!result.ok) return { ok: false, message: fileErrorMessage('open', name, result.error) };
  const { design, revision, repairs } = result.value;
  resetDocument(ctx, design, { name: result.value.name, revision });
  const repairNotes = repairs.map((r) => r.message);
  ctx.notify(repairNotes.length > 0 ? `Opened ${displayName(name)}; ${repairNotes.join(' ')}` : `Opened ${displayName(name)}`);
  return { ok: true, repairs: repairNotes };
}

/**
 * Opens the autosaved copy kept under `key` (a file name, or "untitled") as unsaved changes to that file.
 * Returns whether it could be read.
 */
export async function recoverAutosave(ctx: CommandContext, key: string): Promise<boolean> {
  if (ctx.backend === null) return false;
  const result = await ctx.backend.invoke('project:recovery.open', { key });
  if (!result.ok) return false;
  resetDocument(ctx, result.value.design, { name: key === 'untitled' ? null : key, revision: result.value.revision ?? null }, { dirty: true });
  return true;
}

/**
 * Serve mode: a page opened with comparison settings in its address (?profile=…&preset=…&sort=…&w=…) starts with
 * them. This is how the page was opened, not an edit: no undo step, and an unedited design stays unedited.
 */
export function applyComparisonFromAddress(ctx: CommandContext, search: string): void {
  const state = ctx.design.getState();
  const shown = withLeaderboardView(state.design.comparison, ctx.ui.getState().leaderboardView);
  const fromAddress = comparisonFromSearch(shown, search, weightPresets);
  if (fromAddress === shown) return;
  resetDocument(ctx, { ...state.design, comparison: fromAddress }, state.file, { dirty: state.design !== state.savedDesign });
}
