import {
  Background,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type MouseEvent as ReactMouseEvent } from 'react';
import { moveItems, putLink } from '../../../shared/model/ops';
import type { LinkId, MachineId } from '../../../shared/model/types';
import { appContext, setViewControls } from '../app/appContext';
import { executeCommand } from '../commands/registry';
import { getDerived } from '../stores/derived';
import { designStore, useDesign } from '../stores/designStore';
import { selectionStore, useSelection } from '../stores/selectionStore';
import { transientStore, useTransient } from '../stores/transientStore';
import { useUiStore } from '../stores/uiStore';
import { computeAutoLayout } from './autoLayout';
import { movesForDrag } from './canvasActions';
import { ContextMenu, type ContextMenuState } from './ContextMenu';
import { downloadDataUrl, renderCanvasImage } from './exportImage';
import { edgeTypes, nodeTypes } from './nodeTypes';
import { EdgeProjector, NodeProjector } from './projection';
import type { FlowEdge, FlowNode } from './types';

/** The drag payload from the palette. */
export const PALETTE_MIME = 'application/x-clan-designer-item';

const GRID: [number, number] = [16, 16];
const fitViewOptions = { padding: 0.15, maxZoom: 1.2 };
const proOptions = { hideAttribution: false };
const miniMapStyle = { width: 160, height: 110 };

/**
 * The canvas is controlled: React Flow reports clicks and box selections as 'select' changes, and the selection
 * store (ephemeral state, never in the undo history) is the single source of truth.
 */
function applySelectionChanges(changes: readonly (NodeChange<FlowNode> | EdgeChange<FlowEdge>)[]): void {
  let next: Set<string> | null = null;
  for (const change of changes) {
    if (change.type !== 'select') continue;
    next ??= new Set(selectionStore.getState().selectedIds);
    if (change.selected) next.add(change.id);
    else next.delete(change.id);
  }
  if (next !== null) selectionStore.getState().select([...next].filter((id) => !id.startsWith('ov:')));
}

