import type { ReactFlowInstance } from '@xyflow/react';
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { Canvas } from '../../../src/renderer/src/canvas/Canvas';
import type { FlowEdge, FlowNode } from '../../../src/renderer/src/canvas/types';
import '../../../src/renderer/src/styles.css';
import { useDesignStore } from '../../../src/renderer/src/stores/designStore';
import { machineLinkCount, runBenchPage } from './harness';

// The app's real canvas component with the real stores and the app's CSS, filling the window.

let instance: ReactFlowInstance<FlowNode, FlowEdge> | null = null;
const onInit = (flow: ReactFlowInstance<FlowNode, FlowEdge>) => {
  instance = flow;
};

runBenchPage({
  render(design) {
    useDesignStore.getState().reset(design, { name: null, revision: null });
    createRoot(document.getElementById('root')!).render(h(Canvas, { onInit }));
  },
  complete(design) {
    const sites = Object.keys(design.sites).length;
    const machines = Object.keys(design.machines).length;
    const links = machineLinkCount(design);
    const nodes = document.querySelectorAll<HTMLElement>('.react-flow__node');
    for (const node of nodes) if (node.style.visibility === 'hidden') return false;
    if (document.querySelectorAll('.react-flow__node-site').length < sites) return false;
    // In large designs the canvas layer draws machines and links at low zoom; it says what it drew, at which
    // zoom, and which part of the flow its bitmap covers.
    const layer = document.querySelector<HTMLCanvasElement>('canvas.scene-layer');
    const viewport = instance?.getViewport();
    let layerCurrent = false;
    if (layer !== null && viewport !== undefined && layer.dataset.zoom === String(viewport.zoom)) {
      const [x, y, w, h] = (layer.dataset.covered ?? '').split(',').map(Number) as [number, number, number, number];
      const view = { x: -viewport.x / viewport.zoom, y: -viewport.y / viewport.zoom, width: innerWidth / viewport.zoom, height: innerHeight / viewport.zoom };
      layerCurrent = view.x >= x - 1 && view.y >= y - 1 && view.x + view.width <= x + w + 1 && view.y + view.height <= y + h + 1;
    }
    const drawnMachines = layerCurrent ? Number(layer!.dataset.machines) : 0;
    const drawnLinks = layerCurrent ? Number(layer!.dataset.links) : 0;
    return (
      drawnMachines + document.querySelectorAll('.react-flow__node-machine').length >= machines &&
      drawnLinks + document.querySelectorAll('.react-flow__edge-link').length >= links
    );
  },
  getViewport: () => instance?.getViewport() ?? null,
  setViewport: (viewport) => void instance?.setViewport(viewport),
});
