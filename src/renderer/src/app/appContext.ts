import { randomIds } from '../../../shared/model/ids';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { CommandContext, ViewControls } from '../commands/types';
import { designStore } from '../stores/designStore';
import { selectionStore } from '../stores/selectionStore';
import { useConfirmStore } from '../stores/confirmStore';
import { useNoticeStore } from '../stores/noticeStore';
import { useUiStore } from '../stores/uiStore';

/**
 * The command context of the running app: the real stores, random ids and the UI hooks. The canvas lends its
 * viewport controls while it is mounted.
 */
export const appContext: CommandContext = {
  design: designStore,
  selection: selectionStore,
  ids: randomIds,
  clipboard: { fragment: null },
  ui: {
    openDialog: (dialog) => (dialog === 'about' ? useUiStore.getState().setAboutOpen(true) : useUiStore.getState().setDialog(dialog)),
    toggleOverlay: () => useUiStore.getState().setOverlayVisible(!useUiStore.getState().overlayVisible),
    toggleSnap: () => useUiStore.getState().setSnapToGrid(!useUiStore.getState().snapToGrid),
    toggleProblems: () => useUiStore.getState().setProblemsOpen(!useUiStore.getState().problemsOpen),
  },
  view: null,
  backend: null,
  backendMode: null,
  confirm: (title, message) => useConfirmStore.getState().ask(title, message),
  notify: (message) => useNoticeStore.getState().show(message),
};

/** Lends the canvas viewport controls to commands (null when the canvas unmounts). */
export function setViewControls(view: ViewControls | null): void {
  appContext.view = view;
}

/** Connects commands to the back end once the transport is known. */
export function setBackend(backend: ApiTransport | null, mode: CommandContext['backendMode'] = null): void {
  appContext.backend = backend;
  appContext.backendMode = mode;
}
