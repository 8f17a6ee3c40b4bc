import type { ApiTransport } from '../../../shared/ipc/api';
import type { IdSource } from '../../../shared/model/ids';
import type { Fragment } from '../../../shared/model/ops';
import type { Design } from '../../../shared/model/types';
import type { DesignStore } from '../stores/designStore';
import type { SelectionStore } from '../stores/selectionStore';

/** What the canvas lends to commands while it is on screen (viewport operations). */
export interface ViewControls {
  fitView: () => void;
  zoomIn: () => void;
  zoomOut: () => void;
  /** The canvas point at the centre of the visible area, for placing new items. */
  center: () => { x: number; y: number };
  autoLayout: () => Promise<void>;
  exportImage: (format: 'png' | 'svg') => Promise<void>;
}

/** Everything a command may touch. Commands never reach for globals, so tests can run them headless. */
export interface CommandContext {
  design: DesignStore;
  selection: SelectionStore;
  ids: IdSource;
  clipboard: { fragment: Fragment | null };
  /** UI state setters the commands need (dialogs, toggles). */
  ui: {
    openDialog: (dialog: 'open' | 'saveAs' | 'wizard' | 'palette' | 'mermaid' | 'about' | 'serverSignIn') => void;
    toggleOverlay: () => void;
    toggleSnap: () => void;
    toggleProblems: () => void;
  };
  view: ViewControls | null;
  backend: ApiTransport | null;
  /** Whether the back end is the desktop app or a serve-mode server (which has sign-ins); null before it is known. */
  backendMode: 'electron' | 'serve' | null;
  /** Asks the user to confirm a destructive step; resolves false when they cancel. */
  confirm: (title: string, message: string) => Promise<boolean>;
  /** Shows a short message in the status area. */
  notify: (message: string) => void;
}

/** The outcome of a command: a new design to commit as one undo step, and what to select afterwards. */
export interface CommandResult {
  design?: Design;
  select?: readonly string[];
}

/** Where a command is listed in menus. */
export type CommandGroup = 'file' | 'edit' | 'insert' | 'view' | 'network' | 'help';

/**
 * One user command. Menus, the context menu, keyboard shortcuts and the command palette all read the same
 * registry (Excalidraw's Action: keyTest, predicate, perform).
 */
export interface Command {
  id: string;
  label: string;
  group: CommandGroup;
  keywords?: readonly string[];
  /** How the shortcut is written in menus, e.g. "Ctrl+Z". */
  shortcut?: string;
  /** Whether a key event triggers this command. */
  keyTest?: (event: KeyboardEvent) => boolean;
  /** Whether the command can run now. */
  predicate?: (ctx: CommandContext) => boolean;
  perform: (ctx: CommandContext, args?: unknown) => CommandResult | void | Promise<CommandResult | void>;
}
