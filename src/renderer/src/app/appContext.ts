import { randomIds } from '../../../shared/model/ids';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { CommandContext, ViewControls } from '../commands/types';
import { useConfirmStore } from '../stores/confirmStore';
import { useDesignStore } from '../stores/designStore';
import { useNoticeStore } from '../stores/noticeStore';
import { useSelectionStore } from '../stores/selectionStore';
import { useUiStore } from '../stores/uiStore';

/**
 * The command context of the running app: the real stores, random ids and the UI hooks. The canvas lends its
 * viewport controls while it is mounted. Its `backend` is the renderer's one way to the back end: set once by
 * initBackend (api/backend.ts) before the first render, and read from here by commands and components alike.
 */
export const appContext: CommandContext = {
  design: useDesignStore,
  selection: useSelectionStore,
  ui: useUiStore,
  ids: randomIds,
  clipboard: { fragment: null },
  view: null,
  backend: null,
  backendMode: null,
  confirm: (title, message) => useConfirmStore.getState().ask(title, message),
  notify: (message) => useNoticeStore.getState().show(message),
  clearNotice: (message) => {
    if (useNoticeStore.getState().message === message) useNoticeStore.getState().clear();
  },
};

/** Lends the canvas viewport controls to commands (null when the canvas unmounts). */
export function setViewControls(view: ViewControls | null): void {
  appContext.view = view;
}

/** Connects the app to its back end; initBackend calls it once, when the transport is known. */
export function setBackend(backend: ApiTransport, mode: NonNullable<CommandContext['backendMode']>): void {
  appContext.backend = backend;
  appContext.backendMode = mode;
}
