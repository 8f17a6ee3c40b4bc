import { attachedItemSchema, type AttachedItem } from '../../../shared/assistant/schema';
import { applyChanges } from '../../../shared/assistant/changes';
import { findProposal, useAssistantStore, type ProposalRef } from '../assistant/assistantStore';
import { proposalFit } from '../assistant/proposalFit';
import { clearChangeNotice, notifyChange } from './changeNotice';
import { key, mod, primary } from './keys';
import type { Command, CommandContext } from './types';

// The assistant (issue 16) only proposes: a change reaches the design when the person presses Apply on its card,
// through assistant.applyProposal, as ONE undo step however many changes it holds. Dismiss changes nothing. The
// chat itself is the Assistant area, or a panel beside the Design, Choose VPN and Deploy areas.

/** Arguments of "Explain with the assistant": the item attached and the question filled in (the person sends it). */
export interface ExplainArgs {
  item: AttachedItem;
  question: string;
}

function isProposalRef(args: unknown): args is ProposalRef {
  const ref = args as Partial<ProposalRef> | undefined;
  return typeof ref?.conversationId === 'string' && typeof ref.messageId === 'string' && typeof ref.proposalId === 'string';
}

function isExplainArgs(args: unknown): args is ExplainArgs {
  const a = args as Partial<ExplainArgs> | undefined;
  return typeof a?.question === 'string' && attachedItemSchema.safeParse(a.item).success;
}

/** The open proposal a card names, when its changes still fit the design on screen. */
function applicableProposal(ctx: CommandContext, args: unknown) {
  if (!isProposalRef(args)) return undefined;
  const proposal = findProposal(useAssistantStore.getState(), args);
  if (proposal === undefined || proposal.state !== 'open') return undefined;
  return proposalFit(ctx.design.getState().design, proposal.changes).fits ? proposal : undefined;
}

/** Where the chat is shown beside an area: every area but the Assistant's own. */
const besideShown = (ctx: CommandContext) => ctx.ui.getState().assistantBeside && ctx.ui.getState().activeArea !== 'assistant';

/** The shortcut that opens and closes the panel beside: Ctrl+Shift+A (Ctrl+A alone selects everything). */
const besideKey = (e: KeyboardEvent) => primary(e) && e.shiftKey && key(e, 'a');

/** How undo is written on this platform, for the card of an applied proposal. */
export const undoShortcut = `${mod}Z`;

/** Open and close the assistant beside, explain an item with it, apply and dismiss its proposals, its settings. */
export const assistantCommands: readonly Command[] = [
  {
    id: 'openAssistantBeside',
    label: 'Open assistant beside',
    group: 'view',
    capture: 'never',
    keywords: ['assistant', 'chat', 'ask', 'side panel', 'ai', 'llm', 'help', 'explain'],
    shortcut: `${mod}Shift+A`,
    keyScope: 'anywhere',
    keyTest: besideKey,
    predicate: (ctx) => ctx.ui.getState().activeArea !== 'assistant' && !ctx.ui.getState().assistantBeside,
    perform: (ctx) => {
      ctx.ui.getState().setAssistantBeside(true);
      useAssistantStore.getState().requestFocus();
    },
  },
  {
    id: 'closeAssistantBeside',
    label: 'Close assistant beside',
    group: 'view',
    capture: 'never',
    keywords: ['assistant', 'chat', 'side panel', 'hide'],
    shortcut: `${mod}Shift+A`,
    keyScope: 'anywhere',
    keyTest: besideKey,
    predicate: besideShown,
    perform: (ctx) => ctx.ui.getState().setAssistantBeside(false),
  },
  {
    id: 'explainWithAssistant',
    label: 'Explain with the assistant',
    group: 'help',
    capture: 'never',
    keywords: ['assistant', 'why', 'problem', 'finding', 'deploy failure', 'what does this mean'],
    gesture: 'Press “Explain with the assistant” on a problem, a finding of Check machines or a machine the deploy failed on',
    predicate: (_ctx, args) => isExplainArgs(args),
    perform: (ctx, args) => {
      const { item, question } = args as ExplainArgs;
      useAssistantStore.getState().attach(item, question);
      if (ctx.ui.getState().activeArea !== 'assistant') ctx.ui.getState().setAssistantBeside(true);
    },
  },
  {
    id: 'assistantSettings',
    label: 'Assistant settings…',
    group: 'help',
    capture: 'never',
    keywords: ['assistant', 'model', 'endpoint', 'ollama', 'openai', 'api key', 'redaction', 'llm'],
    perform: (ctx) => ctx.ui.getState().openDialog('assistantSettings'),
  },
  {
    id: 'assistant.applyProposal',
    label: 'Apply the assistant’s proposal',
    group: 'edit',
    // Every change of the card at once: one undo step.
    capture: 'immediately',
    keywords: ['assistant', 'proposal', 'suggestion', 'accept'],
    gesture: 'Press Apply on a proposal card of the assistant',
    predicate: (ctx, args) => applicableProposal(ctx, args) !== undefined,
    perform: (ctx, args) => {
      const proposal = applicableProposal(ctx, args)!;
      const before = ctx.design.getState().design;
      const applied = applyChanges(before, proposal.changes, ctx.ids);
      if (!applied.ok) {
        // The predicate checked the same design: only a bug in the checks gets here.
        ctx.notify(`The proposal was not applied: its change ${applied.error.index + 1} no longer fits the design. ${applied.error.message}`);
        return;
      }
      useAssistantStore.getState().setProposalState(args as ProposalRef, 'applied', { before, after: applied.value });
      notifyChange(ctx, `Applied the assistant’s proposal. ${undoShortcut} undoes it.`);
      return { design: applied.value };
    },
  },
  {
    id: 'assistant.dismissProposal',
    label: 'Dismiss the assistant’s proposal',
    group: 'edit',
    capture: 'never',
    keywords: ['assistant', 'proposal', 'reject', 'ignore'],
    gesture: 'Press Dismiss on a proposal card of the assistant',
    predicate: (_ctx, args) => isProposalRef(args) && findProposal(useAssistantStore.getState(), args)?.state === 'open',
    perform: (_ctx, args) => useAssistantStore.getState().setProposalState(args as ProposalRef, 'dismissed'),
  },
  {
    id: 'assistant.undoProposal',
    label: 'Undo the assistant’s proposal',
    group: 'edit',
    // Steps back through the history, as Undo does.
    capture: 'never',
    keywords: ['assistant', 'proposal', 'revert'],
    gesture: 'Press Undo on the card of a proposal just applied',
    // Only while the last step is still that proposal's: the design is the one it made.
    predicate: (ctx, args) => isProposalRef(args) && useAssistantStore.getState().applied[args.proposalId]?.after === ctx.design.getState().design,
    perform: (ctx, args) => {
      const ref = args as ProposalRef;
      const { before } = useAssistantStore.getState().applied[ref.proposalId]!;
      ctx.design.getState().undo();
      clearChangeNotice(ctx);
      const design = ctx.design.getState().design;
      ctx.selection.getState().select(ctx.selection.getState().selectedIds.filter((id) => id in design.machines || id in design.sites || id in design.links));
      if (design === before) useAssistantStore.getState().setProposalState(ref, 'open');
    },
  },
];
