import type { BenchDataset } from '../../../shared/bench/schema';
import type { MouseEvent } from 'react';
import { appContext } from '../app/appContext';

async function open(event: MouseEvent<HTMLAnchorElement>, href: string): Promise<void> {
  event.preventDefault();
  const backend = appContext.backend;
  if (backend === null) return;
  const result = await backend.invoke('app:openExternal', { url: href });
  if (result.ok && !result.value.opened) window.open(href, '_blank', 'noopener,noreferrer');
}

/** Where the numbers come from, how they were measured, and what to keep in mind when reading them. */
export function AboutData({ dataset }: { dataset: BenchDataset }) {
  const p = dataset.provenance;
  const machine = p.hardware.machines[0];
  const main = dataset.runs.find((r) => r.id === 'main');
  const optimized = dataset.runs.find((r) => r.id === 'optimized');
  return (
    <div className="about-data">
      <section>
        <h3>Source and credit</h3>
        <p>
          Every figure comes from the master thesis <cite>{p.thesis}</cite> and its public repository{' '}
          <a href={p.repositoryUrl} onClick={(e) => void open(e, p.repositoryUrl)}>
            {p.repository}
          </a>{' '}
          (commit <code>{p.commit.slice(0, 7)}</code> of {p.commitDate}). The app imports the measured numbers only; the licence is {p.license}.
        </p>
      </section>
      <section>
        <h3>Method</h3>
        <p>
          Each VPN was deployed with Clan onto three identical servers ({p.hardware.machines.map((m) => m.name).join(', ')}) and every workload ran on the three machine pairs {p.hardware.pairs.join(', ')}. A cell shows the mean over
          the pairs that succeeded, with the lowest and highest pair as its spread.
        </p>
        {machine !== undefined && (
          <p>
            Hardware: {p.hardware.machines.length} × {machine.cpu.vendor === 'GenuineIntel' ? 'Intel' : machine.cpu.vendor} {machine.cpu.architecture} ({machine.cpu.cores} cores, {machine.cpu.threads} threads,{' '}
            {machine.cpu.features.includes('aes') ? 'with AES-NI' : 'no AES-NI'}), {machine.memoryGiB} GiB memory, 1 Gbit/s Ethernet; Linux {p.hardware.kernel}, iperf {p.hardware.iperfVersion}, {p.hardware.congestionControl} congestion control.
          </p>
        )}
        <p>{p.referenceNote}</p>
        {main !== undefined && (
          <p>
            {main.label}: {main.collectedFrom} to {main.collectedTo}. {main.description}
          </p>
        )}
        {optimized !== undefined && (
          <p>
            {optimized.label} ({optimized.collectedFrom}): {optimized.description}
          </p>
        )}
      </section>
      <section>
        <h3>Network profiles</h3>
        <p>{p.impairmentNote}</p>
        <table className="profiles-table">
          <thead>
            <tr>
              <th scope="col">Profile</th>
              <th scope="col">Added latency</th>
              <th scope="col">Jitter</th>
              <th scope="col">Loss</th>
              <th scope="col">Reordering</th>
            </tr>
          </thead>
          <tbody>
            {dataset.profiles.map((profile) => (
              <tr key={profile.id}>
                <th scope="row" title={profile.description}>
                  {profile.label}
                </th>
                <td>{profile.impairment === null ? '—' : `${profile.impairment.latencyMs} ms`}</td>
                <td>{profile.impairment === null ? '—' : `${profile.impairment.jitterMs} ms`}</td>
                <td>{profile.impairment === null ? '—' : `${profile.impairment.lossPercent} %`}</td>
                <td>{profile.impairment === null ? '—' : `${profile.impairment.reorderPercent} % (correlation ${profile.impairment.reorderCorrelationPercent} %)`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h3>Caveats</h3>
        <ul>
          {dataset.workloads
            .filter((w) => w.caveat !== undefined)
            .map((w) => (
              <li key={w.id}>
                <strong>{w.label}:</strong> {w.caveat}
              </li>
            ))}
          {dataset.flags.map((f) => (
            <li key={f.id}>
              <strong>{f.title}:</strong> {f.explanation}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
