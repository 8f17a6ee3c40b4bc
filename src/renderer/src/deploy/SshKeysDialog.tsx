import { useEffect, useId, useState } from 'react';
import { describeError } from '../../../shared/errors';
import type { SshKeyList } from '../../../shared/ipc/contract';
import { appContext } from '../app/appContext';
import { Modal } from '../dialogs/Modal';
import { useSshKeysStore } from './sshKeysStore';

type KeyFile = SshKeyList['keys'][number];

function agentText(agent: SshKeyList['agent']): string {
  if (agent.status === 'notSet') return 'No ssh-agent is running for the app (SSH_AUTH_SOCK is not set). Keys with a passphrase are asked for when they are used.';
  if (agent.status === 'unreachable') return 'The ssh-agent named by SSH_AUTH_SOCK does not answer, so only key files can be used.';
  if (agent.keyCount === 0) return 'The ssh-agent is running but holds no keys. Add one with “ssh-add” to log in without typing a passphrase.';
  return `The ssh-agent holds ${agent.keyCount} ${agent.keyCount === 1 ? 'key' : 'keys'}; it is always tried first.`;
}

/** The short facts of a key: type, whether it is locked, whether the agent holds it, whether ssh tries it on its own. */
function keyTags(key: KeyFile): string[] {
  return [
    ...(key.type === null ? [] : [key.type]),
    ...(key.encrypted ? ['passphrase'] : []),
    ...(key.inAgent ? ['in ssh-agent'] : []),
    ...(key.isDefault ? ['ssh default'] : []),
  ];
}

/**
 * Which key files "Check machines" offers. Automatic logs in as the ssh command would; picking keys offers the
 * ticked files of ~/.ssh (after the agent, and before any IdentityFile ~/.ssh/config names for a machine) and no
 * others. Only file names leave this dialog: main reads the keys, and their passphrases are asked when used.
 */
export function SshKeysDialog({ onClose }: { onClose: () => void }) {
  const picked = useSshKeysStore((s) => s.picked);
  const setPicked = useSshKeysStore((s) => s.setPicked);
  const [list, setList] = useState<SshKeyList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const modeName = useId();

  useEffect(() => {
    let live = true;
    void appContext.backend?.invoke('ssh:keys.list', {}).then((result) => {
      if (!live) return;
      if (result.ok) setList(result.value);
      else setError(describeError(result.error));
    });
    return () => {
      live = false;
    };
  }, []);

  const keys = list?.keys ?? [];
  const automatic = picked === null;
  // Picked keys that are gone from ~/.ssh stay listed, so they can be unticked.
  const missing = (picked ?? []).filter((name) => !keys.some((k) => k.name === name));
  const isTicked = (key: KeyFile) => (automatic ? key.isDefault && key.problem === null : picked.includes(key.name));
  const toggle = (name: string, on: boolean) => setPicked(on ? [...(picked ?? []), name] : (picked ?? []).filter((n) => n !== name));
  const pickMode = () => setPicked(keys.filter((k) => k.isDefault && k.problem === null).map((k) => k.name));

  return (
    <Modal title="SSH keys for checking machines" onClose={onClose} testId="ssh-keys-dialog" className="wide ssh-keys-dialog">
      {error !== null ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : list === null ? (
        <p className="muted">Reading ~/.ssh…</p>
      ) : (
        <>
          <p className="ssh-keys-agent" data-testid="ssh-agent-status">
            {agentText(list.agent)}
          </p>
          <fieldset className="ssh-keys-mode">
            <legend>Key files to offer</legend>
            <label>
              <input type="radio" name={modeName} checked={automatic} onChange={() => setPicked(null)} data-testid="ssh-keys-automatic" /> Automatic, like the ssh
              command: the keys ~/.ssh/config names for a machine, or else id_ed25519, id_ecdsa and id_rsa
            </label>
            <label>
              <input type="radio" name={modeName} checked={!automatic} onChange={pickMode} data-testid="ssh-keys-pick" /> Only the keys I tick below (a key
              ~/.ssh/config names for a machine is still tried after them)
            </label>
          </fieldset>
          {keys.length === 0 && missing.length === 0 ? (
            <p className="muted" data-testid="ssh-keys-none">
              There are no private keys in {list.folder}. Create one with <code>ssh-keygen -t ed25519</code>, then add its public key to each machine’s
              authorized keys.
            </p>
          ) : (
            <ul className="ssh-key-list" aria-label={`Private keys in ${list.folder}`}>
              {keys.map((key, index) => (
                <li key={key.name} data-testid={`ssh-key-${key.name}`} className={key.problem === null ? '' : 'ssh-key-unusable'}>
                  <label>
                    <input
                      type="checkbox"
                      checked={isTicked(key)}
                      disabled={automatic || (key.problem !== null && !isTicked(key))}
                      onChange={(e) => toggle(key.name, e.currentTarget.checked)}
                      aria-describedby={`${modeName}-key-${index}`}
                    />{' '}
                    <code className="ssh-key-name">{key.name}</code>
                  </label>
                  <span id={`${modeName}-key-${index}`} className="ssh-key-facts">
                    {keyTags(key).map((tag) => (
                      <span key={tag} className="ssh-key-tag">
                        {tag}
                      </span>
                    ))}
                    {key.fingerprint !== null && <code className="ssh-key-fingerprint">{key.fingerprint}</code>}
                    {key.comment !== '' && <span className="ssh-key-comment">{key.comment}</span>}
                    {key.problem !== null && <span className="error-text">{key.problem}</span>}
                  </span>
                </li>
              ))}
              {missing.map((name) => (
                <li key={name} data-testid={`ssh-key-${name}`} className="ssh-key-unusable">
                  <label>
                    <input type="checkbox" checked onChange={() => toggle(name, false)} /> <code className="ssh-key-name">{name}</code>
                  </label>
                  <span className="ssh-key-facts error-text">This file is no longer in {list.folder}.</span>
                </li>
              ))}
            </ul>
          )}
          {!automatic && picked.length === 0 && (
            <p className="warning-text" data-testid="ssh-keys-only-agent">
              No key file is ticked: only the ssh-agent{list.agent.status === 'ok' ? '' : ' (not available now)'} and keys named in ~/.ssh/config are tried.
            </p>
          )}
          <p className="muted">
            Keys stay on the computer the app runs on: it reads them only to log in, and a passphrase you type is kept in
            memory for one check. Keys kept outside {list.folder} can be named with IdentityFile in ~/.ssh/config.
          </p>
        </>
      )}
      <div className="button-row">
        <button type="button" className="primary" onClick={onClose} data-testid="ssh-keys-done">
          Done
        </button>
      </div>
    </Modal>
  );
}
