import {
  Background,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore as useFlowStore,
  useStoreApi,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type ReactFlowInstance,
  type ReactFlowState,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './canvas.css';
import { flushSync } from 'react-dom';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent as ReactKeyboardEvent, type MouseEvent as ReactMouseEvent, type PointerEvent as ReactPointerEvent, type RefObject } from 'react';
import { create } from 'zustand';
import { isMachineId } from '../../../shared/model/ids';
import type { Design, MachineId } from '../../../shared/model/types';
import { appContext, setViewControls } from '../app/appContext';
import { runCommandKey } from '../app/useCommandKeys';
import { useCanvasViewStore } from '../stores/canvasViewStore';
import type { ConnectArgs, InsertArgs, MoveArgs } from '../commands/designCommands';
import { executeCommand } from '../commands/registry';
import { getDerived } from '../stores/derived';
import { getDocument, useDesign } from '../stores/designStore';
import { useSelectionStore } from '../stores/selectionStore';
import { useTransientStore } from '../stores/transientStore';
import { useUiStore } from '../stores/uiStore';
import { loadChunk, reportChunkFailure } from '../app/chunks';
import { ContextMenu, type ContextMenuState } from './ContextMenu';
import type { LayerContent } from './drawScene';
import { backgroundGap, boundsOf, boxFromCorners, buildItemScene, buildSiteScene, centre, contains, designBoxes, FIT_OPTIONS, linkAt, machineAt, machinesInside, overlaps, RegionTracker, regionFromKey, viewportAvoiding, visibleRect, type Box, type MeasuredSizes, type Point } from './geometry';
import { DETAIL_ZOOM } from './MachineNode';
import { edgeTypes, nodeTypes } from './nodeTypes';
import { OVERVIEW_REACH, OverviewMap } from './OverviewMap';
import { OverviewToggle } from './OverviewToggle';
import { useViewMemory } from './useViewMemory';
import { EdgeProjector, NodeProjector, StableList } from './projection';
import { verifyPairs } from './verifyPairs';
import { useShownVerifyReport } from '../deploy/verifyStore';
import { SceneLayer } from './SceneLayer';
import type { FlowEdge, FlowNode } from './types';

/** The drag payload from the palette. */
export const PALETTE_MIME = 'application/x-clan-designer-item';

/**
 * Above this many machines the canvas switches to its large-design drawing (measured by `npm run bench:canvas`):
 *
 * - Below DETAIL_ZOOM (and until the first fit) sites, machines and all lines are drawn into one bitmap
 *   (SceneLayer). React Flow renders only the sites, as transparent areas to click, drag and resize, and the
 *   machines being touched: hovered, selected, renamed, dragged, or at the end of a connection being drawn. A
 *   click, a selection box or a right-click on something only drawn is resolved against the same geometry.
 * - At normal zoom React Flow gets the machines in a region of about three screens around the view (and the far
 *   ends of their links), culls them to the view itself (onlyRenderVisibleElements), and the overlay mesh between
 *   sites is drawn by the layer: with many sites it is thousands of long lines.
 * - The overview is a simplified bitmap (it says so) instead of React Flow's MiniMap, which draws one SVG element
 *   per node and re-renders them as the view moves.
 *
 * Smaller designs are drawn by React Flow alone, as before: every node is DOM at every zoom.
 */
export const LARGE_DESIGN_MACHINES = 150;

const GRID: [number, number] = [16, 16];
const proOptions = { hideAttribution: false };
const miniMapStyle = { width: 160, height: 110 };
/** How far React Flow's MiniMap reaches in from the canvas's right edge: its width and the panel's margin. */
const MINIMAP_REACH = 160 + 15;
/** What screen readers hear about the canvas's items: our keys (React Flow's texts name its own defaults). */
const ariaLabelConfig = {
  // React Flow shows this text when keyboard use is on (its name says the opposite).
  'node.a11yDescription.keyboardDisabled':
    'Press Enter or Space to select. Arrow keys move the selection, with Shift in bigger steps. Delete removes it, Escape selects nothing.',
  'edge.a11yDescription.default': 'Press Enter or Space to select the link. Delete removes it, Escape selects nothing.',
} as const;
/** Arrow keys React Flow would handle itself on a focused node (moving it outside the undo history). */
const arrowKeys = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown']);

