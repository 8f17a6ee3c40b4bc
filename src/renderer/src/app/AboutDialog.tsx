import { useEffect, useRef, type MouseEvent } from 'react';
import { appContext } from './appContext';
import { useConnectionStore } from '../stores/connectionStore';
import { useUiStore } from '../stores/uiStore';

const credits = [
  {
    title: '“Decrypting the Overlay: A Reproducible Analysis of P2P VPN Implementation and Overhead”',
    text: 'The master thesis whose measurements of ten mesh VPNs, seven workloads and four network conditions this app shows and ranks.',
    href: 'https://github.com/Qubasa/vpn-bench',
    linkText: 'Qubasa/vpn-bench on GitHub',
  },
  {
    title: 'Clan',
    text: 'The NixOS deployment framework for self-hosters that the generated configurations are written for.',
    href: 'https://clan.lol',
    linkText: 'clan.lol',
  },
];

/** Opens a credit link: in the desktop app through the back end's allowlist, in a browser as a new tab. */
async function openLink(event: MouseEvent<HTMLAnchorElement>, href: string): Promise<void> {
  event.preventDefault();
  const backend = appContext.backend;
  if (backend === null) return;
  const result = await backend.invoke('app:openExternal', { url: href });
  if (result.ok && !result.value.opened) window.open(href, '_blank', 'noopener,noreferrer');
}

/** Version, runtimes and credits for the benchmark data. */
export function AboutDialog() {
  const open = useUiStore((s) => s.aboutOpen);
  const setAboutOpen = useUiStore((s) => s.setAboutOpen);
  const info = useConnectionStore((s) => s.info);
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog ref={ref} className="about-dialog" aria-labelledby="about-title" onClose={() => setAboutOpen(false)}>
      <h2 id="about-title">About Clan Network Designer</h2>
      <p className="about-version" data-testid="about-version">
        Version {info?.version ?? __APP_VERSION__}
        {info !== undefined && ` · ${info.mode === 'serve' ? 'serve mode' : 'desktop'} · ${info.platform}`}
      </p>
      {info !== undefined && (
        <p className="about-runtimes">
          {Object.entries(info.runtimes)
            .map(([name, version]) => `${name} ${version}`)
            .join(' · ')}
        </p>
      )}
      <h3>Credits</h3>
      <ul className="credits">
        {credits.map((credit) => (
          <li key={credit.href}>
            <strong>{credit.title}</strong>
            <p>{credit.text}</p>
            <a href={credit.href} onClick={(event) => void openLink(event, credit.href)}>
              {credit.linkText}
            </a>
          </li>
        ))}
      </ul>
      <p className="about-note">The benchmark figures are the thesis author’s measurements, imported as numbers only and shown with their source.</p>
      <div className="button-row">
        <button type="button" autoFocus onClick={() => setAboutOpen(false)}>
          Close
        </button>
      </div>
    </dialog>
  );
}
