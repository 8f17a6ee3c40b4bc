// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { sequentialIds } from '../../../shared/model/ids';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import { appContext, setBackend } from '../app/appContext';
import { App } from '../app/App';
import { AssistantArea, AssistantBeside, DeployArea } from '../app/lazyParts';
import { executeCommand } from '../commands/registry';
import { useDesignStore } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useUiStore } from '../stores/uiStore';
import { initialAssistantState, useAssistantStore } from './assistantStore';
import { initialEndpointState, useEndpointStore } from './endpointStore';
import { assistantBackend, TestRoot } from './testAssistant';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// The chat beside the other areas, in the whole window: opened with its command (Ctrl+Shift+A), it shares the
// conversation and the question being written with the Assistant area.

const mount = new TestRoot();
const byTestId = (id: string) => mount.container.querySelector<HTMLElement>(`[data-testid="${id}"]`);
/** Lazy parts load in a later task; a few turns of the event loop let them render. */
const loaded = () => act(async () => { for (let i = 0; i < 20; i += 1) await new Promise((r) => setTimeout(r, 5)); });

// Downloaded ahead (in the app: on first use), so the test waits for rendering only.
beforeAll(() => Promise.all([AssistantArea.preload(), AssistantBeside.preload(), DeployArea.preload()]), 30_000);

beforeEach(() => {
  useDesignStore.getState().reset(buildDesignFromAnswers(templates[0]!.answers, sequentialIds()), { name: 'family.clan-design.json', revision: 'r1' });
  useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
  useAssistantStore.setState({ ...initialAssistantState });
  useEndpointStore.setState({ ...initialEndpointState });
  useUiStore.getState().setAssistantBeside(false);
  useUiStore.getState().setActiveArea('deploy');
  mount.setUp();
  setBackend(assistantBackend().backend, 'electron');
});

afterEach(() => mount.tearDown());

describe('the assistant beside another area', () => {
  test('opens beside the Deploy area with its command, keeps the question when the Assistant area is opened, and closes', async () => {
    await mount.render(<App />);
    await loaded();
    expect(byTestId('assistant-beside')).toBeNull();
    await act(async () => void (await executeCommand(appContext, 'openAssistantBeside')));
    await loaded();
    const beside = byTestId('assistant-beside')!;
    expect(beside).not.toBeNull();
    expect(beside.closest('[role="tabpanel"]')).toBeNull();
    expect(mount.container.querySelector('[role="tabpanel"]')!.id).toBe('panel-deploy');
    await act(async () => useAssistantStore.getState().setDraftText('Why did the deploy fail?'));
    expect((beside.querySelector('[data-testid="assistant-ask"]') as HTMLTextAreaElement).value).toBe('Why did the deploy fail?');

    await act(async () => void (await executeCommand(appContext, 'showAssistantArea')));
    await loaded();
    expect(byTestId('assistant-beside')).toBeNull();
    expect((byTestId('assistant-area')!.querySelector('[data-testid="assistant-ask"]') as HTMLTextAreaElement).value).toBe('Why did the deploy fail?');

    await act(async () => void (await executeCommand(appContext, 'showDeployArea')));
    await loaded();
    expect(byTestId('assistant-beside')).not.toBeNull();
    await act(async () => byTestId('assistant-beside-close')!.click());
    await loaded();
    expect(byTestId('assistant-beside')).toBeNull();
    expect(useUiStore.getState().assistantBeside).toBe(false);
  });
});