function CanvasInner() {
  const design = useDesign((s) => s.design);
  const selectedIds = useSelection((s) => s.selectedIds);
  const focusRequest = useSelection((s) => s.focusRequest);
  const overlayVisible = useUiStore((s) => s.overlayVisible);
  const snapPreference = useUiStore((s) => s.snapToGrid);
  const [altHeld, setAltHeld] = useState(false);
  const transient = useTransient();
  const [menu, setMenu] = useState<ContextMenuState | null>(null);
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const wrapper = useRef<HTMLDivElement>(null);
  // One projector per canvas, kept for its lifetime: it holds the per-record node cache.
  const [nodeProjector] = useState(() => new NodeProjector());
  const [edgeProjector] = useState(() => new EdgeProjector());

  const derived = getDerived(design);
  const selected = useMemo(() => new Set(selectedIds), [selectedIds]);
  const nodes = useMemo(() => nodeProjector.project(design, selected, transient, derived), [nodeProjector, design, selected, transient, derived]);
  const edges = useMemo(() => edgeProjector.project(design, selected, derived, overlayVisible), [edgeProjector, design, selected, derived, overlayVisible]);

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

  // Lend viewport controls to commands while the canvas is mounted.
  useEffect(() => {
    setViewControls({
      fitView: () => void flow.fitView({ ...fitViewOptions, duration: 200 }),
      zoomIn: () => void flow.zoomIn({ duration: 150 }),
      zoomOut: () => void flow.zoomOut({ duration: 150 }),
      center: () => {
        const box = wrapper.current?.getBoundingClientRect();
        return box === undefined ? { x: 0, y: 0 } : flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 });
      },
      autoLayout: async () => {
        const before = designStore.getState().design;
        const next = await computeAutoLayout(before);
        // Only apply when nothing changed while ELK was working; one undo step either way.
        if (designStore.getState().design === before) designStore.getState().commit(next);
        window.requestAnimationFrame(() => void flow.fitView({ ...fitViewOptions, duration: 200 }));
      },
      exportImage: async (format) => {
        const background = getComputedStyle(document.body).backgroundColor;
        const url = await renderCanvasImage(flow.getNodes(), format, background);
        const name = (designStore.getState().file.name ?? 'design').replace(/\.clan-design\.json$/, '');
        downloadDataUrl(url, `${name}.${format}`);
        appContext.notify(`Exported ${name}.${format}`);
      },
    });
    return () => setViewControls(null);
  }, [flow]);

  // The problems panel asks to focus items: select them and bring them to the middle of the view.
  useEffect(() => {
    if (focusRequest === null) return;
    const internal = focusRequest.ids.map((id) => flow.getInternalNode(id)).find((n) => n !== undefined);
    if (internal === undefined) return;
    const { x, y } = internal.internals.positionAbsolute;
    void flow.setCenter(x + (internal.measured.width ?? 0) / 2, y + (internal.measured.height ?? 0) / 2, { zoom: Math.max(flow.getZoom(), 1), duration: 250 });
  }, [focusRequest, flow]);

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    applySelectionChanges(changes);
    const current = transientStore.getState().items;
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
      }
    }
    if (nextTransient !== null) transientStore.getState().set(nextTransient);
  }, []);

  // Edges are deleted by the Delete command; only their selection is taken from React Flow.
  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdge>[]) => applySelectionChanges(changes), []);

  const onNodeDragStop = useCallback((_event: unknown, _node: FlowNode, dragged: FlowNode[]) => {
    const { design: current, commit } = designStore.getState();
    const moves = movesForDrag(
      current,
      dragged.map((n) => ({ id: n.id, position: n.position, width: n.measured?.width, height: n.measured?.height })),
    );
    commit(moveItems(current, moves));
    transientStore.getState().clear();
  }, []);

  const onConnect = useCallback((connection: Connection) => {
    if (connection.source === connection.target) return;
    const { design: current, commit } = designStore.getState();
    const exists = Object.values(current.links).some((l) => (l.source === connection.source && l.target === connection.target) || (l.source === connection.target && l.target === connection.source));
    if (exists) return;
    const id = appContext.ids.link();
    commit(putLink(current, { id, kind: 'cable', source: connection.source as MachineId, target: connection.target as MachineId, ports: null, label: '', meta: {} }));
    selectionStore.getState().select([id as LinkId]);
  }, []);

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
      void executeCommand(appContext, item.type === 'site' ? 'addSite' : 'addMachine', { kind: item.kind, at });
    },
    [flow],
  );

  const onNodeDoubleClick = useCallback((_e: ReactMouseEvent, node: FlowNode) => {
    selectionStore.getState().select([node.id]);
    selectionStore.getState().setEditing(node.id);
  }, []);

  const openMenu = useCallback((event: ReactMouseEvent | MouseEvent, targetId: string | null) => {
    event.preventDefault();
    if (targetId !== null && !selectionStore.getState().selectedIds.includes(targetId)) selectionStore.getState().select([targetId]);
    if (targetId === null) selectionStore.getState().select([]);
    const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    setMenu({ x: event.clientX, y: event.clientY, at });
  }, [flow]);

  return (
    <div className="canvas-wrapper" ref={wrapper} onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStop={onNodeDragStop}
        onNodeDoubleClick={onNodeDoubleClick}
        onNodeContextMenu={(e, n) => openMenu(e, n.id)}
        onEdgeContextMenu={(e, edge) => openMenu(e, edge.type === 'link' ? edge.id : null)}
        onPaneContextMenu={(e) => openMenu(e, null)}
        onPaneClick={() => setMenu(null)}
        onConnect={onConnect}
        connectionMode={ConnectionMode.Loose}
        snapToGrid={snapPreference && !altHeld}
        snapGrid={GRID}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        fitView
        fitViewOptions={fitViewOptions}
        minZoom={0.05}
        maxZoom={2.5}
        onlyRenderVisibleElements
        elevateNodesOnSelect={false}
        proOptions={proOptions}
      >
        <Background gap={GRID[0]} size={1} />
        <MiniMap pannable zoomable ariaLabel="Overview of the whole design" nodeStrokeWidth={2} style={miniMapStyle} />
        <Controls showInteractive={false} />
      </ReactFlow>
      {menu !== null && <ContextMenu state={menu} onClose={() => setMenu(null)} />}
    </div>
  );
}

/** The design canvas, with its own React Flow provider. */
export function Canvas() {
  return (
    <ReactFlowProvider>
      <CanvasInner />
    </ReactFlowProvider>
  );
}
