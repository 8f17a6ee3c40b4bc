import { Position } from '@xyflow/react';
import { describe, expect, test } from 'vitest';
import { sequentialIds } from '../../../shared/model/ids';
import { updateMachine } from '../../../shared/model/ops';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import type { MachineId } from '../../../shared/model/types';
import { getDerived } from '../stores/derived';
import { machineHandles, NodeProjector, StableList } from './projection';

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