/** What floats over the canvas (controls and overview, marked `.canvas-chrome`; React Flow's attribution), in canvas pixels. */
function chromeBoxes(wrapper: HTMLElement): Box[] {
  const canvas = wrapper.getBoundingClientRect();
  return [...wrapper.querySelectorAll('.canvas-chrome, .react-flow__attribution')].map((e) => {
    const r = e.getBoundingClientRect();
    return { x: r.left - canvas.left, y: r.top - canvas.top, width: r.width, height: r.height };
  });
}
const noEdges: FlowEdge[] = [];
/** How far (in screen pixels) around a machine the pointer still counts as on it: its handles stick out. */
const HOVER_MARGIN = 8;

const zoomedOutSelector = (s: ReactFlowState) => s.transform[2] < DETAIL_ZOOM;
/** Below this zoom, machines drawn simply carry no name: the box is smaller than the text. */
const MIN_LABEL_ZOOM = 0.2;
const readySelector = (s: ReactFlowState) => s.width > 0 && s.height > 0 && s.panZoom !== null;
const backgroundGapSelector = (s: ReactFlowState) => backgroundGap(s.transform[2], GRID[0]);

/** Canvas-local view state, kept outside React state so effects may set it. */
interface ViewState {
  /** The design was shown once (fitted or at its remembered view; on mount, or when the first items appeared). */
  fitted: boolean;
  markFitted: () => void;
}

/** One per canvas: a remounted canvas shows the design again, at its remembered view (useViewMemory) or fitted. */
const createViewStore = () =>
  create<ViewState>()((set) => ({
    fitted: false,
    markFitted: () => set({ fitted: true }),
  }));

/**
 * The canvas is controlled: React Flow reports clicks and box selections as 'select' changes, and the selection
 * store (ephemeral state, never in the undo history) is the single source of truth.
 */
function applySelectionChanges(changes: readonly (NodeChange<FlowNode> | EdgeChange<FlowEdge>)[]): void {
  let next: Set<string> | null = null;
  for (const change of changes) {
    if (change.type !== 'select') continue;
    next ??= new Set(useSelectionStore.getState().selectedIds);
    if (change.selected) next.add(change.id);
    else next.delete(change.id);
  }
  if (next !== null) useSelectionStore.getState().select([...next].filter((id) => !id.startsWith('ov:')));
}

/** Background dots on the snap grid, thinned out when zoomed out so they never become a costly carpet. */
function CanvasBackground() {
  const gap = useFlowStore(backgroundGapSelector);
  return <Background gap={gap} size={1} />;
}

