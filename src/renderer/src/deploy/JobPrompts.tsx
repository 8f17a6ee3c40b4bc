import { useState } from 'react';
import { appContext } from '../app/appContext';
import { Modal } from '../dialogs/Modal';
import { useJobsStore, type OpenPrompt } from '../stores/jobsStore';

function hostLabel(host: string, port: number): string {
  return port === 22 ? host : `${host} port ${port}`;
}

/** A host key seen for the first time: its fingerprint, how to compare it on the machine, trust or not. */
function HostKeyPrompt({ prompt }: { prompt: Extract<OpenPrompt, { type: 'hostKey' }> }) {
  const [busy, setBusy] = useState(false);
  const answer = (trust: boolean) => {
    if (appContext.backend === null) return;
    setBusy(true);
    void useJobsStore.getState().answer(appContext.backend, { promptId: prompt.promptId, trust });
  };
  const who = prompt.machines.length === 0 ? hostLabel(prompt.host, prompt.port) : `${prompt.machines.map((n) => `“${n}”`).join(', ')} (${hostLabel(prompt.host, prompt.port)})`;
  const keyFile = prompt.keyType === 'ssh-ed25519' ? 'ssh_host_ed25519_key.pub' : prompt.keyType.startsWith('ecdsa') ? 'ssh_host_ecdsa_key.pub' : 'ssh_host_rsa_key.pub';
  return (
    <Modal title="Trust this machine?" onClose={() => answer(false)} testId="host-key-prompt" className="host-key-dialog">
      <p>
        This is the first connection to {who}. Its SSH host key is not in your known hosts yet, so the app cannot be sure it is talking to the right
        machine.
      </p>
      <dl className="fingerprint">
        <dt>Key type</dt>
        <dd>{prompt.keyType}</dd>
        <dt>Fingerprint</dt>
        <dd>
          <code data-testid="host-key-fingerprint">{prompt.fingerprint}</code>
        </dd>
      </dl>
      {prompt.otherKeyTypes.length > 0 && (
        <p className="warning-text">Your known hosts already hold a {prompt.otherKeyTypes.join(', ')} key for this address. A new key type is not proof of a problem, but compare carefully.</p>
      )}
      <p className="muted">
        To compare, run this on the machine itself (at its console, or over a connection you already trust): <code>ssh-keygen -lf /etc/ssh/{keyFile}</code>. Trust it only if the
        fingerprints match. A trusted key is added to {prompt.knownHostsFile}; if it ever changes, the app refuses to connect.
      </p>
      <div className="button-row">
        <button type="button" disabled={busy} onClick={() => answer(false)} data-testid="host-key-reject">
          Don’t trust
        </button>
        <button type="button" className="primary" disabled={busy} onClick={() => answer(true)} data-testid="host-key-trust">
          Trust and connect
        </button>
      </div>
    </Modal>
  );
}

/** A private key that needs its passphrase; the passphrase goes to main only and is never stored. */
function PassphrasePrompt({ prompt }: { prompt: Extract<OpenPrompt, { type: 'passphrase' }> }) {
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const answer = (passphrase: string | null) => {
    if (appContext.backend === null) return;
    setBusy(true);
    void useJobsStore.getState().answer(appContext.backend, { promptId: prompt.promptId, passphrase });
  };
  return (
    <Modal title="Unlock SSH key" onClose={() => answer(null)} testId="passphrase-prompt">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          answer(value);
        }}
      >
        <p>
          The key <code>{prompt.keyPath}</code> is protected by a passphrase. Enter it to log in to {prompt.host}
          {prompt.attempt > 1 ? ' (the last one was not right)' : ''}. It is kept in memory for this check only and never saved.
        </p>
        <label className="field">
          Passphrase
          <input type="password" autoComplete="off" autoFocus value={value} onChange={(e) => setValue(e.currentTarget.value)} data-testid="passphrase-input" />
        </label>
        <p className="muted">Tip: add the key to your ssh-agent (ssh-add) and the app will not need to ask.</p>
        <div className="button-row">
          <button type="button" disabled={busy} onClick={() => answer(null)}>
            Skip this key
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Unlock
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** The oldest open question of a running job (a check, say), wherever the person is in the app. */
export function JobPrompts() {
  const prompt = useJobsStore((s) => s.prompts[0]);
  if (prompt === undefined) return null;
  return prompt.type === 'hostKey' ? <HostKeyPrompt key={prompt.promptId} prompt={prompt} /> : <PassphrasePrompt key={prompt.promptId} prompt={prompt} />;
}
