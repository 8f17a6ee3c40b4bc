// @vitest-environment happy-dom
import { ReactFlow, ReactFlowProvider } from '@xyflow/react';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { Design } from '../../../shared/model/types';
import { ok } from '../../../shared/result';
import { appContext, setBackend } from '../app/appContext';
import { sampleVerifyReport } from '../deploy/testVerify';
import { getDerived } from '../stores/derived';
import { useDesignStore } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useSelectionStore } from '../stores/selectionStore';
import { ContextMenu } from './ContextMenu';
import { edgeTypes, nodeTypes } from './nodeTypes';
import { EdgeProjector, NodeProjector } from './projection';
import type { FlowEdge, FlowNode, VerifyFlowEdge } from './types';
import { verifyPairs } from './verifyPairs';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// The canvas lines of the last verify: one per tested pair of machines, coloured by how the pair did, with both
// directions' reasons and paths as tooltip and accessible name; nothing when there is no result.

const pairId = (a: string, b: string) => (a < b ? `vf:${a}:${b}` : `vf:${b}:${a}`);

/** Machine nodes without their site parents, so they render on their own, and the projected edges. */
function project(design: Design, verify: ReturnType<typeof verifyPairs> | null, edgeProjector = new EdgeProjector()) {
  const derived = getDerived(design);
  const nodes = new NodeProjector()
    .project(design, new Set(), new Map(), derived)
    .filter((n) => n.type === 'machine')
    .map(({ parentId: _parent, ...node }, i) => ({ ...node, position: { x: (i % 3) * 260, y: Math.floor(i / 3) * 200 } }) as FlowNode);
  return { nodes, edges: edgeProjector.project(design, new Set(), derived, true, verify) };
}

let container: HTMLDivElement;
let root: Root;

