import { getNodesBounds, getViewportForBounds, type Node } from '@xyflow/react';
import { toPng, toSvg } from 'html-to-image';

/**
 * Renders the whole design (not just the visible part) to PNG or SVG with html-to-image, the approach React
 * Flow's own "download image" example uses: fit all nodes into a fixed-size frame and snapshot the viewport.
 */
export async function renderCanvasImage(nodes: Node[], format: 'png' | 'svg', background: string): Promise<string> {
  const viewportElement = document.querySelector<HTMLElement>('.react-flow__viewport');
  if (viewportElement === null) throw new Error('the canvas is not on screen');
  const bounds = getNodesBounds(nodes);
  const width = Math.min(4096, Math.max(800, Math.ceil(bounds.width + 80)));
  const height = Math.min(4096, Math.max(500, Math.ceil(bounds.height + 80)));
  const viewport = getViewportForBounds(bounds, width, height, 0.1, 2, 0.05);
  const options = {
    backgroundColor: background,
    width,
    height,
    style: { width: `${width}px`, height: `${height}px`, transform: `translate(${viewport.x}px, ${viewport.y}px) scale(${viewport.zoom})` },
  };
  return format === 'png' ? toPng(viewportElement, options) : toSvg(viewportElement, options);
}
