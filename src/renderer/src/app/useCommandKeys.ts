import { useEffect } from 'react';
import { commandForKey, executeCommand } from '../commands/registry';
import { useUiStore } from '../stores/uiStore';
import { appContext } from './appContext';

/** Commands that work wherever the focus is, even in a text field. */
const globalCommands = new Set(['commandPalette', 'save', 'saveAs', 'openDesign', 'newDesign']);

function isTextInput(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT';
}

/** Routes key presses to the command registry; editing keys are left alone inside text fields and dialogs. */
export function useCommandKeys(): void {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const command = commandForKey(appContext, event);
      if (command === undefined) return;
      const ui = useUiStore.getState();
      const inDialog = ui.dialog !== null || document.querySelector('dialog[open]') !== null;
      if (!globalCommands.has(command.id) && (isTextInput(event.target) || inDialog || ui.activeArea !== 'design')) return;
      event.preventDefault();
      void executeCommand(appContext, command.id);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
