import type { JobOutcome } from '../../../shared/ipc/jobs';
import { vpnDisplayNames, type VpnId } from '../../../shared/vpn/ids';
import { dateTimeFormat, durationText, outcomeText } from './deployStatus';

/**
 * The head of a verify's or a measurement's result: its title, when it ran, how long it took, over which VPN and with
 * what (`details`); and when it did not finish, how it ended and what that means for the result (`ended`).
 */
export function RunReportHead({
  kind,
  headingId,
  title,
  report,
  details,
  ended,
}: {
  kind: 'verify' | 'measure';
  headingId: string;
  title: string;
  report: { startedAt: number; finishedAt: number; vpn: VpnId | null; outcome: JobOutcome };
  details: string;
  ended: string;
}) {
  return (
    <>
      <div className="verify-report-head">
        <h3 id={headingId}>{title}</h3>
        <span className="deploy-meta">
          {dateTimeFormat.format(report.startedAt)} · took {durationText(report.finishedAt - report.startedAt)}
          {report.vpn === null ? '' : ` · ${vpnDisplayNames[report.vpn]}`} · {details}
        </span>
      </div>
      {report.outcome !== 'finished' && (
        <p className={`plan-warning ${kind}-outcome`} data-testid={`${kind}-outcome`}>
          The {kind === 'verify' ? 'verify' : 'measurement'} {outcomeText[report.outcome]}
          {ended}
        </p>
      )}
    </>
  );
}
