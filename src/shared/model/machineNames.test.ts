import { describe, expect, test } from 'vitest';
import { familyNetwork } from './designBuilder';
import { checkMachineName, checkMachineNames, machineNamesInUse } from './machineNames';

describe('checkMachineName', () => {
  test('keeps a valid free name as typed', () => {
    expect(checkMachineName('nas', new Set(['vps']))).toMatchObject({ saved: 'nas', change: 'none' });
  });

  test('says a name with spaces and capitals is saved as its Clan form', () => {
    expect(checkMachineName('grandma pi', new Set())).toMatchObject({ saved: 'grandma-pi', change: 'rewritten' });
    expect(checkMachineName('  Living Room PC ', new Set())).toMatchObject({ saved: 'living-room-pc', change: 'rewritten' });
  });

  test('says a name another machine has is saved with a number', () => {
    expect(checkMachineName('Grandma Pi', new Set(['grandma-pi']))).toMatchObject({ saved: 'grandma-pi-2', clean: 'grandma-pi', change: 'taken' });
  });

  test('keeps away from the names Clan reserves', () => {
    expect(checkMachineName('localhost', new Set())).toMatchObject({ saved: 'localhost-2', change: 'reserved' });
  });

  test('reports an empty name and still offers a valid one', () => {
    expect(checkMachineName('   ', new Set(['machine']))).toMatchObject({ saved: 'machine-2', change: 'empty' });
  });

  test('checks a list in order, each against the ones before it', () => {
    expect(checkMachineNames(['grandma pi', 'Grandma Pi', 'nas']).map((c) => c.saved)).toEqual(['grandma-pi', 'grandma-pi-2', 'nas']);
  });

  test('machineNamesInUse leaves out the machine being renamed', () => {
    const { b, nas } = familyNetwork();
    expect([...machineNamesInUse(b.design, nas)].sort()).toEqual(['pc', 'phone', 'tablet', 'vps']);
  });
});
