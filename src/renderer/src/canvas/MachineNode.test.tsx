// @vitest-environment happy-dom
import { ReactFlow, ReactFlowProvider } from '@xyflow/react';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { familyWithJumpHost } from '../../../shared/model/designBuilder';
import { setDeploySettings } from '../../../shared/model/ops';
import type { Design } from '../../../shared/model/types';
import { useCheckStore } from '../deploy/checkStore';
import { getDerived } from '../stores/derived';
import { MachineNode } from './MachineNode';
import { NodeProjector } from './projection';
import type { MachineFlowNode } from './types';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// Module scope, as on the real canvas (React Flow warns about new nodeTypes objects).
const nodeTypes = { machine: MachineNode };

/** Admin at home (nas), a public bastion, a tablet behind CGNAT through it, an office PC with no way in, a phone. */
function design() {
  const f = familyWithJumpHost();
  return { design: f.b.design, nas: f.nas, tablet: f.tablet };
}

/** The projected machine nodes without their site parents, so they render on their own. */
function machineNodes(d: Design): MachineFlowNode[] {
  return new NodeProjector()
    .project(d, new Set(), new Map(), getDerived(d))
    .filter((n): n is MachineFlowNode => n.type === 'machine')
    .map(({ parentId: _parent, ...node }) => node);
}

let container: HTMLDivElement;
let root: Root;

function render(nodes: MachineFlowNode[], zoom = 1) {
  act(() =>
    root.render(
      <ReactFlowProvider>
        <div style={{ width: 1200, height: 800 }}>
          <ReactFlow nodes={nodes} nodeTypes={nodeTypes} defaultViewport={{ x: 0, y: 0, zoom }} minZoom={0.1} />
        </div>
      </ReactFlowProvider>,
    ),
  );
}

const node = (name: string) => container.querySelector(`[data-testid="machine-${name}"]`);

beforeEach(() => {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  useCheckStore.setState({ machines: {} });
});

describe('machine node badges', () => {
  test('show the deploy wave with a hint, "no way in" for machines without one, and nothing for unmanaged machines', () => {
    render(machineNodes(design().design));
    const wave = node('tablet')!.querySelector('[data-testid="wave-badge"]')!;
    expect(wave.textContent).toBe('wave 1');
    expect(wave.getAttribute('title')).toContain('through the jump host "bastion"');
    expect(wave.getAttribute('aria-label')).toBe(wave.getAttribute('title'));
    expect(node('bastion')!.querySelector('[data-testid="wave-badge"]')!.textContent).toBe('wave 3');
    expect(node('pc')!.querySelector('.badge-wave-notDeployable')!.textContent).toBe('no way in');
    expect(node('phone')!.querySelector('[data-testid="wave-badge"]')).toBeNull();
    // Never checked: no status badge.
    expect(container.querySelector('.check-badge')).toBeNull();
  });

  test('show the check status with a label and tooltip, following the check as it runs', () => {
    const fx = design();
    render(machineNodes(fx.design));
    act(() => useCheckStore.setState({ machines: { [fx.nas]: { status: 'pending', result: null }, [fx.tablet]: { status: 'checking', result: null } } }));
    const status = (name: string) => node(name)!.querySelector('.check-badge')!;
    expect(status('nas').getAttribute('aria-label')).toBe('Check: waiting to be checked');
    expect(status('tablet').classList.contains('check-badge-checking')).toBe(true);
    act(() => useCheckStore.setState({ machines: { [fx.nas]: { status: 'warning', result: null }, [fx.tablet]: { status: 'error', result: null } } }));
    expect(status('nas').getAttribute('title')).toBe('Check: ready, with warnings');
    expect(status('tablet').getAttribute('aria-label')).toBe('Check: not ready');
    expect(status('tablet').getAttribute('role')).toBe('img');
  });

  test('mark the vars helper, and only it, with words and a name for screen readers', () => {
    const fx = design();
    render(machineNodes(setDeploySettings(fx.design, { varsHelper: fx.nas })));
    const marked = [...container.querySelectorAll('[data-testid="vars-helper-badge"]')];
    expect(marked).toHaveLength(1);
    expect(node('nas')!.contains(marked[0]!)).toBe(true);
    expect(marked[0]!.textContent).toBe('vars helper');
    expect(marked[0]!.getAttribute('role')).toBe('img');
    expect(marked[0]!.getAttribute('aria-label')).toMatch(/^Vars helper: makes the network's keys and certificates/);
  });

  test('are left out of the zoomed-out boxes', () => {
    const fx = design();
    useCheckStore.setState({ machines: { [fx.nas]: { status: 'ok', result: null } } });
    render(machineNodes(setDeploySettings(fx.design, { varsHelper: fx.nas })), 0.2);
    expect(container.querySelectorAll('.machine-node.simple').length).toBe(5);
    expect(container.querySelector('.badge-vars')).toBeNull();
    expect(container.querySelector('.badge-wave')).toBeNull();
    expect(container.querySelector('.check-badge')).toBeNull();
  });

  test('keep their names when zoomed out, so a design fitted into a small window still says what is where', () => {
    const fx = design();
    render(machineNodes(fx.design), 0.3);
    const names = [...container.querySelectorAll('.machine-node.simple .simple-name')].map((n) => n.textContent);
    expect(names.sort()).toEqual(Object.values(fx.design.machines).map((m) => m.name).sort());
    expect(container.querySelector(`.machine-node.simple[title="${fx.design.machines[fx.nas]!.name}"]`)).not.toBeNull();
  });
});