function CanvasInner({ onInit }: CanvasProps) {
  const design = useDesign((s) => s.design);
  const selectedIds = useSelectionStore((s) => s.selectedIds);
  const editingId = useSelectionStore((s) => s.editingId);
  const focusRequest = useSelectionStore((s) => s.focusRequest);
  const overlayVisible = useUiStore((s) => s.overlayVisible);
  const snapPreference = useUiStore((s) => s.snapToGrid);
  const [altHeld, setAltHeld] = useState(false);
  const transient = useTransientStore((s) => s.items);
  const [menu, setMenu] = useState<ContextMenuState | null>(null);
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const flowStore = useStoreApi<FlowNode, FlowEdge>();
  const wrapper = useRef<HTMLDivElement>(null);
  // One projector per canvas, kept for its lifetime: it holds the per-record node cache.
  const [nodeProjector] = useState(() => new NodeProjector());
  const [edgeProjector] = useState(() => new EdgeProjector());
  const [useViewStore] = useState(createViewStore);
  const fitted = useViewStore((s) => s.fitted);
  const zoomedOut = useFlowStore(zoomedOutSelector);
  const ready = useFlowStore(readySelector);
  const overviewOpen = useCanvasViewStore((s) => s.overviewOpen);
  useLabelScale(flowStore, wrapper);
  // Large designs at low zoom: machines under the pointer (and at the end of a connection being drawn) become
  // React Flow nodes, so they can be clicked, dragged and connected as usual.
  const [hovered, setHovered] = useState<string | null>(null);
  const [connectTarget, setConnectTarget] = useState<string | null>(null);
  const selectionStart = useRef<Point | null>(null);

  const derived = getDerived(design);
  const selected = useMemo(() => new Set(selectedIds), [selectedIds]);
  // The last verify of the design on screen colours the connections between its machines. It changes once per
  // result (never per progress event), and its lines are computed once per result, so edges stay the same objects.
  const verifyReport = useShownVerifyReport(useDesign((s) => s.file.name));
  const verify = verifyReport?.matrix == null ? null : verifyPairs(verifyReport.matrix);
  const allNodes = useMemo(() => nodeProjector.project(design, selected, transient, derived), [nodeProjector, design, selected, transient, derived]);
  const allEdges = useMemo(() => edgeProjector.project(design, selected, derived, overlayVisible, verify), [edgeProjector, design, selected, derived, overlayVisible, verify]);

  const machineCount = useMemo(() => Object.keys(design.machines).length, [design.machines]);
  const empty = machineCount === 0 && Object.keys(design.sites).length === 0;
  const large = machineCount > LARGE_DESIGN_MACHINES;
  // Until the first fit the zoom is React Flow's default 1; a large design starts drawn simply, not as DOM.
  const lowDetail = large && (zoomedOut || !fitted);

  const linkEdges = useMemo(() => allEdges.filter((e) => e.type === 'link'), [allEdges]);
  const verifyEdges = useMemo(() => allEdges.filter((e) => e.type === 'verify'), [allEdges]);

  // What the scene layer and the overview draw. Sites and the overlay change rarely (stable lists keep their memo
  // from rebuilding on every edit); machines and links change with every edit, selection and drag.
  const [siteList] = useState(() => new StableList<FlowNode>());
  const [overlayList] = useState(() => new StableList<FlowEdge>());
  const siteNodes = useMemo(() => siteList.update(allNodes.filter((n) => n.type === 'site')), [siteList, allNodes]);
  const overlayEdges = useMemo(() => overlayList.update(allEdges.filter((e) => e.type === 'overlay')), [overlayList, allEdges]);
  const siteScene = useMemo(() => (large ? buildSiteScene(siteNodes, overlayEdges) : null), [large, siteNodes, overlayEdges]);
  const itemScene = useMemo(
    () => (large ? buildItemScene(allNodes, lowDetail ? linkEdges : noEdges, nodeProjector.measured) : null),
    [large, lowDetail, allNodes, linkEdges, nodeProjector],
  );
  const layerItems = lowDetail ? itemScene : null;
  const layerContent: LayerContent | null = useMemo(
    () =>
      // Nothing to draw at normal zoom without the overlay: no layer (and no bitmap) at all.
      siteScene === null || (layerItems === null && siteScene.overlay.length === 0) ? null : { sites: siteScene, items: layerItems, drawSites: layerItems !== null },
    [siteScene, layerItems],
  );

  // Large designs at normal zoom: React Flow gets the machines in the region around the view (see RegionTracker).
  const regionNeeded = large && !lowDetail;
  const [regionTracker] = useState(() => new RegionTracker());
  const region = useFlowStore(useCallback((s: ReactFlowState) => (regionNeeded ? regionTracker.update(s.transform, s.width, s.height) : ''), [regionNeeded, regionTracker]));

  // Machines a large design always hands to React Flow: the ones being touched (selected, renamed, dragged, and at
  // low zoom the one under the pointer or at the end of a connection being drawn).
  const touched = useMemo(() => {
    if (!large) return null;
    const ids = new Set<string>(selectedIds);
    for (const id of transient.keys()) ids.add(id);
    if (editingId !== null) ids.add(editingId);
    if (lowDetail && hovered !== null) ids.add(hovered);
    if (lowDetail && connectTarget !== null) ids.add(connectTarget);
    return ids;
  }, [large, lowDetail, selectedIds, transient, editingId, hovered, connectTarget]);

  const { nodes, edges } = useMemo((): { nodes: FlowNode[]; edges: FlowEdge[] } => {
    if (touched === null || itemScene === null) return { nodes: allNodes, edges: allEdges };
    if (lowDetail) {
      // The layer draws all lines; selected links stay in React Flow (hidden), so clicking something else
      // unselects them as usual.
      const selectedLinks = linkEdges.filter((e) => e.selected === true).map((e) => ({ ...e, hidden: true }));
      return { nodes: allNodes.filter((n) => n.type === 'site' || touched.has(n.id)), edges: selectedLinks.length === 0 ? noEdges : selectedLinks };
    }
    // Normal zoom: machines in the region, plus the far ends of their links (and of the last verify's lines) so those
    // lines are drawn; the layer draws the overlay mesh, so React Flow gets links only. At low zoom the verify lines
    // are not drawn: the Verify tab lists the pairs.
    const area = regionFromKey(region);
    const keep = new Set(touched);
    for (const m of itemScene.machines) if (area === null || overlaps(m, area)) keep.add(m.id);
    const kept: FlowEdge[] = [];
    const ends = new Set<string>();
    for (const e of verifyEdges.length === 0 ? linkEdges : [...linkEdges, ...verifyEdges]) {
      if (keep.has(e.source) || keep.has(e.target)) {
        kept.push(e);
        ends.add(e.source);
        ends.add(e.target);
      }
    }
    return { nodes: allNodes.filter((n) => n.type === 'site' || keep.has(n.id) || ends.has(n.id)), edges: kept };
  }, [touched, itemScene, lowDetail, allNodes, allEdges, linkEdges, verifyEdges, region]);

  // Holding Alt bypasses snapping, as in most drawing tools.
  useEffect(() => {
    const down = (e: KeyboardEvent) => e.key === 'Alt' && setAltHeld(true);
    const up = (e: KeyboardEvent) => e.key === 'Alt' && setAltHeld(false);
    const blur = () => setAltHeld(false);
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    };
  }, []);

  const designBounds = useCallback(() => boundsOf(designBoxes(getDocument().design, nodeProjector.measured).values()), [nodeProjector]);

  /**
   * Fits the view to the whole design, from the model (React Flow knows only the nodes it was given), in the part
   * of the canvas the controls and the overview leave free (issue 17).
   */
  const fitDesign = useCallback(
    (duration?: number) => {
      const { width, height } = flowStore.getState();
      const bounds = designBounds();
      if (bounds === null || width === 0 || height === 0) return;
      const chrome = wrapper.current === null ? [] : chromeBoxes(wrapper.current);
      void flow.setViewport(viewportAvoiding(bounds, width, height, chrome, FIT_OPTIONS), duration === undefined ? undefined : { duration });
    },
    [flow, flowStore, designBounds],
  );

  const isShown = useCallback(() => useViewStore.getState().fitted, [useViewStore]);
  const fitNow = useCallback(() => fitDesign(), [fitDesign]);
  const viewMemory = useViewMemory({ flow, flowStore, isShown, designBounds, fit: fitNow });
  const { keepsInitialView } = viewMemory;

  // Once the flow has a size and the design has items (on mount, or when the first items appear): the view this
  // design was last looked at, or else a fit.
  useEffect(() => {
    if (!ready || empty || useViewStore.getState().fitted) return;
    if (!keepsInitialView()) fitDesign();
    useViewStore.getState().markFitted();
  }, [ready, empty, fitDesign, keepsInitialView, useViewStore]);

  // Escape with the focus nowhere in particular (the page, or the area around the canvas after a click on a blank
  // spot) gives the keyboard to the canvas: arrows and shortcuts act there, Tab goes on to its items, and no focus
  // frame is drawn around the whole area (issue 17).
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || wrapper.current === null) return;
      const focused = document.activeElement;
      if (focused === null || focused === document.body || (focused !== wrapper.current && focused.contains(wrapper.current))) wrapper.current.focus({ preventScroll: true });
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  // Lend viewport controls to commands while the canvas is mounted.
  useEffect(() => {
    setViewControls({
      // After a command added items, wait until they are drawn (and measured) before framing them.
      fitView: (options) => (options?.afterRender === true ? window.setTimeout(() => fitDesign(200), 50) : fitDesign(200)),
      zoomIn: () => void flow.zoomIn({ duration: 150 }),
      zoomOut: () => void flow.zoomOut({ duration: 150 }),
      center: () => {
        const box = wrapper.current?.getBoundingClientRect();
        return box === undefined ? { x: 0, y: 0 } : flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 });
      },
      visibleArea: () => {
        const { transform, width, height } = flowStore.getState();
        return visibleRect(transform, width, height);
      },
      measuredSizes: () => nodeProjector.measured,
      exportImage: async (kind) => {
        const exporter = await loadChunk('the picture export', () => import('./exportImage')).catch((error: unknown) => {
          if (!reportChunkFailure(error)) throw error;
          return null;
        });
        if (exporter === null || wrapper.current === null) return;
        // Drawn from the design and the sizes measured here, not from the DOM: culling and the low-zoom layer stay.
        const { design, file } = getDocument();
        const input = { design, fileName: file.name, measured: nodeProjector.measured, overlayVisible: useUiStore.getState().overlayVisible, themeElement: wrapper.current };
        appContext.notify(await exporter.exportDesign(kind, input));
      },
    });
    return () => setViewControls(null);
  }, [flow, flowStore, fitDesign, nodeProjector]);

  // The problems panel asks to focus items: select them and bring them to the middle of the view.
  useEffect(() => {
    if (focusRequest === null) return;
    const boxes = designBoxes(getDocument().design, nodeProjector.measured);
    const box = focusRequest.ids.map((id) => boxes.get(id)).find((b) => b !== undefined);
    if (box === undefined) return;
    const c = centre(box);
    void flow.setCenter(c.x, c.y, { zoom: Math.max(flow.getZoom(), 1), duration: 250 });
  }, [focusRequest, flow, nodeProjector]);

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      applySelectionChanges(changes);
      const current = useTransientStore.getState().items;
      let nextTransient: Map<string, { position?: { x: number; y: number }; width?: number; height?: number }> | null = null;
      for (const change of changes) {
        if (change.type === 'position' && change.position !== undefined && change.dragging === true) {
          nextTransient ??= new Map(current);
          nextTransient.set(change.id, { ...nextTransient.get(change.id), position: change.position });
        } else if (change.type === 'position' && change.position !== undefined && current.get(change.id)?.width !== undefined) {
          // Resizing from the top or left edge moves the site's corner.
          nextTransient ??= new Map(current);
          nextTransient.set(change.id, { ...nextTransient.get(change.id), position: change.position });
        } else if (change.type === 'dimensions' && change.resizing === true && change.dimensions !== undefined) {
          nextTransient ??= new Map(current);
          nextTransient.set(change.id, { ...nextTransient.get(change.id), width: change.dimensions.width, height: change.dimensions.height });
        } else if (change.type === 'dimensions' && change.dimensions !== undefined && change.resizing === undefined && isMachineId(change.id)) {
          nodeProjector.recordMeasured(change.id, change.dimensions);
        }
      }
      if (nextTransient !== null) useTransientStore.getState().set(nextTransient);
    },
    [nodeProjector],
  );

  // Edges are deleted by the Delete command; only their selection is taken from React Flow.
  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdge>[]) => applySelectionChanges(changes), []);

  // The drag's positions were in the transient store; the finished drag is one edit. The transient positions are
  // dropped once the design has the new ones, so nothing jumps back for a frame.
  const onNodeDragStop = useCallback((_event: unknown, _node: FlowNode, dragged: FlowNode[]) => {
    const args: MoveArgs = { dragged: dragged.map((n) => ({ id: n.id, position: n.position, width: n.measured?.width, height: n.measured?.height })) };
    void executeCommand(appContext, 'moveItems', args).finally(() => useTransientStore.getState().clear());
  }, []);

  const onConnect = useCallback((connection: Connection) => {
    void executeCommand(appContext, 'connectMachines', { source: connection.source as MachineId, target: connection.target as MachineId } satisfies ConnectArgs);
  }, []);

  const onConnectEnd = useCallback(() => setConnectTarget(null), []);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const raw = event.dataTransfer.getData(PALETTE_MIME);
      if (raw === '') return;
      event.preventDefault();
      let item: { type: 'site' | 'machine'; kind: string };
      try {
        item = JSON.parse(raw) as { type: 'site' | 'machine'; kind: string };
      } catch {
        return;
      }
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      void executeCommand(appContext, item.type === 'site' ? 'addSite' : 'addMachine', { kind: item.kind, at } satisfies InsertArgs);
    },
    [flow],
  );

  const onNodeDoubleClick = useCallback((_e: ReactMouseEvent, node: FlowNode) => {
    useSelectionStore.getState().select([node.id]);
    useSelectionStore.getState().setEditing(node.id);
  }, []);

  /** In low-detail mode: the machine or link drawn by the layer under a screen point. */
  const drawnItemAt = useCallback(
    (clientX: number, clientY: number): string | null => {
      if (layerItems === null) return null;
      const p = flow.screenToFlowPosition({ x: clientX, y: clientY });
      const zoom = flow.getZoom();
      return machineAt(layerItems, p)?.id ?? linkAt(layerItems, p, 6 / zoom)?.id ?? null;
    },
    [layerItems, flow],
  );

  const openMenu = useCallback(
    (event: ReactMouseEvent | MouseEvent, targetId: string | null) => {
      event.preventDefault();
      if (targetId !== null && !useSelectionStore.getState().selectedIds.includes(targetId)) useSelectionStore.getState().select([targetId]);
      if (targetId === null) useSelectionStore.getState().select([]);
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      setMenu({ x: event.clientX, y: event.clientY, at });
    },
    [flow],
  );

  // Low detail: a click that reaches a site's area on a machine the layer draws (a touch, or a click faster than the
  // hover) selects the machine, as it would at normal zoom.
  const onNodeClick = useCallback(
    (event: ReactMouseEvent, node: FlowNode) => {
      if (layerItems === null || node.type !== 'site') return;
      const hit = machineAt(layerItems, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
      if (hit !== null) queueMicrotask(() => useSelectionStore.getState().select([hit.id]));
    },
    [layerItems, flow],
  );

  const onPaneClick = useCallback(
    (event: ReactMouseEvent) => {
      setMenu(null);
      const hit = drawnItemAt(event.clientX, event.clientY);
      // React Flow clears its selection right after this handler; select the drawn item after that.
      if (hit !== null) queueMicrotask(() => useSelectionStore.getState().select([hit]));
    },
    [drawnItemAt],
  );

  const onPointerMove = useCallback(
    (event: ReactPointerEvent) => {
      if (layerItems === null) return;
      const connecting = flowStore.getState().connection.inProgress;
      // While panning, dragging or drawing a selection box nothing is hovered; while connecting, the target is.
      if (event.buttons !== 0 && !connecting) return;
      const p = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      const hit = machineAt(layerItems, p, HOVER_MARGIN / flow.getZoom())?.id ?? null;
      // Committed at once, so the node is there before a click that follows right after the move.
      if (connecting) flushSync(() => setConnectTarget(hit));
      else if (hit !== hovered) flushSync(() => setHovered(hit));
    },
    [layerItems, flow, flowStore, hovered],
  );
  const onPointerLeave = useCallback(() => setHovered(null), []);

  // A selection box in low-detail mode also selects the machines the layer draws inside it.
  const onSelectionStart = useCallback(() => {
    const rect = flowStore.getState().userSelectionRect;
    selectionStart.current = rect === null ? null : { x: rect.startX, y: rect.startY };
  }, [flowStore]);
  const onSelectionEnd = useCallback(
    (event: ReactMouseEvent) => {
      const start = selectionStart.current;
      selectionStart.current = null;
      if (layerItems === null || start === null) return;
      const end = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      const inside = machinesInside(layerItems, boxFromCorners(start, end));
      if (inside.length === 0) return;
      queueMicrotask(() => useSelectionStore.getState().select([...new Set([...useSelectionStore.getState().selectedIds, ...inside])]));
    },
    [layerItems, flow],
  );

  const onFitView = useCallback(() => fitDesign(200), [fitDesign]);
  // Arrow keys on a focused node: React Flow would move the node itself, outside the undo history. They run the
  // nudge command instead, like arrows anywhere else on the canvas (one undo step per burst).
  const onKeyDownCapture = useCallback((event: ReactKeyboardEvent) => {
    if (!arrowKeys.has(event.key) || !(event.target instanceof Element) || event.target.closest('.react-flow__node, .react-flow__nodesselection') === null) return;
    if (event.target.closest('.nokey, input, textarea, select') !== null) return;
    event.stopPropagation();
    runCommandKey(event.nativeEvent);
  }, []);
  const onNodeContextMenu = useCallback((e: ReactMouseEvent, n: FlowNode) => openMenu(e, n.id), [openMenu]);
  const onEdgeContextMenu = useCallback((e: ReactMouseEvent, edge: FlowEdge) => openMenu(e, edge.type === 'link' ? edge.id : null), [openMenu]);
  const onPaneContextMenu = useCallback((e: ReactMouseEvent | MouseEvent) => openMenu(e, drawnItemAt(e.clientX, e.clientY)), [openMenu, drawnItemAt]);

  return (
    // Focusable (not in the tab order) so a click on the empty canvas gives it the keyboard; see the Escape handler.
    <div
      className={lowDetail ? 'canvas-wrapper low-detail' : 'canvas-wrapper'}
      ref={wrapper}
      tabIndex={-1}
      onKeyDownCapture={onKeyDownCapture}
      onDragOver={onDragOver}
      onDrop={onDrop}
      onPointerMove={onPointerMove}
      onPointerLeave={onPointerLeave}
    >
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStop={onNodeDragStop}
        onNodeClick={onNodeClick}
        onNodeDoubleClick={onNodeDoubleClick}
        onNodeContextMenu={onNodeContextMenu}
        onEdgeContextMenu={onEdgeContextMenu}
        onPaneContextMenu={onPaneContextMenu}
        onPaneClick={onPaneClick}
        onSelectionStart={onSelectionStart}
        onSelectionEnd={onSelectionEnd}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        connectionMode={ConnectionMode.Loose}
        snapToGrid={snapPreference && !altHeld}
        snapGrid={GRID}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        minZoom={FIT_OPTIONS.minZoom}
        maxZoom={2.5}
        onlyRenderVisibleElements
        elevateNodesOnSelect={false}
        proOptions={proOptions}
        ariaLabelConfig={ariaLabelConfig}
        defaultViewport={viewMemory.initialView}
        onMoveEnd={viewMemory.onMoveEnd}
        onInit={onInit}
      >
        <CanvasBackground />
        {layerContent !== null && <SceneLayer content={layerContent} />}
        {siteScene !== null && itemScene !== null ? (
          <>
            {overviewOpen && <OverviewMap sites={siteScene} items={itemScene} />}
            <OverviewToggle open={overviewOpen} beside={OVERVIEW_REACH} />
          </>
        ) : (
          <SmallDesignOverview design={design} measured={nodeProjector.measured} open={overviewOpen} />
        )}
        <Controls className="canvas-chrome" showInteractive={false} onFitView={onFitView} />
      </ReactFlow>
      {menu !== null && <ContextMenu state={menu} onClose={() => setMenu(null)} />}
    </div>
  );
}

