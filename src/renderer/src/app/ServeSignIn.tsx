import { useEffect, useState, type ReactNode } from 'react';
import { appError, type AppError } from '../../../shared/errors';
import { getSessionStatus, pairWithCode, takePairingCode } from '../api/session';
import { Modal } from '../dialogs/Modal';
import { useConnectionStore } from '../stores/connectionStore';
import { PairingForm } from './PairingForm';

type GateState = { kind: 'checking' } | { kind: 'signedOut'; error?: AppError } | { kind: 'signedIn' };

let signIn: Promise<GateState> | undefined;

/**
 * Starts signing in as soon as the script runs, before React's first paint: pairs with the code in the address if
 * there is one (a successful pairing needs no second question), else asks whether this browser is signed in.
 */
export function beginSignIn(): Promise<GateState> {
  signIn ??= (async (): Promise<GateState> => {
    const code = takePairingCode(window.location, window.history);
    let pairingError: AppError | undefined;
    if (code !== undefined) {
      const paired = await pairWithCode(code);
      if (paired.ok) return { kind: 'signedIn' };
      pairingError = paired.error;
    }
    // A used or wrong code in the link does not matter when the browser is signed in already (a reopened tab).
    const status = await getSessionStatus();
    if (!status.ok) return { kind: 'signedOut', error: status.error };
    if (status.value.signedIn) return { kind: 'signedIn' };
    return { kind: 'signedOut', error: pairingError ?? (status.value.reason === 'expired' ? appError('notSignedIn', { reason: 'expired' }) : undefined) };
  })();
  return signIn;
}

/**
 * Serve mode's door: a browser that is not signed in sees the pairing screen instead of the app; a signed-in one
 * sees the app, and if its sign-in ends while it is open (expiry, "sign out everywhere" elsewhere), a pairing
 * dialog over the app lets it pair again without losing what is on screen.
 */
export function ServeSignIn({ children }: { children: ReactNode }) {
  const [state, setState] = useState<GateState>({ kind: 'checking' });
  const connection = useConnectionStore((s) => s.status);

  useEffect(() => {
    let cancelled = false;
    void beginSignIn().then((next) => {
      if (!cancelled) setState(next);
    });
    return () => {
      cancelled = true;
    };
  }, []);

  if (state.kind === 'checking') {
    return (
      <main className="sign-in-page" aria-busy="true">
        <p>Connecting to the server…</p>
      </main>
    );
  }
  if (state.kind === 'signedOut') {
    return (
      <main className="sign-in-page" data-testid="sign-in-page">
        <h1>Pair this browser with the server</h1>
        <p>
          Clan Network Designer on this server can reach your machines over SSH, so it only works in browsers you pair with it. Pairing takes a
          one-time code from the server’s console; afterwards this browser stays signed in until the sign-in expires or you sign out.
        </p>
        <PairingForm initialError={state.error} onPaired={() => setState({ kind: 'signedIn' })} />
      </main>
    );
  }
  return (
    <>
      {children}
      {connection === 'unauthorized' && (
        <Modal title="This browser is signed out" onClose={() => undefined} testId="signed-out-dialog">
          <p>
            The server no longer accepts this browser: its sign-in expired, or someone chose “Sign out everywhere”. Nothing on screen is lost;
            unsaved changes are kept here and saved once you pair again.
          </p>
          <PairingForm onPaired={() => useConnectionStore.getState().setStatus('connecting')} />
        </Modal>
      )}
    </>
  );
}
