import { ReactFlow, useEdgesState, useNodesState, type Edge, type Node, type ReactFlowInstance } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { createElement as h, useMemo } from 'react';
import { createRoot } from 'react-dom/client';
import type { Design } from '../../../src/shared/model/types';
import { machineLinkCount, runBenchPage } from './harness';

// The baseline: React Flow 12 with its default settings, as in its quick start. Sites are group nodes with the
// machines as their children, machines are default nodes labelled with their names, links are default edges.
// No custom node types, no onlyRenderVisibleElements, no background, minimap or controls.

function toFlow(design: Design): { nodes: Node[]; edges: Edge[] } {
  const nodes: Node[] = [];
  for (const site of Object.values(design.sites)) {
    nodes.push({ id: site.id, type: 'group', position: site.position, style: { width: site.size.width, height: site.size.height }, data: { label: site.name } });
  }
  for (const machine of Object.values(design.machines)) {
    const node: Node = { id: machine.id, position: machine.position, data: { label: machine.name } };
    if (machine.siteId !== null) node.parentId = machine.siteId;
    nodes.push(node);
  }
  const edges: Edge[] = Object.values(design.links).map((link) => ({ id: link.id, source: link.source, target: link.target }));
  return { nodes, edges };
}

let instance: ReactFlowInstance | null = null;
const onInit = (flow: ReactFlowInstance) => {
  instance = flow;
};

function PlainFlow({ design }: { design: Design }) {
  // The conversion runs inside the first render, as the app's projection does.
  const flow = useMemo(() => toFlow(design), [design]);
  const [nodes, , onNodesChange] = useNodesState(flow.nodes);
  const [edges, , onEdgesChange] = useEdgesState(flow.edges);
  const minZoom = new URLSearchParams(location.search).get('minZoom');
  return h(ReactFlow, { nodes, edges, onNodesChange, onEdgesChange, onInit, fitView: true, ...(minZoom === null ? {} : { minZoom: Number(minZoom) }) });
}

runBenchPage({
  render(design) {
    createRoot(document.getElementById('root')!).render(h(PlainFlow, { design }));
  },
  complete(design) {
    const expectedNodes = Object.keys(design.sites).length + Object.keys(design.machines).length;
    const nodes = document.querySelectorAll<HTMLElement>('.react-flow__node');
    if (nodes.length < expectedNodes) return false;
    for (const node of nodes) if (node.style.visibility === 'hidden') return false;
    return document.querySelectorAll('.react-flow__edge').length >= machineLinkCount(design);
  },
  getViewport: () => instance?.getViewport() ?? null,
  setViewport: (viewport) => void instance?.setViewport(viewport),
});
