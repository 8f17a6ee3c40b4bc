import type { CommandContext } from './types';

/** The status-line notice that says what the last command changed in the design, while it is shown. */
let changeNotice: string | null = null;

/**
 * Says in the status line what a command just changed in the design ("Now using Nebula instead of ZeroTier ...").
 * Undo and Redo take such a notice away (clearChangeNotice): once the change is undone it no longer holds.
 */
export function notifyChange(ctx: CommandContext, message: string): void {
  changeNotice = message;
  ctx.notify(message);
}

/** Takes the last change notice away if it is still shown; other notices (saved, deployed, ...) stay. */
export function clearChangeNotice(ctx: CommandContext): void {
  if (changeNotice !== null) ctx.clearNotice(changeNotice);
  changeNotice = null;
}
