import type { AttachedItem } from '../../../shared/assistant/schema';
import { appContext } from '../app/appContext';
import type { ExplainArgs } from '../commands/assistantCommands';
import { executeCommand } from '../commands/registry';

/** The longest explanation attached (the schema's limit): the app's own text, never cut in a way that hides the start. */
const MAX_TEXT = 8000;

/**
 * "Explain with the assistant" on a problem, a finding of Check machines or a machine the deploy failed on: opens the
 * chat (beside the area) with the item and the app's explanation attached and a question filled in. The person
 * reads it and presses Send; nothing is sent by this click.
 */
export function ExplainButton({ item, question }: { item: AttachedItem; question: string }) {
  const args: ExplainArgs = { item: { ...item, title: item.title.slice(0, 500), text: item.text.slice(0, MAX_TEXT) }, question };
  return (
    <button type="button" className="link-button explain-button" aria-label={`Explain “${item.title}” with the assistant`} onClick={() => void executeCommand(appContext, 'explainWithAssistant', args)} data-testid="explain-with-assistant">
      Explain with the assistant
    </button>
  );
}