/** Options of the canvas; the app passes none. */
export interface CanvasProps {
  /** Receives the React Flow instance once the flow is ready (used by the canvas benchmark to drive the view). */
  onInit?: (instance: ReactFlowInstance<FlowNode, FlowEdge>) => void;
}

/**
 * Keeps `--label-scale` (1 / zoom) on the canvas wrapper, so names drawn while zoomed out (MachineNode's and
 * SiteNode's simple view) stay a readable size on screen, as map labels do. Set from a store subscription, not
 * React state: zooming re-renders no component, the browser only restyles those labels.
 */
function useLabelScale(flowStore: { getState(): { transform: [number, number, number] }; subscribe(listener: (state: { transform: [number, number, number] }) => void): () => void }, wrapper: RefObject<HTMLDivElement | null>): void {
  useEffect(() => {
    let last = 0;
    const apply = (state: { transform: [number, number, number] }) => {
      // At detail zoom no simple label is drawn: the value stays as it was, and zooming restyles nothing.
      const zoom = Math.min(state.transform[2], DETAIL_ZOOM);
      if (zoom === last || wrapper.current === null) return;
      last = zoom;
      wrapper.current.style.setProperty('--label-scale', String(1 / zoom));
      // Further out a machine box is smaller than its label: it is left blank, as before.
      wrapper.current.style.setProperty('--simple-label-display', zoom < MIN_LABEL_ZOOM ? 'none' : 'block');
    };
    apply(flowStore.getState());
    return flowStore.subscribe(apply);
  }, [flowStore, wrapper]);
}

/**
 * React Flow's MiniMap for a small design, shown only while part of the design is off screen: when all of it is in
 * view the overview adds nothing and would only cover a corner of it. When it is in the way it can be folded away.
 */
function SmallDesignOverview({ design, measured, open }: { design: Design; measured: MeasuredSizes; open: boolean }) {
  const bounds = useMemo(() => boundsOf(designBoxes(design, measured).values()), [design, measured]);
  const allInView = useFlowStore(useCallback((s: ReactFlowState) => bounds === null || (s.width > 0 && contains(visibleRect(s.transform, s.width, s.height), bounds)), [bounds]));
  if (allInView) return null;
  return (
    <>
      {open && <MiniMap pannable zoomable ariaLabel="Overview of the whole design" nodeStrokeWidth={2} style={miniMapStyle} />}
      <OverviewToggle open={open} beside={MINIMAP_REACH} />
    </>
  );
}

/** The design canvas, with its own React Flow provider. */
export function Canvas({ onInit }: CanvasProps) {
  return (
    <ReactFlowProvider>
      <CanvasInner onInit={onInit} />
    </ReactFlowProvider>
  );
}
