import { assistantCommands } from './assistantCommands';
import { comparisonCommands } from './comparisonCommands';
import { designCommands } from './designCommands';
import { deployCommands } from './deployCommands';
import { verifyCommands } from './verifyCommands';
import { measureCommands } from './measureCommands';
import type { CaptureMode, Command, CommandContext, KeyScope } from './types';

export { machinePaletteItems, sitePaletteItems } from './designCommands';
export { mod } from './keys';

/**
 * Every command of the app, for every area. Menus, shortcuts, the context menu and the command palette read this
 * list, and every change to a design is one of these commands run through executeCommand.
 */
export const commands: readonly Command[] = [...designCommands, ...comparisonCommands, ...deployCommands, ...verifyCommands, ...measureCommands, ...assistantCommands];

/** Finds a command by id. */
export function getCommand(id: string): Command | undefined {
  return commands.find((c) => c.id === id);
}

/** Whether a command can run now (with these arguments; a gesture's command needs its arguments). */
export function isEnabled(command: Command, ctx: CommandContext, args?: unknown): boolean {
  if (command.gesture !== undefined && args === undefined) return false;
  return command.predicate === undefined || command.predicate(ctx, args);
}

/** Where a command's shortcut works. */
export function keyScopeOf(command: Command): KeyScope {
  return command.keyScope ?? 'canvas';
}

/** Options of one run of a command. */
export interface ExecuteOptions {
  /**
   * For a step of a gesture in progress (a slider being dragged): `eventually`, so the steps become one undo
   * step with the run that ends the gesture (`immediately`, the default).
   */
  capture?: Exclude<CaptureMode, 'never'>;
}

/**
 * Runs a command: checks its predicate, performs it, and records a returned design as its capture mode says:
 * one undo step, or part of the gesture in progress. This is the one way a design changes (besides opening,
 * starting and recovering one, which replace it through fileActions). Returns whether the command ran.
 */
export async function executeCommand(ctx: CommandContext, id: string, args?: unknown, options: ExecuteOptions = {}): Promise<boolean> {
  const command = getCommand(id);
  if (command === undefined || !isEnabled(command, ctx, args)) return false;
  const result = await command.perform(ctx, args);
  if (result === undefined || result === null) return true;
  if (result.design !== undefined) {
    if (command.capture === 'never') throw new Error(`The command ${command.id} changes no document (capture "never") but returned a design`);
    ctx.design.getState().commit(result.design, options.capture ?? (command.capture === 'eventually' ? 'eventually' : 'immediately'));
  }
  if (result.select !== undefined) ctx.selection.getState().select(result.select);
  if (result.fitView === true) ctx.view?.fitView({ afterRender: true });
  return true;
}

/** Finds the command a key event triggers, if any and if enabled. */
export function commandForKey(ctx: CommandContext, event: KeyboardEvent): Command | undefined {
  return commands.find((c) => c.keyTest !== undefined && c.keyTest(event) && isEnabled(c, ctx));
}
