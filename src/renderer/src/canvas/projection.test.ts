import { Position } from '@xyflow/react';
import { describe, expect, test } from 'vitest';
import { familyWithJumpHost } from '../../../shared/model/designBuilder';
import { sequentialIds } from '../../../shared/model/ids';
import { putLink, setDeploySettings, updateMachine } from '../../../shared/model/ops';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import type { Design, MachineId } from '../../../shared/model/types';
import { assignDefaultRoles } from '../../../shared/vpn/catalog';
import { getDerived } from '../stores/derived';
import { EdgeProjector, machineHandles, NodeProjector, StableList } from './projection';
import type { MachineFlowNode } from './types';

const template = () => buildDesignFromAnswers(templates[0]!.answers, sequentialIds());

describe('node projection', () => {
  test('an unchanged record yields the same node object', () => {
    const design = template();
    const projector = new NodeProjector();
    const first = projector.project(design, new Set(), new Map(), getDerived(design));
    const second = projector.project(design, new Set(), new Map(), getDerived(design));
    expect(second).toEqual(first);
    second.forEach((node, i) => expect(node).toBe(first[i]));
  });

  test('a machine React Flow has not measured declares its handles and size, so it can be culled unrendered', () => {
    const design = template();
    const nodes = new NodeProjector().project(design, new Set(), new Map(), getDerived(design));
    const machine = nodes.find((n) => n.type === 'machine')!;
    expect(machine.measured).toBeUndefined();
    expect([machine.initialWidth, machine.initialHeight]).toEqual([168, 60]);
    expect(machine.handles).toEqual(machineHandles(168, 60));
    const site = nodes.find((n) => n.type === 'site')!;
    expect(site.handles).toHaveLength(1);
  });

  test('once measured, a changed machine carries its size and handles at the measured border', () => {
    const design = template();
    const projector = new NodeProjector();
    const id = Object.keys(design.machines)[0] as MachineId;
    projector.project(design, new Set(), new Map(), getDerived(design));
    projector.recordMeasured(id, { width: 168, height: 80 });
    const renamed = updateMachine(design, id, { name: 'renamed' });
    const node = projector.project(renamed, new Set(), new Map(), getDerived(renamed)).find((n) => n.id === id)!;
    expect(node.measured).toEqual({ width: 168, height: 80 });
    expect(node.initialHeight).toBeUndefined();
    expect(node.handles).toEqual(machineHandles(168, 80));
    expect(projector.measured.get(id)).toEqual({ width: 168, height: 80 });
  });

  test('handles sit on the top and bottom border, centred', () => {
    expect(machineHandles(168, 80)).toEqual([
      { id: null, type: 'target', position: Position.Top, x: 80, y: -4, width: 8, height: 8 },
      { id: null, type: 'source', position: Position.Bottom, x: 80, y: 76, width: 8, height: 8 },
    ]);
  });

  test('choosing another vars helper gives new nodes to the old and the new helper only', () => {
    const design = template();
    const [first, second, third] = Object.keys(design.machines) as MachineId[];
    const projector = new NodeProjector();
    const withFirst = setDeploySettings(design, { varsHelper: first! });
    const before = projector.project(withFirst, new Set(), new Map(), getDerived(withFirst));
    const withSecond = setDeploySettings(withFirst, { varsHelper: second! });
    const after = projector.project(withSecond, new Set(), new Map(), getDerived(withSecond));
    const byId = (nodes: typeof before, id: string) => nodes.find((n) => n.id === id) as MachineFlowNode;
    expect(byId(after, first!).data.varsHelper).toBe(false);
    expect(byId(after, second!).data.varsHelper).toBe(true);
    expect(byId(after, third!)).toBe(byId(before, third!));
  });

  test('sizes of deleted nodes are forgotten', () => {
    const design = template();
    const projector = new NodeProjector();
    const id = Object.keys(design.machines)[0] as MachineId;
    projector.recordMeasured(id, { width: 1, height: 1 });
    const without = { ...design, machines: Object.fromEntries(Object.entries(design.machines).filter(([key]) => key !== id)) };
    projector.project(without, new Set(), new Map(), getDerived(without));
    expect(projector.measured.has(id)).toBe(false);
  });
});

