import { describe, expect, test } from 'vitest';
import { createEmptyDesign } from '../../../shared/model/ops';
import type { Design } from '../../../shared/model/types';
import { createDesignStore } from './designStore';

/** The empty design with another description: a cheap, recognisable edit. */
const described = (base: Design, description: string): Design => ({ ...base, meta: { ...base.meta, description } });

function storeWithHistory() {
  const store = createDesignStore();
  const history = () => store.temporal.getState();
  return { store, design: () => store.getState().design, past: () => history().pastStates.length, future: () => history().futureStates.length };
}

describe('capture modes', () => {
  test('immediately: every change is one undo step; the same design again records nothing', () => {
    const { store, design, past } = storeWithHistory();
    const start = design();
    const one = described(start, 'one');
    store.getState().commit(one);
    store.getState().commit(one);
    expect(past()).toBe(1);
    store.getState().undo();
    expect(design()).toBe(start);
  });

  test('eventually: a gesture of many steps is one undo step back to where it started', () => {
    const { store, design, past } = storeWithHistory();
    const start = design();
    for (const step of ['a', 'ab', 'abc', 'abcd']) store.getState().commit(described(design(), step), 'eventually');
    // Shown at once, recorded nowhere yet.
    expect(design().meta.description).toBe('abcd');
    expect(past()).toBe(0);
    store.getState().commit(design(), 'immediately');
    expect(past()).toBe(1);
    store.getState().undo();
    expect(design()).toBe(start);
    store.getState().redo();
    expect(design().meta.description).toBe('abcd');
  });

  test('eventually changes are folded into the next immediate edit, not lost', () => {
    const { store, design, past } = storeWithHistory();
    const start = design();
    store.getState().commit(described(start, 'dragging'), 'eventually');
    store.getState().commit(described(design(), 'released'));
    expect(past()).toBe(1);
    store.getState().undo();
    expect(design()).toBe(start);
  });

  test('undo in the middle of a gesture ends it first and undoes all of it', () => {
    const { store, design, past } = storeWithHistory();
    const start = design();
    store.getState().commit(described(start, 'x'), 'eventually');
    store.getState().undo();
    expect(design()).toBe(start);
    expect(past()).toBe(0);
  });

  test('a cancelled gesture leaves no trace: the design before it and no undo step', () => {
    const { store, design, past } = storeWithHistory();
    const start = design();
    store.getState().commit(described(start, 'x'), 'eventually');
    store.getState().cancelGesture();
    expect(design()).toBe(start);
    expect(past()).toBe(0);
  });

  test('a gesture that ends where it started records nothing', () => {
    const { store, design, past } = storeWithHistory();
    const start = design();
    store.getState().commit(described(start, 'x'), 'eventually');
    store.getState().commit(start);
    expect(past()).toBe(0);
  });

  test('a new gesture after an undo drops the redo step, as any edit does', () => {
    const { store, design, future } = storeWithHistory();
    store.getState().commit(described(design(), 'one'));
    store.getState().undo();
    expect(future()).toBe(1);
    store.getState().commit(described(design(), 'two'), 'eventually');
    expect(future()).toBe(0);
  });
});

describe('reset (capture mode never)', () => {
  test('replaces the document and clears undo, redo and a gesture in progress', () => {
    const { store, design, past, future } = storeWithHistory();
    store.getState().commit(described(design(), 'one'));
    store.getState().commit(described(design(), 'two'));
    store.getState().undo();
    store.getState().commit(described(design(), 'moving'), 'eventually');
    const opened = described(createEmptyDesign(), 'opened');
    store.getState().reset(opened, { name: 'home.clan-design.json', revision: 'r1' });
    expect(design()).toBe(opened);
    expect(past()).toBe(0);
    expect(future()).toBe(0);
    expect(store.getState().gestureStart).toBeNull();
    expect(store.getState().file.name).toBe('home.clan-design.json');
    // An opened file is not edited; a recovered one is, until it is saved.
    expect(store.getState().savedDesign).toBe(opened);
    store.getState().reset(opened, { name: null, revision: null }, { dirty: true });
    expect(store.getState().savedDesign).not.toBe(design());
  });
});

describe('saving', () => {
  test('the document is unedited after a save, and edited again by a change made while the save was on its way', () => {
    const { store, design } = storeWithHistory();
    const written = described(design(), 'written');
    store.getState().commit(written);
    const later = described(written, 'later');
    store.getState().commit(later);
    store.getState().markSaved({ name: 'a.clan-design.json', revision: 'r2' }, written);
    expect(store.getState().savedDesign).toBe(written);
    expect(design()).not.toBe(store.getState().savedDesign);
    store.getState().markSaved({ name: 'a.clan-design.json', revision: 'r3' }, later);
    expect(design()).toBe(store.getState().savedDesign);
  });
});
