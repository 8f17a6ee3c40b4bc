import type { Locator, Page } from 'playwright-core';
import { afterEach, describe, expect, test } from 'vitest';
import { openApp, screenshotPath, shouldRunE2e, type OpenApp } from './support';

// From the wizard to a design that can be deployed: the wizard asks how the app reaches each machine and checks
// names as they are typed; problems take the user to the field to fill; the problems panel keeps to its share of the
// canvas; the Deploy area, when generation is blocked, names the problems and opens each in the Design area.

const run = shouldRunE2e();

const sizes = [
  { width: 1280, height: 800 },
  { width: 1024, height: 700 },
] as const;

/**
 * Selects in the open dialog whose text does not fit: for each option, the width of its text in the select's font
 * plus the select's padding and its arrow, against the select's inner width. (A select's scrollWidth always equals
 * its clientWidth, so the text is measured.) Each entry says which select and which option is cut.
 */
async function cutSelects(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const context = document.createElement('canvas').getContext('2d')!;
    const cut: string[] = [];
    for (const select of document.querySelectorAll<HTMLSelectElement>('dialog[open] select')) {
      const style = getComputedStyle(select);
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      // Chromium draws the arrow in about 20 px at the right of the padding box.
      const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
      for (const option of select.options) {
        const width = context.measureText(option.text).width;
        if (width > room) cut.push(`${select.getAttribute('aria-label') ?? select.closest('label')?.textContent?.slice(0, 30) ?? '?'}: "${option.text}" needs ${Math.ceil(width)} px, has ${Math.floor(room)}`);
      }
    }
    return cut;
  });
}

/** The id of the element that has the keyboard focus, by its test id, or its tag. */
function focusedTestId(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? '');
}

/** Creates the wizard's design on the empty canvas. */
async function createDesign(page: Page): Promise<void> {
  await page.getByTestId('wizard-create').click();
  await page.getByTestId('wizard').waitFor({ state: 'detached' });
}

/** The machine row of the wizard's access step for a machine. */
function accessRow(page: Page, name: string): Locator {
  return page.getByTestId(`wizard-access-${name}`);
}

