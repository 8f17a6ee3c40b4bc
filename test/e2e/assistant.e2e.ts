import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { groundedModel, startModelServer, type ModelServer } from '../doubles/modelServer';
import { openApp, screenshotPath, shouldRunE2e, type OpenApp } from './support';

// The assistant (issue 16) as a person uses it, in Chromium against serve mode: ask "which VPN for my network?", read
// the answer as it streams in, citing the benchmark's figures, with a proposal card; apply the card (one undo step),
// then undo it. The model is a TEST DOUBLE (test/doubles/modelServer.ts): a real OpenAI-compatible HTTP server on
// 127.0.0.1 with real SSE streaming and tool calls, whose answers are a deterministic script reading the facts the app
// sent (groundedModel), slowed down here so the streaming can be watched. Serve mode finds it through OPENAI_BASE_URL,
// as a person's own endpoint would be found.
const run = shouldRunE2e();

describe.runIf(run)('the assistant (Chromium, serve mode, a test double of a model)', () => {
  let model: ModelServer;
  let app: OpenApp;
  let page: Page;

  beforeAll(async () => {
    // Each chunk 30 ms apart: a few seconds for the answer, so the page can be seen part way.
    model = await startModelServer({ script: async (request, info) => ({ ...(await groundedModel(request, info)), delayMs: 30 }) });
    app = await openApp({ wizard: /Home \+ cloud VPS/, env: { OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: '' } });
    page = app.page;
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await model?.close();
  });

  const chosenVpn = async () => {
    await page.getByRole('tab', { name: 'Choose VPN' }).click();
    const chosen = page.locator('.advice-entry.chosen');
    return (await chosen.count()) === 0 ? null : ((await chosen.getAttribute('data-testid')) ?? '').replace(/^advice-/, '');
  };

  test('what will be sent: the exact messages, with the design in them, before anything leaves', async () => {
    await page.getByRole('tab', { name: 'Assistant' }).click();
    const ask = page.getByTestId('assistant-ask');
    await ask.waitFor();
    await ask.fill('Which VPN should I use for my network?');
    await page.getByTestId('assistant-preview').click();
    const preview = page.getByTestId('assistant-preview-dialog');
    await preview.waitFor();
    await preview.getByTestId('assistant-preview-message').first().waitFor({ timeout: 15_000 }).catch(() => undefined);
    await page.screenshot({ path: screenshotPath('assistant-preview') });
    const messages = await preview.getByTestId('assistant-preview-message').allTextContents();
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.join('\n')).toContain('Which VPN should I use for my network?');
    // The grounding: the design's machines by name, and the advisor's ranking.
    expect(messages.join('\n')).toContain('vps');
    expect(await preview.getByTestId('assistant-preview-endpoint').textContent()).toContain(model.baseUrl);
    // The double is on this computer: redaction (automatic) is off, and the view says so.
    expect(await preview.getByTestId('assistant-preview-redaction').textContent()).toMatch(/off|not/i);
    await page.keyboard.press('Escape');
    await preview.waitFor({ state: 'detached' });
    // Looking sent nothing.
    expect(model.chatRequests()).toHaveLength(0);
  }, 60_000);

  test('ask "which VPN for my network?": the answer streams in citing the figures, with a proposal card, and nothing changes yet', async () => {
    const before = await chosenVpn();
    await page.getByRole('tab', { name: 'Assistant' }).click();
    await page.getByTestId('assistant-send').click();
    const answer = page.locator('[data-testid="assistant-message"][data-role="assistant"]').last();
    // Part way: some text, not all of it.
    await expect.poll(async () => ((await answer.textContent().catch(() => '')) ?? '').length, { timeout: 20_000 }).toBeGreaterThan(20);
    const partial = (await answer.textContent()) ?? '';
    await page.screenshot({ path: screenshotPath('assistant-streaming') });
    const card = page.getByTestId('assistant-proposal');
    await card.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('assistant-stop').count(), { timeout: 20_000 }).toBe(0);
    const full = (await answer.textContent()) ?? '';
    expect(full.length).toBeGreaterThan(partial.length);
    // It cites the benchmark's figures, with their units and profile, and the VPN it recommends.
    expect(full).toMatch(/\d+(\.\d+)? Mbit\/s/);
    expect(full).toMatch(/I recommend (\S+)/);
    const recommended = /I recommend ([^:]+):/.exec(full)?.[1] ?? '';
    // The tool it called to look the figure up is shown.
    expect(await page.getByTestId('assistant-tool-note').first().textContent()).toBeTruthy();
    // The card names the change; it waits for a click.
    expect(await card.getAttribute('data-state')).toBe('open');
    expect(recommended).not.toBe('');
    expect(((await card.getByTestId('assistant-proposal-change').first().textContent()) ?? '').toLowerCase()).toContain(`choose ${recommended.toLowerCase()}`);
    await page.screenshot({ path: screenshotPath('assistant-answer') });
    expect(await chosenVpn()).toBe(before);
  }, 90_000);

  test('apply: the VPN changes as one undo step; undo restores the choice before', async () => {
    const before = await chosenVpn();
    await page.getByRole('tab', { name: 'Assistant' }).click();
    const card = page.getByTestId('assistant-proposal');
    await card.getByTestId('assistant-apply').click();
    await expect.poll(() => card.getAttribute('data-state')).toBe('applied');
    await page.screenshot({ path: screenshotPath('assistant-applied') });
    const after = await chosenVpn();
    expect(after).not.toBe(before);
    expect(after).not.toBeNull();
    // One Ctrl+Z (outside a text field) takes the whole proposal back.
    await page.locator('.advisor-panel, [data-testid="leaderboard"]').first().click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('Control+z');
    await expect.poll(chosenVpn).toBe(before);
  }, 60_000);
});
