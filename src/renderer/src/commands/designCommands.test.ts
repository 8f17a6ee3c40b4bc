import { describe, expect, test } from 'vitest';
import { sequentialIds } from '../../../shared/model/ids';
import { jumpHostOf } from '../../../shared/model/jumpHost';
import { buildDesignFromAnswers, templates, type WizardAnswers } from '../../../shared/model/templates';
import type { Design } from '../../../shared/model/types';
import { validateDesign } from '../../../shared/validation/validate';
import type { ApplyFixArgs, JumpHostArgs, RenameArgs, WizardArgs } from './designCommands';
import { executeCommand } from './registry';
import { createTestApp } from './testApp';

// The commands on the way from the wizard to a deployable design: the wizard's answers with addresses and jump
// hosts, choosing a jump host in the inspector, a fix that keeps its machine selected, and names Clan cannot use.

const threeHouseholds = (): Design => buildDesignFromAnswers(templates.find((t) => t.id === 'three-households')!.answers, sequentialIds());
const machineNamed = (design: Design, name: string) => Object.values(design.machines).find((m) => m.name === name)!;

describe('openWizard with answers', () => {
  test('puts the addresses and jump hosts the user gave on the canvas as one undo step', async () => {
    const app = createTestApp();
    const answers: WizardAnswers = {
      clanName: 'family',
      adminSiteIndex: 0,
      sites: [
        { name: 'Home', kind: 'home', nat: 'nat', quality: 'good', machines: [{ name: 'nas', kind: 'nas', key: 'a', access: { how: 'address', host: '192.168.1.2', user: '', jumpHost: null } }] },
        { name: 'Grandma', kind: 'family', nat: 'cgnat', quality: 'fair', machines: [{ name: 'grandma pi', kind: 'sbc', key: 'b', access: { how: 'jump', host: '10.0.0.2', user: 'pi', jumpHost: 'a' } }] },
      ],
    };
    await executeCommand(app.ctx, 'openWizard', { answers } satisfies WizardArgs);
    const pi = machineNamed(app.design, 'grandma-pi');
    expect(pi.ssh).toEqual({ host: '10.0.0.2', port: 22, user: 'pi' });
    expect(jumpHostOf(app.design, pi.id)).toBe(machineNamed(app.design, 'nas').id);
    expect(validateDesign(app.design).filter((p) => p.severity === 'error')).toEqual([]);
    expect(app.undoDepth).toBe(1);
    await executeCommand(app.ctx, 'undo');
    expect(Object.keys(app.design.machines)).toEqual([]);
  });
});

describe('setJumpHost', () => {
  test('makes a machine the jump host of another as one undo step, and takes it away again', async () => {
    const app = createTestApp(threeHouseholds());
    const pi = machineNamed(app.design, 'parents-pi').id;
    const vps = machineNamed(app.design, 'vps').id;
    await executeCommand(app.ctx, 'setJumpHost', { machineId: pi, via: vps } satisfies JumpHostArgs);
    expect(jumpHostOf(app.design, pi)).toBe(vps);
    expect(app.undoDepth).toBe(1);
    // Choosing the same jump host again changes nothing and adds no step.
    await executeCommand(app.ctx, 'setJumpHost', { machineId: pi, via: vps } satisfies JumpHostArgs);
    expect(app.undoDepth).toBe(1);
    await executeCommand(app.ctx, 'setJumpHost', { machineId: pi, via: null } satisfies JumpHostArgs);
    expect(jumpHostOf(app.design, pi)).toBeNull();
    await executeCommand(app.ctx, 'undo');
    expect(jumpHostOf(app.design, pi)).toBe(vps);
  });
});

describe('applyFix', () => {
  test('repairs the problem as one undo step and leaves its machine selected, so the inspector shows the change', async () => {
    const app = createTestApp(threeHouseholds());
    const pi = machineNamed(app.design, 'parents-pi').id;
    await executeCommand(app.ctx, 'editItem', { id: pi, patch: { ssh: { host: '10.0.0.2', port: 22, user: '' } } });
    const problem = validateDesign(app.design).find((p) => p.code === 'managedWithoutSsh' && p.itemIds[0] === pi)!;
    await executeCommand(app.ctx, 'applyFix', { fix: problem.fix!, select: problem.itemIds } satisfies ApplyFixArgs);
    expect(app.design.machines[pi]!.ssh?.user).toBe('root');
    expect(app.ctx.selection.getState().selectedIds).toEqual([pi]);
    expect(app.undoDepth).toBe(2);
  });
});

describe('rename', () => {
  test('saves a machine under the nearest name Clan accepts, and keeps the old one when nothing was typed', async () => {
    const app = createTestApp(threeHouseholds());
    const desktop = machineNamed(app.design, 'desktop').id;
    const rename = async (name: string) => {
      app.ctx.selection.getState().setEditing(desktop);
      await executeCommand(app.ctx, 'rename', { id: desktop, name } satisfies RenameArgs);
    };
    await rename('Grandma Pi');
    expect(app.design.machines[desktop]!.name).toBe('grandma-pi');
    await rename('vps');
    expect(app.design.machines[desktop]!.name).toBe('vps-2');
    await rename('  ');
    expect(app.design.machines[desktop]!.name).toBe('vps-2');
    expect(app.undoDepth).toBe(2);
  });
});
