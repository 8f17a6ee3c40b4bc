import { conversationFileSchema, type Conversation, type ConversationFile } from '../../shared/assistant/schema';
import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import type { ConfinedFolder } from '../fs/confinedFolder';
import { designStem, normalizeDesignFileName } from '../services/projectFiles';

// The conversations of a design, kept beside its file as `<name>.assistant.json` (home.clan-design.json ->
// home.assistant.json), written atomically through the workspace's ConfinedFolder like every file of the app (a link
// planted under that name is refused, never written through). A file that is there but cannot be read (damaged,
// from another program) is never overwritten: loading says so, and saving refuses, so nothing the person had is lost
// by a save that did not know it was there.

/** The largest conversations file that is read (2,000 messages of 100,000 characters would be far more). */
export const MAX_CONVERSATIONS_BYTES = 64 * 1024 * 1024;

/** The conversations file of a design file. */
export function conversationsFileOf(designFile: string): string {
  return `${designStem(designFile)}.assistant.json`;
}

export class ConversationStore {
  constructor(private readonly workspace: ConfinedFolder) {}

  /** The conversations kept with a design; none when there is no file yet. */
  async load(designFile: string): Promise<Result<{ conversations: Conversation[] }, AppError>> {
    const name = normalizeDesignFileName(designFile);
    if (!name.ok) return name;
    const kept = await this.read(name.value);
    return kept.ok ? ok({ conversations: kept.value?.conversations ?? [] }) : kept;
  }

  /**
   * Keeps a design's conversations beside its file. Refused when the design file is not there (they belong to a
   * saved design) and when a conversations file is there that cannot be read (it is left as it is).
   */
  async save(designFile: string, conversations: readonly Conversation[]): Promise<Result<{ saved: boolean }, AppError>> {
    const name = normalizeDesignFileName(designFile);
    if (!name.ok) return name;
    const design = await this.workspace.entry(name.value);
    if (!design.ok) return design;
    if (design.value?.kind !== 'file') return err(appError('fileNotFound', { name: name.value }));
    const file = conversationsFileOf(name.value);
    return this.workspace.exclusive(file, async () => {
      const kept = await this.read(name.value);
      if (!kept.ok) return kept;
      const content: ConversationFile = { format: 'clan-designer-assistant', version: 1, conversations: [...conversations] };
      const written = await this.workspace.writeFile(file, `${JSON.stringify(content, null, 1)}\n`);
      return written.ok ? ok({ saved: true }) : written;
    });
  }

  /** The file's content; ok(null) when there is none, assistantConversationsUnreadable when it cannot be read. */
  private async read(designFile: string): Promise<Result<ConversationFile | null, AppError>> {
    const file = conversationsFileOf(designFile);
    const read = await this.workspace.readFile(file, { maxBytes: MAX_CONVERSATIONS_BYTES });
    if (!read.ok) return read;
    if (read.value === undefined) return ok(null);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(read.value.bytes));
    } catch {
      return err(appError('assistantConversationsUnreadable', { name: designFile, file, reason: 'notJson' }));
    }
    const parsed = conversationFileSchema.safeParse(json);
    if (!parsed.success) return err(appError('assistantConversationsUnreadable', { name: designFile, file, reason: 'notConversations' }));
    return ok(parsed.data);
  }
}
