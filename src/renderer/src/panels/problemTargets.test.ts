import { describe, expect, test } from 'vitest';
import { sequentialIds } from '../../../shared/model/ids';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import { updateMachine } from '../../../shared/model/ops';
import type { Design } from '../../../shared/model/types';
import { validateDesign } from '../../../shared/validation/validate';
import { problemTarget } from './problemTargets';

const threeHouseholds = (): Design => buildDesignFromAnswers(templates.find((t) => t.id === 'three-households')!.answers, sequentialIds());
const machineNamed = (design: Design, name: string) => Object.values(design.machines).find((m) => m.name === name)!;
const problemsOf = (design: Design, code: string) => validateDesign(design).filter((p) => p.code === code);

describe('problemTarget', () => {
  test('a machine without an SSH address goes to its SSH host field, one with an address but no user to the user field', () => {
    let design = threeHouseholds();
    const pi = machineNamed(design, 'parents-pi');
    const noAddress = problemsOf(design, 'managedWithoutSsh').find((p) => p.itemIds[0] === pi.id)!;
    expect(problemTarget(noAddress, design)).toEqual({ ids: [pi.id], field: 'ssh-host', action: 'Enter the SSH address' });
    design = updateMachine(design, pi.id, { ssh: { host: '10.0.0.2', port: 22, user: '' } });
    const noUser = problemsOf(design, 'managedWithoutSsh').find((p) => p.itemIds[0] === pi.id)!;
    expect(problemTarget(noUser, design)).toMatchObject({ ids: [pi.id], field: 'ssh-user' });
  });

  test('a machine nobody can reach goes to its jump host field', () => {
    const design = threeHouseholds();
    const unreachable = problemsOf(design, 'adminCannotReach')[0]!;
    expect(problemTarget(unreachable, design)).toMatchObject({ field: 'jump-host', action: 'Choose a jump host' });
  });

  test("a problem with the clan's own settings selects nothing and goes to the setting", () => {
    const design = { ...threeHouseholds(), meta: { ...threeHouseholds().meta, clanName: 'my family' } };
    expect(problemTarget(problemsOf(design, 'clanNameInvalid')[0]!, design)).toEqual({ ids: [], field: 'clan-name', action: 'Rename the clan' });
  });

  test('a problem without a field only selects its items', () => {
    const problem = { code: 'vpnPairUnreachable', severity: 'warning' as const, message: '', itemIds: ['mach_1', 'mach_2'] };
    expect(problemTarget(problem, threeHouseholds())).toEqual({ ids: ['mach_1', 'mach_2'], field: null, action: null });
  });
});
