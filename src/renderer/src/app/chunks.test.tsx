// @vitest-environment happy-dom
import { act, Suspense } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { LoadingPart } from '../components/LoadingPart';
import { ChunkFailureBanner } from './ChunkFailureBanner';
import { ChunkLoadError, describeChunkFailure, lazyPart, loadChunk, reportChunkFailure, useChunkFailureStore } from './chunks';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** What Chromium rejects import() with when the file is gone (a server restarted with a newer build). */
const missingFile = () => new TypeError('Failed to fetch dynamically imported module: http://127.0.0.1:7420/assets/Charts-D1x2y3z4.js');

function Charts() {
  return <p>bars and lines</p>;
}

describe('parts of the app downloaded on first use', () => {
  let container: HTMLDivElement;
  let root: Root;

  beforeEach(() => {
    container = document.createElement('div');
    document.body.append(container);
    root = createRoot(container);
    useChunkFailureStore.setState({ part: null });
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    act(() => root.unmount());
    container.remove();
    vi.restoreAllMocks();
  });

  const show = async (element: React.ReactNode) => {
    await act(async () => root.render(element));
  };

  const inArea = (Part: React.ComponentType) => (
    <ErrorBoundary area="Charts">
      <Suspense fallback={<LoadingPart label="Loading the charts…" />}>
        <Part />
      </Suspense>
    </ErrorBoundary>
  );

  test('shows what is loading while the file downloads, then the part itself', async () => {
    let arrive: (component: typeof Charts) => void = () => undefined;
    const Part = lazyPart('the charts', () => new Promise<typeof Charts>((resolve) => (arrive = resolve)));
    await show(inArea(Part));
    expect(container.querySelector('[role="status"]')?.textContent).toBe('Loading the charts…');
    await act(async () => arrive(Charts));
    expect(container.textContent).toBe('bars and lines');
  });

  test('says which part could not be downloaded, why, and offers a reload instead of "try again"', async () => {
    const reload = vi.fn();
    vi.stubGlobal('location', { ...window.location, reload });
    const Part = lazyPart('the charts', () => Promise.reject(missingFile()));
    await show(inArea(Part));
    const alert = container.querySelector('[role="alert"]')!;
    expect(alert.querySelector('h2')?.textContent).toBe('The charts could not be loaded');
    expect(alert.textContent).toContain('the server was probably restarted with a newer version of the app');
    expect(alert.textContent).not.toContain('stopped working');
    const buttons = [...alert.querySelectorAll('button')].map((b) => b.textContent);
    expect(buttons).toEqual(['Reload']);
    await act(async () => alert.querySelector('button')!.click());
    expect(reload).toHaveBeenCalledOnce();
    vi.unstubAllGlobals();
  });

  test('a bug in a downloaded part is reported as a crash, not as a failed download', async () => {
    const Broken = lazyPart('the charts', () => Promise.reject(new Error('cannot read properties of undefined')));
    await show(inArea(Broken));
    expect(container.querySelector('h2')?.textContent).toBe('The Charts area stopped working');
    expect([...container.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Try again', 'Copy details']);
  });

  test('preloading a part that fails leaves it to the render to try again and report', async () => {
    const load = vi.fn<() => Promise<typeof Charts>>().mockRejectedValueOnce(missingFile()).mockResolvedValueOnce(Charts);
    const Part = lazyPart('the charts', load);
    await Part.preload();
    await show(inArea(Part));
    expect(load).toHaveBeenCalledTimes(2);
    expect(container.textContent).toBe('bars and lines');
  });

  test('a command whose part could not be downloaded shows a banner with a reload; other errors are left to the command', async () => {
    await show(<ChunkFailureBanner />);
    expect(container.textContent).toBe('');
    const failed = await loadChunk('the layout engine', () => Promise.reject(missingFile())).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ChunkLoadError);
    expect(reportChunkFailure(new Error('ELK stopped'))).toBe(false);
    expect(container.textContent).toBe('');
    await act(async () => expect(reportChunkFailure(failed)).toBe(true));
    const banner = container.querySelector('[data-testid="chunk-failure"]')!;
    expect(banner.textContent).toContain('The layout engine could not be loaded.');
    expect([...banner.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Reload', 'Dismiss']);
    await act(async () => banner.querySelectorAll('button')[1]!.click());
    expect(container.textContent).toBe('');
  });

  test('a failed import of a module that throws while running stays that error, not a failed download', async () => {
    const bug = new SyntaxError('Unexpected token');
    await expect(loadChunk('the charts', () => Promise.reject(bug))).rejects.toBe(bug);
  });

  test('in the desktop app a missing file means a damaged installation, not a restarted server', () => {
    const desktop = describeChunkFailure('the Deploy area', true);
    expect(desktop.title).toBe('The Deploy area could not be loaded');
    expect(desktop.body).toContain('reinstall the app');
    expect(desktop.body).not.toContain('server');
    expect(describeChunkFailure('the Deploy area', false).body).toContain('Reload the page');
  });
});
