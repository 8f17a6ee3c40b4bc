import type { ApiTransport } from '../../../shared/ipc/api';
import type { IdSource } from '../../../shared/model/ids';
import type { Fragment } from '../../../shared/model/ops';
import type { Design } from '../../../shared/model/types';
import type { CaptureMode, DesignStore } from '../stores/designStore';
import type { SelectionStore } from '../stores/selectionStore';
import type { UiStore } from '../stores/uiStore';

export type { CaptureMode } from '../stores/designStore';

/**
 * What an export makes: the drawing as SVG, or as PNG at 1x or 2x; or the one-page network sheet as PNG, or printed
 * (the print dialog's "Save as PDF" makes the PDF).
 */
export type ExportKind = 'svg' | 'png' | 'png2x' | 'sheetPng' | 'sheetPdf';

/** What the canvas lends to commands while it is on screen (viewport operations). */
export interface ViewControls {
  /** Fits the view to the whole design; `afterRender` waits until items just added are drawn. */
  fitView: (options?: { afterRender?: boolean }) => void;
  zoomIn: () => void;
  zoomOut: () => void;
  /** The canvas point at the centre of the visible area, for placing new items. */
  center: () => { x: number; y: number };
  /** The part of the canvas on screen (canvas coordinates), for choosing the site a new machine goes into. */
  visibleArea?: () => { x: number; y: number; width: number; height: number };
  /** Sizes of the machines as drawn (they grow with their badges), so placement keeps them apart. */
  measuredSizes?: () => ReadonlyMap<string, { width: number; height: number }>;
  /** Exports the design as a picture or a network sheet, drawn from the design and the sizes the canvas measured. */
  exportImage: (kind: ExportKind) => Promise<void>;
}

/** Everything a command may touch. Commands never reach for globals, so tests can run them headless. */
export interface CommandContext {
  design: DesignStore;
  selection: SelectionStore;
  /** Session state: open area and dialog, canvas toggles, the leaderboard view. */
  ui: UiStore;
  ids: IdSource;
  clipboard: { fragment: Fragment | null };
  view: ViewControls | null;
  /** The way to the back end (desktop bridge or serve-mode HTTP); null in headless tests. */
  backend: ApiTransport | null;
  /** Whether the back end is the desktop app or a serve-mode server (which has sign-ins); null before it is known. */
  backendMode: 'electron' | 'serve' | null;
  /** Asks the user to confirm a destructive step; resolves false when they cancel. */
  confirm: (title: string, message: string) => Promise<boolean>;
  /** Shows a short message in the status area. */
  notify: (message: string) => void;
  /** Takes a message away again if it is still the one shown (a "working…" note once the work is done). */
  clearNotice: (message: string) => void;
}

/** The outcome of a command: a new design to record as its capture mode says, and what to show afterwards. */
export interface CommandResult {
  design?: Design;
  select?: readonly string[];
  /** Fit the canvas view to the design once it is drawn (after a layout or a wizard result). */
  fitView?: boolean;
}

/** Where a command is listed in menus. */
export type CommandGroup = 'file' | 'edit' | 'insert' | 'view' | 'network' | 'compare' | 'deploy' | 'help';

/**
 * Where a command's shortcut works: `anywhere` (even in a text field or a dialog: save, open, the palette, the
 * areas), `outsideFields` (any area, but not while typing: undo, redo), `canvas` (the Design area only, not while
 * typing: delete, copy, zoom, ...).
 */
export type KeyScope = 'anywhere' | 'outsideFields' | 'canvas';

/**
 * One user command. Menus, the context menu, keyboard shortcuts and the command palette all read the same
 * registry (Excalidraw's Action: keyTest, predicate, perform), and every change to a design is one of them.
 */
export interface Command {
  id: string;
  label: string;
  group: CommandGroup;
  /**
   * How a design returned by `perform` is recorded. `immediately`: one undo step (a caller in the middle of a
   * gesture passes `eventually` for its intermediate steps, see executeCommand). `eventually`: a command pressed
   * again and again as one gesture (arrow keys): each run is a step of it, and the burst ends as one undo step when
   * the keys rest or another command runs (see executeCommand). `never`: the command changes no
   * document (view, selection, dialogs, files, jobs); returning a design from it is a bug. File open, new and
   * recover are `never` too: they replace the document through fileActions, which clears the history.
   */
  capture: CaptureMode;
  keywords?: readonly string[];
  /** How the shortcut is written in menus, e.g. "Ctrl+Z". */
  shortcut?: string;
  /** Whether a key event triggers this command. */
  keyTest?: (event: KeyboardEvent) => boolean;
  /** The arguments the shortcut passes (which arrow, with Shift or not); without it the shortcut passes none. */
  keyArgs?: (event: KeyboardEvent) => unknown;
  /** Where the shortcut works; `canvas` when not given. */
  keyScope?: KeyScope;
  /**
   * For commands whose input comes from a gesture or a form field (a drag, a slider, an inspector field): how to
   * do it. The palette lists them with this text; they need arguments and do not run from there.
   */
  gesture?: string;
  /** Whether the command can run now, with these arguments. */
  predicate?: (ctx: CommandContext, args?: unknown) => boolean;
  perform: (ctx: CommandContext, args?: unknown) => CommandResult | void | Promise<CommandResult | void>;
}