describe.runIf(run)('from the wizard to a deployable design (Chromium, serve mode)', () => {
  // Each test starts its own app, so one that fails leaves nothing behind for the next.
  let app: OpenApp | undefined;
  let page: Page;

  /** A fresh app: the wizard left open at its first step, or the template picked with its defaults and created. */
  async function start(wizard: 'open' | RegExp): Promise<void> {
    app = await openApp({ wizard: wizard === 'open' ? 'close' : wizard });
    page = app.page;
    if (wizard === 'open') {
      await page.getByRole('button', { name: 'Set up a family network…' }).click();
      await page.getByTestId('wizard').waitFor();
    }
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  test('the wizard shows the whole text of its selects and checks machine names as they are typed', async () => {
    await start('open');
    await page.getByRole('button', { name: /Start from my own sites/ }).click();
    const wizardSteps = ['sites', 'machines', 'admin', 'access'] as const;
    for (const step of wizardSteps) {
      if (step === 'machines') {
        const names = page.getByLabel('Machine name');
        await names.first().fill('grandma pi');
        // Shown while typing, before anything is created.
        await expect.poll(() => page.getByTestId('wizard').getByText('Will be saved as grandma-pi').count()).toBe(1);
        await page.getByRole('button', { name: 'Add a machine' }).click();
        await names.nth(1).fill('Grandma Pi');
        await expect.poll(() => page.getByTestId('wizard').getByText(/another machine.*saved as grandma-pi-2/i).count()).toBe(1);
        await page.getByRole('button', { name: 'Add a machine' }).click();
        await names.nth(2).fill('   ');
        await expect.poll(() => page.getByTestId('wizard').getByText(/needs a name/i).count()).toBe(1);
        expect(await page.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
        await page.getByRole('button', { name: 'Remove machine 3' }).click();
      }
      for (const size of sizes) {
        await page.setViewportSize(size);
        expect(await cutSelects(page)).toEqual([]);
        await page.screenshot({ path: screenshotPath(`wizard-${step}-${size.width}x${size.height}`) });
      }
      await page.setViewportSize(sizes[0]);
      await page.getByRole('button', { name: 'Next' }).click();
    }
    // The review lists what the new design will still need: here the two machines' SSH addresses.
    const checklist = page.getByTestId('wizard-checklist');
    await expect.poll(() => checklist.textContent()).toMatch(/grandma-pi.*grandma-pi-2/);
    await page.screenshot({ path: screenshotPath('wizard-review-1280x800') });
    await createDesign(page);
    await expect.poll(() => page.getByTestId('machine-grandma-pi').count()).toBe(1);
    expect(await page.getByTestId('machine-grandma-pi-2').count()).toBe(1);
    // After Create, what is left is a checklist in the problems panel's header.
    await expect.poll(() => page.getByTestId('problems-checklist').textContent()).toMatch(/2 machines need an SSH address/);
  });

  test('with every address given, the wizard ends with a design without errors', async () => {
    await start('open');
    await page.getByRole('button', { name: /Three households/ }).click();
    // A template knows the sites and machines, not how to reach them: the wizard asks.
    await accessRow(page, 'home-server').waitFor();
    const direct: Record<string, string> = { 'home-server': '192.168.1.10', desktop: '192.168.1.11', vps: '203.0.113.10' };
    for (const [name, address] of Object.entries(direct)) {
      await accessRow(page, name).getByLabel(`How the app reaches ${name}`).selectOption('address');
      await accessRow(page, name).getByLabel(`SSH address of ${name}`).fill(address);
    }
    // Behind their providers' NAT, the relatives' machines are reached through the VPS.
    const behindNat: Record<string, string> = { 'parents-pi': '10.0.0.2', 'parents-laptop': '10.0.0.3', 'sister-nas': '10.1.0.2' };
    await accessRow(page, 'parents-pi').getByLabel('How the app reaches parents-pi').selectOption('address');
    await accessRow(page, 'parents-pi').getByLabel('SSH address of parents-pi').fill(behindNat['parents-pi']!);
    // An address alone does not get in through carrier-grade NAT; the row says so before Create.
    await expect.poll(() => accessRow(page, 'parents-pi').getByTestId('wizard-reach').textContent()).toMatch(/no way in/i);
    for (const [name, address] of Object.entries(behindNat)) {
      await accessRow(page, name).getByLabel(`How the app reaches ${name}`).selectOption('jump');
      await accessRow(page, name).getByLabel(`Jump host for ${name}`).selectOption({ label: 'vps' });
      await accessRow(page, name).getByLabel(`SSH address of ${name}`).fill(address);
      await accessRow(page, name).getByLabel(`SSH user of ${name}`).fill('admin');
    }
    await expect.poll(() => accessRow(page, 'parents-pi').getByTestId('wizard-reach').textContent()).toMatch(/through the jump host "vps"/);
    for (const size of sizes) {
      await page.setViewportSize(size);
      expect(await cutSelects(page)).toEqual([]);
      await page.screenshot({ path: screenshotPath(`wizard-access-filled-${size.width}x${size.height}`) });
    }
    await page.setViewportSize(sizes[0]);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByTestId('wizard-checklist').textContent()).toMatch(/no errors/i);
    await createDesign(page);
    await expect.poll(() => page.locator('.react-flow__node-machine').count()).toBe(6);
    await expect.poll(() => page.getByTestId('problems-toggle').textContent()).toContain('0 errors');
    expect(await page.locator('.problems-panel .problem-error').count()).toBe(0);
    await page.getByTestId('machine-parents-pi').click();
    expect(await page.getByTestId('inspector-ssh-host').inputValue()).toBe('10.0.0.2');
    expect(await page.getByTestId('inspector-jump-host').inputValue()).not.toBe('');
  });

  test('a problem about a missing field has a button that selects the machine and focuses that field', async () => {
    await start(/Three households/);
    const problem = page.locator('.problems-panel .problem', { hasText: '"parents-pi" has no SSH address' });
    await expect.poll(() => problem.count()).toBe(1);
    await problem.getByRole('button', { name: 'Enter the SSH address' }).click();
    await expect.poll(() => page.getByTestId('inspector-name').inputValue()).toBe('parents-pi');
    await expect.poll(() => focusedTestId(page)).toBe('inspector-ssh-host');
    // Clicking the problem itself goes to the field too.
    const other = page.locator('.problems-panel .problem', { hasText: '"sister-nas" has no SSH address' });
    await other.locator('.problem-main').click();
    await expect.poll(() => page.getByTestId('inspector-name').inputValue()).toBe('sister-nas');
    await expect.poll(() => focusedTestId(page)).toBe('inspector-ssh-host');
    // A machine nobody can reach gets a button to its jump host field.
    const noWayIn = page.locator('.problems-panel .problem', { hasText: '"parents-laptop" is in "Parents\' house"' });
    await noWayIn.getByRole('button', { name: 'Choose a jump host' }).click();
    await expect.poll(() => page.getByTestId('inspector-name').inputValue()).toBe('parents-laptop');
    await expect.poll(() => focusedTestId(page)).toBe('inspector-jump-host');
  });

  test('the problems panel takes at most a quarter of the canvas, scrolls, and shows its counts when collapsed', async () => {
    await start(/Three households/);
    for (const size of sizes) {
      await page.setViewportSize(size);
      await page.waitForTimeout(200);
      const center = (await page.locator('.design-center').boundingBox())!;
      const panel = page.locator('.problems-panel');
      const box = (await panel.boundingBox())!;
      expect(box.height).toBeLessThanOrEqual(center.height * 0.26);
      const body = await page.locator('.problems-body').evaluate((el) => ({ scroll: el.scrollHeight, client: el.clientHeight, overflow: getComputedStyle(el).overflowY }));
      expect(body.scroll).toBeGreaterThan(body.client);
      expect(body.overflow).toBe('auto');
      await page.screenshot({ path: screenshotPath(`design-problems-${size.width}x${size.height}`) });
    }
    await page.setViewportSize(sizes[0]);
    await page.getByTestId('problems-toggle').click();
    await expect.poll(() => page.locator('.problems-body').count()).toBe(0);
    const collapsed = (await page.locator('.problems-panel').boundingBox())!;
    expect(collapsed.height).toBeLessThan(48);
    expect(await page.getByTestId('problems-toggle').textContent()).toMatch(/\d+ errors/);
    await page.getByTestId('problems-toggle').click();
    await page.locator('.problems-body').waitFor();
  });

  test('a name that Clan cannot use is shown as it will be saved, in the inspector and when renaming on the canvas', async () => {
    await start(/Three households/);
    await page.getByTestId('machine-desktop').click();
    await page.getByTestId('inspector-name').fill('Living Room PC');
    await expect.poll(() => page.locator('.inspector').getByText('Will be saved as living-room-pc').count()).toBe(1);
    await page.getByTestId('inspector-name').press('Enter');
    await expect.poll(() => page.getByTestId('machine-living-room-pc').count()).toBe(1);
    // Renaming in place (F2, or Rename in the command palette) says the same.
    await page.getByTestId('machine-living-room-pc').click();
    await page.keyboard.press('F2');
    await page.locator('.node-rename').fill('grandma pi');
    await expect.poll(() => page.getByText('Will be saved as grandma-pi').count()).toBe(1);
    await page.locator('.node-rename').press('Enter');
    await expect.poll(() => page.getByTestId('machine-grandma-pi').count()).toBe(1);
  });

  test('when generation is blocked, the Deploy area names the problems and opens each in the Design area', async () => {
    await start(/Three households/);
    await page.getByTestId('machine-vps').click();
    await page.getByTestId('inspector-ssh-host').fill('my vps');
    await page.getByTestId('inspector-ssh-host').press('Enter');
    await page.getByRole('tab', { name: 'Deploy' }).click();
    const blocked = page.getByTestId('generation-blocked');
    await blocked.waitFor();
    const problem = blocked.locator('.problem', { hasText: '"my vps"' });
    await expect.poll(() => problem.count()).toBe(1);
    for (const size of sizes) {
      await page.setViewportSize(size);
      await page.screenshot({ path: screenshotPath(`deploy-blocked-${size.width}x${size.height}`) });
    }
    await page.setViewportSize(sizes[0]);
    await problem.getByRole('button', { name: 'Show in the Design area' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'Design' }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByTestId('inspector-name').inputValue()).toBe('vps');
    await expect.poll(() => focusedTestId(page)).toBe('inspector-ssh-host');
  });
});