beforeEach(() => {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

describe('the last verify on the canvas', () => {
  test('draws each tested pair once, coloured by the worse direction; nothing at all without a result or with the VPN lines hidden', () => {
    const { report, ids } = sampleVerifyReport();
    const pairs = verifyPairs(report.matrix!);
    expect(pairs).toHaveLength(6);
    const look = (a: string, b: string) => pairs.find((p) => p.id === pairId(a, b))!.look;
    // nas → pc got no reply (pc → nas did): the line is red.
    expect(look(ids.nas, ids.pc)).toBe('notReached');
    expect(look(ids.nas, ids.bastion)).toBe('reached');
    expect(look(ids.tablet, ids.nas)).toBe('untested');

    const without = project(ids.design, null).edges;
    expect(without.some((e) => e.type === 'verify')).toBe(false);
    const hidden = new EdgeProjector().project(ids.design, new Set(), getDerived(ids.design), false, pairs);
    expect(hidden.some((e) => e.type === 'verify')).toBe(false);
  });

  test('keeps the same edge objects while the result and the design stay the same (React Flow skips them)', () => {
    const { report, ids } = sampleVerifyReport();
    const projector = new EdgeProjector();
    const first = project(ids.design, verifyPairs(report.matrix!), projector).edges;
    const second = project(ids.design, verifyPairs(report.matrix!), projector).edges;
    expect(second).toHaveLength(first.length);
    second.forEach((edge, i) => expect(edge).toBe(first[i]));
    // No result: the links and the predicted paths are the very objects they were.
    const plain = project(ids.design, null, projector).edges;
    expect(plain.every((edge) => first.includes(edge))).toBe(true);
  });

  test('the line of the red pair carries its reason and the paths as tooltip and accessible name, by machine name', () => {
    const { report, ids } = sampleVerifyReport();
    const { nodes, edges } = project(ids.design, verifyPairs(report.matrix!));
    act(() =>
      root.render(
        <ReactFlowProvider>
          <div style={{ width: 1200, height: 800 }}>
            <ReactFlow<FlowNode, FlowEdge> nodes={nodes} edges={edges} nodeTypes={nodeTypes} edgeTypes={edgeTypes} defaultViewport={{ x: 0, y: 0, zoom: 1 }} />
          </div>
        </ReactFlowProvider>,
      ),
    );
    const red = container.querySelector(`[data-testid="rf__edge-${pairId(ids.nas, ids.pc)}"]`)!;
    expect(red).not.toBeNull();
    const label = red.getAttribute('aria-label')!;
    const reason = (from: string, to: string) => report.matrix!.cells.find((c) => c.fromName === from && c.toName === to)!.reason;
    expect(label).toBe(
      `Last verify between "nas" and "pc": not reached. "nas" to "pc": not reached. ${reason('nas', 'pc')} Path predicted: direct; observed: relayed, which differs from the prediction. "pc" to "nas": reached. ${reason('pc', 'nas')} Path predicted: direct; observed: relayed, which differs from the prediction.`,
    );
    expect(red.querySelector('title')!.textContent).toBe(label);
    expect(red.querySelector('g.verify-edge')!.getAttribute('class')).toBe('verify-edge verify-edge-notReached');
    // A pair that needs attention can be reached with the keyboard; a reached one is named but no tab stop.
    expect(red.getAttribute('tabindex')).toBe('0');
    const green = container.querySelector(`[data-testid="rf__edge-${pairId(ids.nas, ids.bastion)}"]`)!;
    expect(green.querySelector('g.verify-edge')!.getAttribute('class')).toBe('verify-edge verify-edge-reached');
    expect(green.getAttribute('tabindex')).toBeNull();
    const grey = container.querySelector(`[data-testid="rf__edge-${pairId(ids.nas, ids.tablet)}"]`)!;
    expect(grey.getAttribute('aria-label')).toContain(reason('nas', 'tablet'));
    expect(grey.getAttribute('aria-label')).toContain(': not tested.');
    // Never an internal id where a person or a screen reader meets it.
    for (const edge of edges.filter((e): e is VerifyFlowEdge => e.type === 'verify')) {
      for (const id of [ids.nas, ids.bastion, ids.tablet, ids.pc]) expect(edge.ariaLabel!.includes(id)).toBe(false);
    }
  });

  test('a machine deleted since the verify takes its lines with it', () => {
    const { report, ids } = sampleVerifyReport();
    const { [ids.pc as keyof Design['machines']]: _pc, ...machines } = ids.design.machines;
    const { edges } = project({ ...ids.design, machines }, verifyPairs(report.matrix!));
    const lines = edges.filter((e) => e.type === 'verify');
    expect(lines).toHaveLength(3);
    expect(lines.some((e) => e.source === ids.pc || e.target === ids.pc)).toBe(false);
  });
});

describe('the canvas right-click menu', () => {
  let before: ApiTransport | null;
  beforeEach(() => {
    before = appContext.backend;
    setBackend({ subscribe: () => () => undefined, invoke: (async () => ok({})) as ApiTransport['invoke'] }, 'serve');
    useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
    useSelectionStore.getState().select([]);
  });
  afterEach(() => {
    appContext.backend = before;
  });

  test('offers Verify network on the empty canvas of a saved design with a VPN, and not on an unsaved one', () => {
    const { ids } = sampleVerifyReport();
    useDesignStore.getState().reset(ids.design, { name: 'family.clan-design.json', revision: 'r' });
    act(() => root.render(<ContextMenu state={{ x: 10, y: 10, at: { x: 0, y: 0 } }} onClose={() => undefined} />));
    expect([...container.querySelectorAll('[role="menuitem"]')].map((b) => b.textContent)).toContain('Verify network');
    act(() => useDesignStore.getState().reset(ids.design, { name: null, revision: null }));
    act(() => root.render(<ContextMenu state={{ x: 12, y: 10, at: { x: 0, y: 0 } }} onClose={() => undefined} />));
    expect([...container.querySelectorAll('[role="menuitem"]')].map((b) => b.textContent)).not.toContain('Verify network');
  });
});
