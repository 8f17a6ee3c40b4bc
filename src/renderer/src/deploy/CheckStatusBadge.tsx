import { memo } from 'react';
import { useMachineCheckStatus, type MachineCheckStatus } from './checkStore';

/** Symbol and meaning of each check status: one table for the canvas, the deploy order and the results list. */
export const checkStatusView: Record<MachineCheckStatus, { symbol: string; text: string }> = {
  pending: { symbol: '○', text: 'waiting to be checked' },
  checking: { symbol: '◌', text: 'being checked now' },
  ok: { symbol: '✓', text: 'ready' },
  warning: { symbol: '!', text: 'ready, with warnings' },
  error: { symbol: '✕', text: 'not ready' },
  skipped: { symbol: '–', text: 'not checked' },
};

/**
 * A machine's status in the running or last "Check machines" run, as a small round badge with its meaning for
 * screen readers and as a tooltip; nothing when the machine was never checked. It subscribes to its own machine's
 * status, so a check in progress re-renders only this badge, not the canvas node or list row around it.
 */
function CheckStatusBadgeView({ machineId }: { machineId: string }) {
  const status = useMachineCheckStatus(machineId);
  if (status === undefined) return null;
  const { symbol, text } = checkStatusView[status];
  const label = `Check: ${text}`;
  return (
    <span className={`check-badge check-badge-${status}`} role="img" aria-label={label} title={label} data-check-status={status}>
      <span className="check-badge-symbol" aria-hidden="true">
        {symbol}
      </span>
    </span>
  );
}

/** Memoised: it only changes when its machine's status does. */
export const CheckStatusBadge = memo(CheckStatusBadgeView);
