import { useMemo, useState } from 'react';
import { advise, MAX_PRIORITY, priorityIds, priorityTexts, type AdviceEntry } from '../../../shared/bench/advisor';
import { describeProfile } from '../../../shared/bench/leaderboard';
import type { BenchDataset } from '../../../shared/bench/schema';
import type { Design } from '../../../shared/model/types';
import type { VpnId } from '../../../shared/vpn/ids';
import { appContext } from '../app/appContext';
import type { PriorityArgs } from '../commands/comparisonCommands';
import { executeCommand } from '../commands/registry';
import { GestureRange } from '../components/GestureRange';
import { dateTimeFormat } from '../deploy/deployStatus';
import { InUseBadge } from './InUseBadge';
import { useAdvisorProfile } from './useAdvisorProfile';

const levelNames = ['ignore', 'some', 'important', 'top'];

function Entry({
  entry,
  chosen,
  comparing,
  onCompare,
  onUse,
  expanded,
  onExpand,
}: {
  entry: AdviceEntry;
  chosen: boolean;
  comparing: boolean;
  onCompare: () => void;
  onUse: () => void;
  expanded: boolean;
  onExpand: () => void;
}) {
  return (
    <li className={`advice-entry${entry.excluded ? ' excluded' : ''}${chosen ? ' chosen' : ''}`} data-testid={`advice-${entry.vpn}`}>
      <div className="advice-head">
        <span className="advice-rank">{entry.excluded ? '✕' : `${entry.rank}.`}</span>
        <strong>{entry.name}</strong>
        {chosen && <InUseBadge />}
        {!entry.excluded && (
          <span className="advice-score" title="Score out of 100 from your priorities">
            <span className="advice-bar" style={{ width: `${Math.max(2, entry.score)}%` }} />
            {Math.round(entry.score)}
          </span>
        )}
      </div>
      {entry.excluded ? (
        <ul className="advice-reasons">
          {entry.exclusionReasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      ) : (
        <>
          <ul className="advice-reasons">
            {(expanded ? entry.reasons : entry.reasons.slice(0, 2)).map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
          {expanded && (
            <>
              {entry.roles.filter((r) => r.roles.length > 0).length > 0 && (
                <p className="advice-roles">
                  Roles:{' '}
                  {entry.roles
                    .filter((r) => r.labels.length > 0)
                    .map((r) => `${r.machine} — ${r.labels.join(', ')}`)
                    .join('; ')}
                </p>
              )}
              {entry.caveats.length > 0 && (
                <ul className="advice-caveats">
                  {entry.caveats.map((c) => (
                    <li key={c}>{c}</li>
                  ))}
                </ul>
              )}
              <table className="advice-breakdown">
                <tbody>
                  {entry.breakdown
                    .filter((b) => b.weight > 0)
                    .map((b) => (
                      <tr key={b.criterion}>
                        <th scope="row">{priorityTexts[b.criterion].label}</th>
                        <td>{b.contribution.toFixed(0)}</td>
                        <td>{b.detail}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </>
          )}
          <div className="advice-actions">
            <button type="button" className="link-button" onClick={onExpand}>
              {expanded ? 'Less' : 'Why, roles and caveats'}
            </button>
            <label className="compare-check">
              <input type="checkbox" checked={comparing} onChange={onCompare} /> Compare
            </label>
            {/* Opens the what-if panel: what would change, before anything does; its Switch applies the change. */}
            <button type="button" className={chosen ? '' : 'primary'} disabled={chosen} onClick={onUse} data-testid={`use-${entry.vpn}`}>
              {chosen ? 'In use' : 'Use this VPN'}
            </button>
          </div>
        </>
      )}
    </li>
  );
}

/**
 * The ranking for the user's own design: hard constraints first, then a score from the data and priorities. "Use
 * this VPN" calls onUse, which shows what the switch would change before it is made.
 */
export function AdvisorPanel({ dataset, design, comparing, onCompare, onUse }: { dataset: BenchDataset; design: Design; comparing: readonly VpnId[]; onCompare: (vpn: VpnId) => void; onUse: (vpn: VpnId) => void }) {
  // The newest measurement of the design file on screen, when there is one: the advice then reads its figures from
  // the profile the measured links point to, and says so; otherwise from the link quality drawn in the design.
  const { measured, profile } = useAdvisorProfile(design, dataset);
  const advice = useMemo(() => advise(design, dataset, design.comparison.priorities, 'main', profile), [design, dataset, profile]);
  const [expanded, setExpanded] = useState<VpnId | null>(null);
  const empty = Object.keys(design.machines).length === 0;
  return (
    <aside className="advisor" aria-label="Advice for your design">
      <h3>For your network</h3>
      {empty ? (
        <p className="advisor-empty">Draw your sites and machines in the Design area; the ranking then takes their NAT types, link quality and devices into account.</p>
      ) : (
        <>
          {measured !== null && (
            <p className="advisor-context advisor-measured" data-testid="advisor-measured">
              <strong>Measured {dateTimeFormat.format(measured.measuredAt)}:</strong> {measured.line}
            </p>
          )}
          {advice.reasons.map((r) => (
            <p key={r} className="advisor-context">
              {r}
            </p>
          ))}
          {measured !== null && measured.drawn.profile !== measured.profile.profile && (
            <p className="advisor-context advisor-drawn" data-testid="advisor-drawn">
              The link quality drawn in the design stands for the {describeProfile(dataset, measured.drawn.profile)} profile; the ranking follows what was measured. Measure again in the Deploy area after the network changed.
            </p>
          )}
          <ol className="advice-list">
            {advice.entries.map((entry) => (
              <Entry
                key={entry.vpn}
                entry={entry}
                chosen={design.vpn.id === entry.vpn}
                comparing={comparing.includes(entry.vpn)}
                onCompare={() => onCompare(entry.vpn)}
                onUse={() => onUse(entry.vpn)}
                expanded={expanded === entry.vpn}
                onExpand={() => setExpanded(expanded === entry.vpn ? null : entry.vpn)}
              />
            ))}
          </ol>
        </>
      )}
      <details className="priorities">
        <summary>Your priorities</summary>
        {priorityIds.map((id) => (
          <label key={id} className="priority" title={priorityTexts[id].description}>
            <span>{priorityTexts[id].label}</span>
            <GestureRange min={0} max={MAX_PRIORITY} step={1} value={design.comparison.priorities[id]} onValue={(level, capture) => void executeCommand(appContext, 'setPriority', { priority: id, level } satisfies PriorityArgs, { capture })} data-testid={`priority-${id}`} />
            <span className="level">{levelNames[design.comparison.priorities[id]]}</span>
          </label>
        ))}
      </details>
    </aside>
  );
}
