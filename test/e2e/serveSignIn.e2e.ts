import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshotPath, shouldRunE2e, startServe, type ServeProcess } from './support';

// Signing in to serve mode the way people do it: the laptop opens the link the server printed, a second device
// gets a code from the first one, a wrong code is refused with a message, and "sign out everywhere" on one device
// shows the other a pairing dialog over its still-open design.

const run = shouldRunE2e();

/** The newest pairing code the server printed on its console. */
function lastPrintedCode(serve: ServeProcess): string {
  const codes = [...serve.output().matchAll(/Pairing code: ([A-Z0-9]{4}-[A-Z0-9]{4})/g)];
  const last = codes.at(-1);
  if (last === undefined) throw new Error(`no pairing code printed:\n${serve.output()}`);
  return last[1]!;
}

async function closeWizard(page: Page): Promise<void> {
  await page.getByTestId('wizard').waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByTestId('wizard').waitFor({ state: 'detached' });
}

describe.runIf(run)('serve mode sign-in (Chromium)', () => {
  let serve: ServeProcess;
  let laptop: Awaited<ReturnType<typeof launchBrowser>>;
  let tablet: Awaited<ReturnType<typeof launchBrowser>>;
  let laptopPage: Page;
  let tabletPage: Page;

  beforeAll(async () => {
    serve = await startServe();
    laptop = await launchBrowser();
    tablet = await launchBrowser();
    laptopPage = await laptop.context.newPage();
    tabletPage = await tablet.context.newPage();
  });

  afterAll(async () => {
    await laptop?.close();
    await tablet?.close();
    await serve?.stop();
  });

  test('the printed link pairs the browser, the code leaves the address bar, and the session cookie is out of the page\'s reach', async () => {
    expect(serve.output()).toContain(`Pairing code: ${serve.pairingCode}`);
    await laptopPage.goto(serve.pairingUrl);
    await closeWizard(laptopPage);
    await expect.poll(() => laptopPage.getByTestId('connection-status').textContent()).toBe('Connected');
    expect(laptopPage.url().startsWith(serve.url)).toBe(true);
    expect(laptopPage.url()).not.toContain('pair=');
    expect(await laptopPage.evaluate(() => document.cookie)).toBe('');
    const cookies = await laptop.context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // A reload keeps the sign-in: the cookie carries it, not the address.
    await laptopPage.reload();
    await expect.poll(() => laptopPage.getByTestId('connection-status').textContent()).toBe('Connected');
  });

  test('another browser without a code sees the pairing page, cannot call the API, and is told when a code is wrong', async () => {
    await tabletPage.goto(serve.url);
    await tabletPage.getByTestId('sign-in-page').waitFor();
    expect(await tabletPage.getByRole('heading', { level: 1 }).textContent()).toBe('Pair this browser with the server');
    const status = await tabletPage.evaluate(async () => (await fetch('/api/rpc/app:info.get', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
    expect(status).toBe(401);
    await tabletPage.getByTestId('pairing-code').fill('AAAA-AAAA');
    await tabletPage.getByRole('button', { name: 'Pair this browser' }).click();
    await expect.poll(() => tabletPage.getByTestId('pairing-error').textContent()).toContain('That pairing code is not right');
    await tabletPage.screenshot({ path: screenshotPath('serve-pairing-page') });
  });

  test('a code made on the paired laptop pairs the tablet', async () => {
    await laptopPage.getByTestId('sign-in-button').click();
    await laptopPage.getByTestId('server-sign-in-dialog').waitFor();
    await expect.poll(() => laptopPage.getByTestId('session-expiry').textContent()).toMatch(/signed in to the server until/);
    await laptopPage.getByTestId('new-pairing-code').click();
    const code = await laptopPage.getByTestId('shown-pairing-code').textContent();
    expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await laptopPage.screenshot({ path: screenshotPath('serve-sign-in-dialog') });
    await laptopPage.getByRole('button', { name: 'Close' }).click();

    await tabletPage.getByTestId('pairing-code').fill(code!.toLowerCase());
    await tabletPage.getByRole('button', { name: 'Pair this browser' }).click();
    await closeWizard(tabletPage);
    await expect.poll(() => tabletPage.getByTestId('connection-status').textContent()).toBe('Connected');
  });

  test('"sign out everywhere" on the laptop signs the tablet out over its open design, which it keeps after pairing again', async () => {
    // The tablet has work on screen: a machine added to a new design.
    await tabletPage.getByTestId('palette-machine-server').click();
    await expect.poll(() => tabletPage.locator('.react-flow__node-machine').count()).toBe(1);

    await laptopPage.getByTestId('sign-in-button').click();
    await laptopPage.getByTestId('sign-out-everywhere').click();
    await laptopPage.getByTestId('confirm-dialog').getByRole('button', { name: 'Continue' }).click();
    await laptopPage.getByTestId('sign-in-page').waitFor();

    // The tablet notices at its next call (here: saving), without a reload.
    await tabletPage.keyboard.press('Control+s');
    await tabletPage.getByTestId('signed-out-dialog').waitFor();
    await tabletPage.screenshot({ path: screenshotPath('serve-signed-out-dialog') });
    expect(await tabletPage.locator('.react-flow__node-machine').count()).toBe(1);

    // The server printed a new code because everyone was signed out; the tablet pairs with it.
    await expect.poll(() => serve.output()).toContain('every browser was signed out');
    await tabletPage.getByTestId('signed-out-dialog').getByTestId('pairing-code').fill(lastPrintedCode(serve));
    await tabletPage.getByTestId('signed-out-dialog').getByRole('button', { name: 'Pair this browser' }).click();
    await tabletPage.getByTestId('signed-out-dialog').waitFor({ state: 'detached' });
    expect(await tabletPage.locator('.react-flow__node-machine').count()).toBe(1);
    const info = await tabletPage.evaluate(async () => (await fetch('/api/rpc/app:info.get', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
    expect(info).toBe(200);
  });
});
