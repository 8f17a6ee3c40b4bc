import { useState, type FormEvent } from 'react';
import { describeError, type AppError } from '../../../shared/errors';
import { pairWithCode, requestPairingCode } from '../api/session';

/**
 * Asks for the pairing code the server printed on its console and exchanges it for a session. Used as the first
 * screen of a browser that is not signed in, and in a dialog over the app when a sign-in ends while it is open
 * (the design stays in the window meanwhile).
 */
export function PairingForm({ onPaired, initialError }: { onPaired: () => void; initialError?: AppError }) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<AppError | undefined>(initialError);
  const [busy, setBusy] = useState(false);
  const [info, setInfo] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (code.trim() === '' || busy) return;
    setBusy(true);
    setInfo(null);
    const result = await pairWithCode(code.trim());
    setBusy(false);
    if (result.ok) {
      setError(undefined);
      onPaired();
    } else {
      setError(result.error);
    }
  };

  const askForCode = async () => {
    const result = await requestPairingCode();
    if (result.ok) {
      setError(undefined);
      setInfo('The server’s console now shows a valid pairing code (a new one if the last had expired). Enter it above.');
    } else {
      setError(result.error);
    }
  };

  return (
    <form className="pairing-form" onSubmit={(e) => void submit(e)} data-testid="pairing-form">
      <label htmlFor="pairing-code">Pairing code</label>
      <div className="pairing-row">
        <input
          id="pairing-code"
          data-testid="pairing-code"
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          placeholder="ABCD-EFGH"
          autoComplete="one-time-code"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={64}
          autoFocus
          aria-describedby="pairing-help"
        />
        <button type="submit" className="primary" disabled={busy || code.trim() === ''}>
          {busy ? 'Pairing…' : 'Pair this browser'}
        </button>
      </div>
      <p id="pairing-help" className="hint">
        The server prints the code on its console: the terminal where it was started, or its log (for example{' '}
        <code>journalctl -u clan-designer</code>). It looks like <code>Pairing code: ABCD-EFGH</code>, works once and for 15 minutes.
      </p>
      {error !== undefined && (
        <p className="form-error" role="alert" data-testid="pairing-error">
          {describeError(error)}
        </p>
      )}
      {info !== null && (
        <p className="hint" role="status">
          {info}
        </p>
      )}
      <button type="button" className="link-button" onClick={() => void askForCode()}>
        No valid code? Ask the server to print a new one
      </button>
    </form>
  );
}
