import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ok } from '../../shared/result';
import { createBackend } from './createBackend';
import { createDispatch } from './dispatch';
import type { Handlers } from './handlers';

describe('dispatch validates every call against the contract', () => {
  const { dispatch } = createBackend({ mode: 'serve', log: () => undefined, workspaceDir: mkdtempSync(join(tmpdir(), 'dispatch-ws-')), dataDir: mkdtempSync(join(tmpdir(), 'dispatch-data-')) });

  test('returns the handler result for a valid request', async () => {
    const result = await dispatch('app:info.get', {});
    expect(result.ok).toBe(true);
    expect(result.ok && (result.value as { mode: string }).mode).toBe('serve');
  });

  test('returns unknownChannel for a channel outside the contract', async () => {
    const result = await dispatch('app:shell.exec', { command: 'rm -rf /' });
    expect(result).toEqual({ ok: false, error: { code: 'unknownChannel', details: { channel: 'app:shell.exec' } } });
  });

  test('returns invalidRequest with the zod issues when the arguments do not match', async () => {
    const result = await dispatch('app:openExternal', { url: 42 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('invalidRequest');
    expect(!result.ok && JSON.stringify(result.error.details)).toContain('url');
  });

  test('turns an exception in a service into internalError and logs the cause', async () => {
    const logged: unknown[] = [];
    const failing = {
      'app:info.get': async () => {
        throw new Error('disk on fire');
      },
      'app:openExternal': async () => ok({ opened: false }),
    } as unknown as Handlers;
    const result = await createDispatch(failing, (message, cause) => logged.push(message, cause))('app:info.get', {});
    expect(result).toEqual({ ok: false, error: { code: 'internalError', details: { channel: 'app:info.get' } } });
    expect(String(logged[1])).toContain('disk on fire');
  });

  test('refuses a design nested deep enough to overflow the stack with a coded error, instead of failing the call', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i += 1) deep = { design: deep };
    const result = await dispatch('project:save', { name: 'deep', design: deep });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('invalidDesign');
  });
});
