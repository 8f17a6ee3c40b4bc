import { assistantCommands } from './assistantCommands';
import { comparisonCommands } from './comparisonCommands';
import { designCommands } from './designCommands';
import { deployCommands } from './deployCommands';
import { verifyCommands } from './verifyCommands';
import { measureCommands } from './measureCommands';
import { placementCommands } from './placementCommands';
import type { CaptureMode, Command, CommandContext, KeyScope } from './types';

export { machinePaletteItems, sitePaletteItems } from './designCommands';
export { mod } from './keys';

/**
 * Every command of the app, for every area. Menus, shortcuts, the context menu and the command palette read this
 * list, and every change to a design is one of these commands run through executeCommand.
 */
export const commands: readonly Command[] = [...designCommands, ...placementCommands, ...comparisonCommands, ...deployCommands, ...verifyCommands, ...measureCommands, ...assistantCommands];

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
  if (command === undefined) return false;
  // Anything else ends a burst of presses first, so the burst stays one undo step of its own (undo included).
  const burst = command.capture === 'eventually' && options.capture === undefined;
  if (!(burst && pendingBurst?.commandId === command.id && pendingBurst.ctx === ctx)) endCommandBurst();
  if (!isEnabled(command, ctx, args)) return false;
  const result = await command.perform(ctx, args);
  if (result === undefined || result === null) return true;
  if (result.design !== undefined) {
    if (command.capture === 'never') throw new Error(`The command ${command.id} changes no document (capture "never") but returned a design`);
    ctx.design.getState().commit(result.design, options.capture ?? (burst ? 'eventually' : 'immediately'));
    if (burst) continueBurst(ctx, command.id);
  }
  if (result.select !== undefined) ctx.selection.getState().select(result.select);
  if (result.fitView === true) ctx.view?.fitView({ afterRender: true });
  return true;
}

/**
 * How long the keys of a burst may rest before it ends: longer than a keyboard's auto-repeat delay (~500 ms), so a
 * held arrow key is one burst, and about the pause between deliberate taps.
 */
export const BURST_IDLE_MS = 700;

/** A burst of presses of an `eventually` command (arrow keys moving the selection) that has not ended yet. */
let pendingBurst: { ctx: CommandContext; commandId: string; timer: ReturnType<typeof setTimeout> } | null = null;

function continueBurst(ctx: CommandContext, commandId: string): void {
  if (pendingBurst !== null) clearTimeout(pendingBurst.timer);
  pendingBurst = { ctx, commandId, timer: setTimeout(endCommandBurst, BURST_IDLE_MS) };
}

/**
 * Ends a burst of presses (tldraw's squashToMark): everything it moved becomes one undo step back to where it started.
 * Runs by itself once the keys rest, and before any other command.
 */
export function endCommandBurst(): void {
  if (pendingBurst === null) return;
  const { ctx, timer } = pendingBurst;
  clearTimeout(timer);
  pendingBurst = null;
  const state = ctx.design.getState();
  if (state.gestureStart !== null) state.commit(state.design, 'immediately');
}

/** Finds the command a key event triggers, if any and if enabled, with the arguments its shortcut passes. */
export function commandForKey(ctx: CommandContext, event: KeyboardEvent): { command: Command; args: unknown } | undefined {
  for (const c of commands) {
    if (c.keyTest === undefined || !c.keyTest(event)) continue;
    const args = c.keyArgs?.(event);
    if (isEnabled(c, ctx, args)) return { command: c, args };
  }
  return undefined;
}
