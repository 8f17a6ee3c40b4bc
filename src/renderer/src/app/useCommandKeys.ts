import { useEffect } from 'react';
import { commandForKey, executeCommand, keyScopeOf } from '../commands/registry';
import { useUiStore } from '../stores/uiStore';
import { appContext } from './appContext';

/** Inputs whose keys belong to the field: typing, moving the caret, the field's own undo. */
const textInputTypes = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'time', 'datetime-local', 'month', 'week']);

/** Whether the focus is where text is typed. */
function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return textInputTypes.has(target.type);
  return target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT';
}

/** Whether the focus is on any form control (a slider or checkbox too), where Delete or arrows are its own. */
function isFormControl(target: EventTarget | null): boolean {
  return isTextField(target) || target instanceof HTMLInputElement;
}

/**
 * Runs the command a key press is the shortcut of, if it works where the focus is. Each command's key scope says
 * where: `anywhere`; `outsideFields` (undo and redo also work with the focus on a slider or checkbox that was just
 * used, but not while typing); `canvas` (the Design area, not on a form control). Returns whether one ran.
 */
export function runCommandKey(event: KeyboardEvent): boolean {
  if (event.defaultPrevented) return false;
  const found = commandForKey(appContext, event);
  if (found === undefined) return false;
  const scope = keyScopeOf(found.command);
  const ui = useUiStore.getState();
  const inDialog = ui.dialog !== null || document.querySelector('dialog[open]') !== null;
  if (scope !== 'anywhere' && (inDialog || isTextField(event.target))) return false;
  if (scope === 'canvas' && (ui.activeArea !== 'design' || isFormControl(event.target))) return false;
  event.preventDefault();
  void executeCommand(appContext, found.command.id, found.args);
  return true;
}

/** Routes key presses anywhere in the window to the command registry (runCommandKey). */
export function useCommandKeys(): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => void runCommandKey(event);
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
