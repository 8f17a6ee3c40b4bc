import type { ReactFlowInstance, Viewport } from '@xyflow/react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useCanvasViewStore, viewKey, type SavedView } from '../stores/canvasViewStore';
import { getDocument, useDesign } from '../stores/designStore';
import { viewShows, viewShowsAll, type Box } from './geometry';
import type { FlowEdge, FlowNode } from './types';

/** React Flow's view and the canvas's size in pixels. */
interface FlowSize {
  transform: [number, number, number];
  width: number;
  height: number;
}

/** What the view memory needs from the canvas. */
export interface ViewMemoryInput {
  flow: ReactFlowInstance<FlowNode, FlowEdge>;
  flowStore: {
    getState(): FlowSize;
    subscribe(listener: (state: FlowSize, previous: FlowSize) => void): () => void;
  };
  /** Whether the canvas has shown the design yet (fitted or restored); before that its view is React Flow's default. */
  isShown: () => boolean;
  /** The box around the whole design, or null when it is empty. */
  designBounds: () => Box | null;
  /** Fits the view to the design. */
  fit: () => void;
}

/** What the canvas does with the view memory. */
export interface ViewMemory {
  /** The view to start from (React Flow's defaultViewport): where this design was last looked at, if anywhere. */
  initialView: SavedView | undefined;
  /** Whether the view started from still shows some of the design, so the canvas keeps it instead of fitting. */
  keepsInitialView: () => boolean;
  /** Remembers the view after every pan and zoom (React Flow's onMoveEnd). */
  onMoveEnd: (event: unknown, viewport: Viewport) => void;
}

/**
 * Keeps each design's canvas view (issue 17). The canvas is unmounted while another area is shown; it comes back at
 * the view it had, not at React Flow's zoom 1 or a fresh fit. Kept per design (by file name), in the session store
 * (canvasViewStore), so reopening a design shows it where it was left. A view that would show nothing of the design
 * (the file changed elsewhere) is not restored: the design is fitted instead.
 */
export function useViewMemory({ flow, flowStore, isShown, designBounds, fit }: ViewMemoryInput): ViewMemory {
  const [initialView] = useState(() => useCanvasViewStore.getState().views[viewKey(getDocument().file.name)]);

  const keepsInitialView = useCallback(() => {
    const bounds = designBounds();
    const { width, height } = flowStore.getState();
    if (initialView === undefined || bounds === null || !viewShows(initialView, width, height, bounds)) return false;
    // The whole design was in view when it was left, in a canvas of another size (the window was resized in another
    // area): fitted again rather than shown cut off.
    const { width: leftWidth, height: leftHeight } = initialView;
    if (leftWidth !== undefined && leftHeight !== undefined && viewShowsAll(initialView, leftWidth, leftHeight, bounds) && !viewShowsAll(initialView, width, height, bounds)) return false;
    return true;
  }, [initialView, designBounds, flowStore]);

  // The window resized while the whole design was in view: it stays in view (a view showing part of it stays as is).
  useEffect(
    () =>
      flowStore.subscribe((state, previous) => {
        if ((state.width === previous.width && state.height === previous.height) || previous.width === 0 || previous.height === 0 || !isShown()) return;
        const bounds = designBounds();
        if (bounds === null) return;
        const [x, y, zoom] = state.transform;
        if (viewShowsAll({ x, y, zoom }, previous.width, previous.height, bounds) && !viewShowsAll({ x, y, zoom }, state.width, state.height, bounds)) fit();
      }),
    [flowStore, designBounds, isShown, fit],
  );

  const remember = useCallback(() => {
    if (!isShown()) return;
    const { transform, width, height } = flowStore.getState();
    const [x, y, zoom] = transform;
    useCanvasViewStore.getState().rememberView(viewKey(getDocument().file.name), { x, y, zoom, width, height });
  }, [isShown, flowStore]);

  const onMoveEnd = useCallback(() => remember(), [remember]);

  // Leaving the Design area unmounts the canvas: its last view is kept for when it comes back.
  useEffect(() => remember, [remember]);

  // Another design opened while the canvas is on screen: its own view if it has one. A design saved under a name
  // for the first time keeps the view it has now.
  const fileName = useDesign((s) => s.file.name);
  const shownFile = useRef(fileName);
  useEffect(() => {
    if (shownFile.current === fileName) return;
    shownFile.current = fileName;
    const saved = useCanvasViewStore.getState().views[viewKey(fileName)];
    const bounds = designBounds();
    const { width, height } = flowStore.getState();
    if (bounds === null || width === 0) return;
    if (saved !== undefined && viewShows(saved, width, height, bounds)) void flow.setViewport(saved);
    else if (!viewShows({ x: flowStore.getState().transform[0], y: flowStore.getState().transform[1], zoom: flowStore.getState().transform[2] }, width, height, bounds)) fit();
    remember();
  }, [fileName, flow, flowStore, designBounds, fit, remember]);

  return { initialView, keepsInitialView, onMoveEnd };
}
