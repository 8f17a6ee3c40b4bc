/** Shown in serve mode when the page was opened without the access token the server printed. */
export function NeedsToken() {
  return (
    <main className="needs-token" role="main">
      <h1>This address is missing its access token</h1>
      <p>
        For your safety, the server only answers pages opened with the full address it printed when it started,
        which ends in <code>#token=…</code>. Copy that whole address from the terminal where you ran{' '}
        <code>npm run serve</code> and open it here.
      </p>
    </main>
  );
}