describe('deploy-order badges', () => {
  /** Admin at home (nas), a public bastion, a tablet behind CGNAT reached through it, an office PC with no way in. */
  const jumpDesign = familyWithJumpHost;
  const project = (projector: NodeProjector, design: Design) => projector.project(design, new Set(), new Map(), getDerived(design));
  const machineNodes = (nodes: ReturnType<NodeProjector['project']>) => new Map(nodes.filter((n): n is MachineFlowNode => n.type === 'machine').map((n) => [n.id, n]));

  test('each managed machine carries its wave, and the badge hint says how it is reached', () => {
    const fx = jumpDesign();
    const nodes = machineNodes(project(new NodeProjector(), fx.b.design));
    expect(nodes.get(fx.tablet)!.data.wave).toMatchObject({ text: 'wave 1', tone: 'wave' });
    expect(nodes.get(fx.tablet)!.data.wave!.hint).toBe('Deploy order: wave 1 of 3, Behind a jump host. Reached through the jump host "bastion".');
    expect(nodes.get(fx.nas)!.data.wave!.text).toBe('wave 2');
    expect(nodes.get(fx.bastion)!.data.wave!.text).toBe('wave 3');
    expect(nodes.get(fx.pc)!.data.wave).toMatchObject({ text: 'no way in', tone: 'notDeployable' });
    expect(nodes.get(fx.pc)!.data.wave!.hint).toContain('no port forward or jump host');
    expect(nodes.get(fx.phone)!.data.wave).toBeNull();
  });

  test('machines reachable only over the VPN say "after VPN"', () => {
    const fx = jumpDesign();
    const nodes = machineNodes(project(new NodeProjector(), fx.b.vpn('zerotier')));
    expect(nodes.get(fx.pc)!.data.wave).toMatchObject({ text: 'after VPN', tone: 'afterVpn' });
  });

  test('an edit that does not change the order re-projects only the edited machine', () => {
    const fx = jumpDesign();
    const projector = new NodeProjector();
    const before = machineNodes(project(projector, fx.b.design));
    const moved = updateMachine(fx.b.design, fx.nas, { position: { x: 40, y: 40 } });
    const after = machineNodes(project(projector, moved));
    expect(after.get(fx.nas)).not.toBe(before.get(fx.nas));
    expect(after.get(fx.nas)!.data.wave).toBe(before.get(fx.nas)!.data.wave);
    for (const id of [fx.bastion, fx.tablet, fx.pc, fx.phone]) expect(after.get(id)).toBe(before.get(id));
  });

  test('an edit that changes the order re-projects the machines whose place changed', () => {
    const fx = jumpDesign();
    const projector = new NodeProjector();
    const before = machineNodes(project(projector, fx.b.design));
    // A jump host link to the PC: it joins wave 1; nobody else moves.
    fx.b.link('jumpHost', fx.bastion, fx.pc);
    const after = machineNodes(project(projector, fx.b.design));
    expect(after.get(fx.pc)!.data.wave!.text).toBe('wave 1');
    for (const id of [fx.nas, fx.bastion, fx.tablet, fx.phone]) expect(after.get(id)).toBe(before.get(id));
  });
});

describe('stable lists', () => {
  test('hand back the previous array while the items are the same objects', () => {
    const list = new StableList<object>();
    const a = {};
    const b = {};
    const first = list.update([a, b]);
    expect(list.update([a, b])).toBe(first);
    expect(list.update([b, a])).not.toBe(first);
  });
});

describe('edge names for screen readers (issue 17)', () => {
  test('links and predicted paths are named by machine and site names, never by internal ids; a rename renames them', () => {
    let design = buildDesignFromAnswers(templates[0]!.answers, sequentialIds());
    design = { ...design, vpn: { ...design.vpn, id: 'zerotier', roles: assignDefaultRoles(design, 'zerotier') } };
    const byName = (name: string) => Object.values(design.machines).find((m) => m.name === name)!;
    design = putLink(design, { id: 'link_1' as never, kind: 'cable', source: byName('nas').id, target: byName('desktop').id, ports: null, label: '', meta: {} });
    const projector = new EdgeProjector();
    const edges = projector.project(design, new Set(), getDerived(design), true);
    const link = edges.find((e) => e.id === 'link_1')!;
    expect(link.ariaLabel).toBe('Link from nas to desktop (Direct cable / LAN)');
    const overlay = edges.filter((e) => e.type === 'overlay');
    expect(overlay.length).toBeGreaterThan(0);
    for (const e of edges) expect(e.ariaLabel ?? '').not.toMatch(/mach_|site_|link_/);
    expect(overlay[0]!.ariaLabel).toMatch(/^Predicted VPN path between (Home|Cloud VPS) and (Home|Cloud VPS): /);
    const renamed = updateMachine(design, byName('nas').id, { name: 'storage' });
    const again = projector.project(renamed, new Set(), getDerived(renamed), true);
    expect(again.find((e) => e.id === 'link_1')!.ariaLabel).toBe('Link from storage to desktop (Direct cable / LAN)');
  });
});
