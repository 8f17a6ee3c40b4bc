import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Conversation } from '../../shared/assistant/schema';
import { describeError } from '../../shared/errors';
import { familyNetwork } from '../../shared/model/designBuilder';
import { createBackend, type Backend } from '../rpc/createBackend';

// The conversations kept beside a design (`<name>.assistant.json`), through the app's back end: saved and loaded
// again, refused for a design that is not saved, and a file that cannot be read is reported and never overwritten.

function setup(): { backend: Backend; workspaceDir: string } {
  const workspaceDir = mkdtempSync(join(tmpdir(), 'cnd-conversations-'));
  const backend = createBackend({ mode: 'serve', workspaceDir, dataDir: mkdtempSync(join(tmpdir(), 'cnd-conversations-data-')), cleanStaleTempFiles: false, log: () => undefined });
  return { backend, workspaceDir };
}

async function saveDesign(backend: Backend, name: string): Promise<void> {
  const saved = await backend.dispatch('project:save', { name, design: familyNetwork().b.design, overwrite: true });
  if (!saved.ok) throw new Error(JSON.stringify(saved.error));
}

const conversation: Conversation = {
  id: 'c1',
  title: 'Which VPN',
  createdAt: 1,
  messages: [
    { id: 'm1', role: 'user', text: 'Which VPN?', at: 1 },
    { id: 'm2', role: 'assistant', text: 'Nebula.', at: 2, proposals: [{ id: 'p1', reason: 'Fits.', changes: [{ tool: 'choose_vpn', vpn: 'nebula' }], state: 'dismissed' }], tools: [{ name: 'get_problems', summary: 'Read the Problems panel', ok: true }] },
  ],
};

describe('conversations kept with a design', () => {
  test('are saved beside the design file and load again; none before the first save', async () => {
    const { backend, workspaceDir } = setup();
    await saveDesign(backend, 'home.clan-design.json');
    expect(await backend.dispatch('assistant:conversations.load', { name: 'home.clan-design.json' })).toEqual({ ok: true, value: { conversations: [] } });
    expect(await backend.dispatch('assistant:conversations.save', { name: 'home.clan-design.json', conversations: [conversation] })).toEqual({ ok: true, value: { saved: true } });
    expect(JSON.parse(readFileSync(join(workspaceDir, 'home.assistant.json'), 'utf8'))).toMatchObject({ format: 'clan-designer-assistant', version: 1 });
    expect(await backend.dispatch('assistant:conversations.load', { name: 'home.clan-design.json' })).toEqual({ ok: true, value: { conversations: [conversation] } });
  });

  test('are refused for a design that is not saved', async () => {
    const { backend } = setup();
    expect(await backend.dispatch('assistant:conversations.save', { name: 'nowhere.clan-design.json', conversations: [conversation] })).toMatchObject({ ok: false, error: { code: 'fileNotFound' } });
  });

  test('a file that cannot be read is reported, kept as it is, and never overwritten', async () => {
    const { backend, workspaceDir } = setup();
    await saveDesign(backend, 'home.clan-design.json');
    for (const [text, reason] of [
      ['{"format": "clan-designer-assistant", "version": 1, "conversations": [', 'notJson'],
      ['{"format": "something-else"}', 'notConversations'],
    ] as const) {
      writeFileSync(join(workspaceDir, 'home.assistant.json'), text);
      const loaded = await backend.dispatch('assistant:conversations.load', { name: 'home.clan-design.json' });
      expect(loaded).toMatchObject({ ok: false, error: { code: 'assistantConversationsUnreadable', details: { reason } } });
      if (!loaded.ok) expect(describeError(loaded.error)).toMatch(/could not be read .*nothing will overwrite it\. Move it aside/);
      expect(await backend.dispatch('assistant:conversations.save', { name: 'home.clan-design.json', conversations: [conversation] })).toMatchObject({ ok: false, error: { code: 'assistantConversationsUnreadable' } });
      expect(readFileSync(join(workspaceDir, 'home.assistant.json'), 'utf8')).toBe(text);
    }
  });

  test('a link planted under the conversations file is refused, not written through', async () => {
    const { backend, workspaceDir } = setup();
    await saveDesign(backend, 'home.clan-design.json');
    const outside = join(mkdtempSync(join(tmpdir(), 'cnd-outside-')), 'target.json');
    writeFileSync(outside, 'untouched');
    symlinkSync(outside, join(workspaceDir, 'home.assistant.json'));
    expect(await backend.dispatch('assistant:conversations.save', { name: 'home.clan-design.json', conversations: [conversation] })).toMatchObject({ ok: false, error: { code: 'notARegularFile' } });
    expect(readFileSync(outside, 'utf8')).toBe('untouched');
  });
});
