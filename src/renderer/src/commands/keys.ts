// Keyboard helpers shared by the command modules: how shortcuts are tested and written on this platform.

const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);

/** The primary modifier as it is written in menus on this platform. */
export const mod = isMac ? '⌘' : 'Ctrl+';

/** Whether the platform's primary modifier (Cmd on macOS, Ctrl elsewhere) is held, without Alt. */
export const primary = (e: KeyboardEvent): boolean => (isMac ? e.metaKey : e.ctrlKey) && !e.altKey;

/** Whether the event is for a letter key, ignoring case. */
export const key = (e: KeyboardEvent, k: string): boolean => e.key.toLowerCase() === k;

/** How redo is written on this platform (Cmd+Shift+Z on macOS, Ctrl+Y elsewhere). */
export const redoShortcut = isMac ? '⌘Shift+Z' : 'Ctrl+Y';
