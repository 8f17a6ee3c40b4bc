import { describe, expect, test } from 'vitest';
import { createEmptyDesign } from '../../../shared/model/ops';
import type { Design } from '../../../shared/model/types';
import { createAutosaver } from './useDocumentLifecycle';

describe('autosave', () => {
  test('writes unsaved changes once, and tries again at the next tick when the write failed (server gone, signed out)', async () => {
    const saved = createEmptyDesign();
    let design: Design = saved;
    const writes: { design: Design; answer: boolean }[] = [];
    let answer = false;
    const tick = createAutosaver({
      current: () => ({ design, savedDesign: saved, key: 'untitled', revision: null }),
      write: async (request) => {
        writes.push({ design: request.design, answer });
        return { ok: answer };
      },
    });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
    tick(false);
    expect(writes).toHaveLength(0);
    design = { ...saved, meta: { ...saved.meta, description: 'edited' } };
    tick(false);
    await settle();
    expect(writes).toHaveLength(1);
    // The write failed: the next tick writes the same design again.
    answer = true;
    tick(false);
    await settle();
    expect(writes).toHaveLength(2);
    expect(writes[1]!.design).toBe(design);
    // Written: nothing more until the design changes again.
    tick(false);
    await settle();
    expect(writes).toHaveLength(2);
  });
});
