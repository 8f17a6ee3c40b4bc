import { memo, useId, useMemo } from 'react';
import type { Proposal } from '../../../shared/assistant/schema';
import { describeChange } from '../../../shared/assistant/changes';
import { appContext } from '../app/appContext';
import { undoShortcut } from '../commands/assistantCommands';
import { executeCommand, getCommand, isEnabled } from '../commands/registry';
import { useDesign } from '../stores/designStore';
import type { ProposalRef } from './assistantStore';
import { proposalFit } from './proposalFit';

const stateText: Record<Exclude<Proposal['state'], 'open'>, string> = {
  applied: `Applied — ${undoShortcut} undoes it.`,
  dismissed: 'Dismissed — nothing was changed.',
};

/**
 * A change the assistant proposes, as a card under its answer: each change in a sentence, checked against the design
 * as it is now (a change that no longer fits says why, and Apply is off). Apply runs assistant.applyProposal (one
 * undo step for all of them); Dismiss changes nothing. Nothing changes the design without one of these clicks.
 */
export const ProposalCard = memo(function ProposalCard({ proposalRef, proposal }: { proposalRef: ProposalRef; proposal: Proposal }) {
  const design = useDesign((s) => s.design);
  const reasonsId = useId();
  const fit = useMemo(() => (proposal.state === 'open' ? proposalFit(design, proposal.changes) : null), [design, proposal.state, proposal.changes]);
  const undoable = proposal.state === 'applied' && isEnabled(getCommand('assistant.undoProposal')!, appContext, proposalRef);
  const run = (id: string) => void executeCommand(appContext, id, proposalRef);
  return (
    <section className={`proposal-card proposal-${proposal.state}${fit !== null && !fit.fits ? ' proposal-stale' : ''}`} aria-label="Proposed change" data-testid="assistant-proposal" data-state={proposal.state}>
      <h4 className="proposal-title">Proposed change</h4>
      {proposal.reason.trim() !== '' && <p className="proposal-reason">{proposal.reason}</p>}
      <ul className="proposal-changes">
        {proposal.changes.map((change, index) => (
          <li key={index} data-testid="assistant-proposal-change">
            {describeChange(change)}
            {proposal.changes.length > 1 && fit?.reasons[index] != null && (
              <span className="proposal-misfit" role="note">
                {' '}
                {fit.reasons[index]}
              </span>
            )}
          </li>
        ))}
      </ul>
      {proposal.state === 'open' ? (
        <div className="proposal-actions">
          {fit !== null && !fit.fits && (
            <p className="proposal-stale-text" id={reasonsId} data-testid="assistant-proposal-stale">
              This proposal no longer fits the design: {fit.summary}
            </p>
          )}
          <button
            type="button"
            className="primary"
            disabled={fit === null || !fit.fits}
            aria-describedby={fit !== null && !fit.fits ? reasonsId : undefined}
            onClick={() => run('assistant.applyProposal')}
            data-testid="assistant-apply"
          >
            Apply
          </button>
          <button type="button" onClick={() => run('assistant.dismissProposal')} data-testid="assistant-dismiss">
            Dismiss
          </button>
        </div>
      ) : (
        <p className="proposal-state" role="status" data-testid="assistant-proposal-state">
          {stateText[proposal.state]}
          {undoable && (
            <>
              {' '}
              <button type="button" className="link-button" onClick={() => run('assistant.undoProposal')} data-testid="assistant-undo">
                Undo
              </button>
            </>
          )}
        </p>
      )}
    </section>
  );
});
