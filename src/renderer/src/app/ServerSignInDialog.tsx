import { useEffect, useState } from 'react';
import { dateTimeFormat, timeFormat } from '../dates';
import { describeError, type AppError } from '../../../shared/errors';
import { getSessionStatus, newPairingCode, signOut, signOutEverywhere } from '../api/session';
import { Modal } from '../dialogs/Modal';
import { useConfirmStore } from '../stores/confirmStore';
import { useUiStore } from '../stores/uiStore';


/** Serve mode: this browser's sign-in, pairing another device, and signing out here or everywhere. */
export function ServerSignInDialog() {
  const close = () => useUiStore.getState().setDialog(null);
  const [expiresAt, setExpiresAt] = useState<number | null>(null);
  const [code, setCode] = useState<{ code: string; expiresAt: number } | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    void getSessionStatus().then((result) => {
      if (result.ok && result.value.signedIn) setExpiresAt(result.value.expiresAt);
      else if (!result.ok) setError(result.error);
    });
  }, []);

  const pairAnother = async () => {
    const result = await newPairingCode();
    if (result.ok) setCode(result.value);
    else setError(result.error);
  };

  const leave = async (everywhere: boolean) => {
    if (everywhere) {
      const sure = await useConfirmStore
        .getState()
        .ask('Sign out everywhere?', 'Every browser paired with this server is signed out at once, this one included. Each needs a new pairing code from the server’s console to get back in.');
      if (!sure) return;
    }
    const result = everywhere ? await signOutEverywhere() : await signOut();
    if (!result.ok) {
      setError(result.error);
      return;
    }
    // The page starts over at the pairing screen; nothing of the design is lost that autosave has not kept.
    window.location.reload();
  };

  const shown = code === null ? '' : `${code.code.slice(0, 4)}-${code.code.slice(4)}`;
  const link = code === null ? '' : `${window.location.origin}/#pair=${shown}`;
  return (
    <Modal title="Sign-in and other devices" onClose={close} testId="server-sign-in-dialog">
      <p data-testid="session-expiry">{expiresAt === null ? 'This browser is signed in to the server.' : `This browser is signed in to the server until ${dateTimeFormat.format(expiresAt)}.`}</p>
      <h3>Pair another device</h3>
      {code === null ? (
        <p>
          Make a one-time code for your laptop, tablet or another browser.{' '}
          <button type="button" onClick={() => void pairAnother()} data-testid="new-pairing-code">
            Make a pairing code
          </button>
        </p>
      ) : (
        <div className="pairing-code-box">
          <p>
            Pairing code <strong data-testid="shown-pairing-code">{shown}</strong>, works once until {timeFormat.format(code.expiresAt)}. Open
            this address on the other device, or open the server’s address there and type the code:
          </p>
          <p>
            <code className="pairing-link">{link}</code>{' '}
            <button type="button" onClick={() => void navigator.clipboard?.writeText(link)}>
              Copy link
            </button>
          </p>
        </div>
      )}
      <h3>Sign out</h3>
      <p>Signing out here ends this browser’s sign-in. “Sign out everywhere” ends every paired browser’s sign-in, for example after a device was lost.</p>
      {error !== null && (
        <p className="form-error" role="alert">
          {describeError(error)}
        </p>
      )}
      <div className="button-row">
        <button type="button" onClick={() => void leave(false)} data-testid="sign-out">
          Sign out
        </button>
        <button type="button" onClick={() => void leave(true)} data-testid="sign-out-everywhere">
          Sign out everywhere…
        </button>
        <button type="button" className="primary" onClick={close}>
          Close
        </button>
      </div>
    </Modal>
  );
}
