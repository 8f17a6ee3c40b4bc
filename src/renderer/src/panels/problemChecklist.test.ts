import { describe, expect, test } from 'vitest';
import { sequentialIds } from '../../../shared/model/ids';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import type { Design } from '../../../shared/model/types';
import { validateDesign } from '../../../shared/validation/validate';
import { computeChecklist } from './problemChecklist';

const threeHouseholds = (): Design => buildDesignFromAnswers(templates.find((t) => t.id === 'three-households')!.answers, sequentialIds());

describe('computeChecklist', () => {
  test('counts what is left by what the user has to do, naming the machines, other errors last', () => {
    const design = { ...threeHouseholds(), meta: { ...threeHouseholds().meta, clanName: 'my family' } };
    const checklist = computeChecklist(validateDesign(design), design);
    expect(checklist.map((e) => e.label)).toEqual(['6 machines need an SSH address', '3 machines need a way in', '1 other error']);
    expect(checklist[1]!.names).toEqual(['parents-pi', 'parents-laptop', 'sister-nas']);
    expect(checklist[0]!.first.code).toBe('managedWithoutSsh');
  });

  test('is empty when the design has no errors', () => {
    expect(computeChecklist([{ code: 'x', severity: 'warning', message: '', itemIds: [] }], threeHouseholds())).toEqual([]);
  });
});
