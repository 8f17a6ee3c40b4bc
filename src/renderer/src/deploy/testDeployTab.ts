import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { Design } from '../../../shared/model/types';
import { ok } from '../../../shared/result';
import { appContext, setBackend } from '../app/appContext';
import { useUiStore } from '../stores/uiStore';
import { DeployArea } from './DeployArea';
import { useDeployStore, type DeployTab } from './deployStore';

// The Deploy area mounted on one of its tabs against a back end double that records every request, as the tests of
// the Verify and Measure tabs use it.

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** The design file the tab tests open. */
export const testFileName = 'family.clan-design.json';

/** The text of an element ('' for none). */
export const text = (el: Element | null | undefined) => el?.textContent ?? '';
/** Lets the back end double's answers arrive. */
export const settle = () => act(async () => await new Promise((r) => setTimeout(r, 0)));
/** Clicks an element and lets what it starts settle. */
export const click = (el: HTMLElement | null) => act(async () => el!.click());

/**
 * The Deploy area on one tab, for a test's beforeEach (setUp) and afterEach (tearDown). `answer` gives the value of
 * a request the tab makes (undefined: an empty answer); `reset` opens the design and puts the stores the tab reads
 * back to their start (the test does it: only tests write to stores from outside).
 */
export class DeployTabHarness {
  container!: HTMLDivElement;
  root!: Root;
  /** Every request the tab made, in order. */
  invoked: { channel: string; request: unknown }[] = [];
  private before: ApiTransport | null = null;

  constructor(private readonly options: { tab: DeployTab; answer: (channel: string, request: unknown) => unknown; reset: (design: Design) => void }) {}

  setUp(design: Design): void {
    this.invoked = [];
    this.before = appContext.backend;
    setBackend(
      {
        subscribe: () => () => undefined,
        invoke: (async (channel: string, request: unknown) => {
          this.invoked.push({ channel, request });
          const value = this.options.answer(channel, request);
          if (value !== undefined) return ok(value);
          return ok(channel === 'generate:readLast' ? { folder: null, files: null } : {});
        }) as ApiTransport['invoke'],
      },
      'serve',
    );
    this.options.reset(design);
    useDeployStore.getState().showTab(this.options.tab);
    useUiStore.getState().setActiveArea('deploy');
    this.container = document.createElement('div');
    document.body.append(this.container);
    this.root = createRoot(this.container);
  }

  tearDown(): void {
    act(() => this.root.unmount());
    this.container.remove();
    appContext.backend = this.before;
  }

  /** Renders the Deploy area. */
  render(): void {
    act(() => this.root.render(createElement(DeployArea)));
  }

  /** Unmounts the Deploy area, so the next render starts afresh. */
  unmount(): void {
    act(() => this.root.unmount());
    this.root = createRoot(this.container);
  }

  /** The element with a test id, in the tab or within an element of it. */
  byTestId(id: string, within: ParentNode = this.container): HTMLElement | null {
    return within.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  }

  /** The requests made on one channel. */
  requests(channel: string): unknown[] {
    return this.invoked.filter((c) => c.channel === channel).map((c) => c.request);
  }
}
