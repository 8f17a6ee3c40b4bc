// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { checkChanges, describeChange } from '../../../shared/assistant/changes';
import { sequentialIds } from '../../../shared/model/ids';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import type { Design } from '../../../shared/model/types';
import type { Problem } from '../../../shared/validation/types';
import { appContext, setBackend } from '../app/appContext';
import { executeCommand } from '../commands/registry';
import { ProblemList } from '../panels/ProblemList';
import { useDesignStore } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useSelectionStore } from '../stores/selectionStore';
import { useUiStore } from '../stores/uiStore';
import { AssistantArea } from './AssistantArea';
import { initialAssistantState, useAssistantStore } from './assistantStore';
import { Composer } from './Composer';
import { initialEndpointState, useEndpointStore } from './endpointStore';
import { answerEvents, assistantBackend, play, proposal, TestRoot, unreachable } from './testAssistant';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// The Assistant area as a person uses it, on the app's own stores, against a back end double; the answer's job
// events are played through the jobs store as job:onDidProgress delivers them.

const fileName = 'family.clan-design.json';
const mount = new TestRoot();
/** Each test's answer has its own job id: the jobs store ignores a job that already ended. */
let jobCounter = 0;
let jobId: string;

const template = (): Design => buildDesignFromAnswers(templates[0]!.answers, sequentialIds());
const byTestId = (id: string) => mount.container.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const allByTestId = (id: string) => [...mount.container.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
const text = (el: Element | null | undefined) => el?.textContent ?? '';
const design = () => useDesignStore.getState().design;
const undoDepth = () => useDesignStore.temporal.getState().pastStates.length;
const settle = () => act(async () => await new Promise((r) => setTimeout(r, 0)));
const lastAnswer = () => allByTestId('assistant-message').filter((m) => m.getAttribute('data-role') === 'assistant').at(-1)!;

async function click(element: Element | null) {
  expect(element).not.toBeNull();
  await act(async () => (element as HTMLElement).click());
  await settle();
}

/** Types into the ask box the way a browser does (React watches the native value setter). */
async function type(value: string) {
  const box = byTestId('assistant-ask') as HTMLTextAreaElement;
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(box, value);
  await act(async () => box.dispatchEvent(new Event('input', { bubbles: true })));
}

/** Starts the double with `answers` and renders the Assistant area. */
async function open(answers: Parameters<typeof assistantBackend>[0] = {}) {
  const double = assistantBackend(answers, jobId);
  setBackend(double.backend, 'electron');
  await mount.render(<AssistantArea />);
  return double;
}

/** Asks a question and returns the events of its answer. */
async function ask(question: string) {
  await type(question);
  await click(byTestId('assistant-send'));
  return answerEvents(jobId);
}

beforeEach(() => {
  jobCounter += 1;
  jobId = `a5515700000000${jobCounter.toString(16).padStart(2, '0')}`;
  useDesignStore.getState().reset(template(), { name: fileName, revision: 'r1' });
  useSelectionStore.getState().select([]);
  useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
  useAssistantStore.setState({ ...initialAssistantState });
  useEndpointStore.setState({ ...initialEndpointState });
  useUiStore.getState().setAssistantBeside(false);
  useUiStore.getState().setActiveArea('assistant');
  mount.setUp();
});

afterEach(() => mount.tearDown());

describe('asking', () => {
  test('sends the question with the design, shows “Thinking…” until the first text, then the answer as it streams in', async () => {
    const { requestsTo } = await open();
    const events = await ask('Which VPN for my network?');
    expect(requestsTo('assistant:ask')).toEqual([{ name: fileName, design: design(), history: [], question: 'Which VPN for my network?' }]);
    expect(text(allByTestId('assistant-message')[0])).toContain('Which VPN for my network?');
    expect(byTestId('assistant-thinking')).not.toBeNull();
    expect(byTestId('assistant-stop')).not.toBeNull();

    await act(async () => play(events.started(), events.tool({ name: 'get_benchmark_figure', summary: 'Looked up WireGuard’s throughput at the baseline profile', ok: true })));
    expect(text(byTestId('assistant-tool-note'))).toBe('Looked up WireGuard’s throughput at the baseline profile');
    expect(byTestId('assistant-thinking')).not.toBeNull();

    await act(async () => play(events.delta('WireGuard reaches ')));
    expect(byTestId('assistant-thinking')).toBeNull();
    expect(text(lastAnswer().querySelector('.answer-markdown'))).toBe('WireGuard reaches');
    await act(async () => play(events.delta('**940 Mbit/s** here.')));
    expect(text(lastAnswer().querySelector('.answer-markdown'))).toBe('WireGuard reaches 940 Mbit/s here.');
    expect(text(lastAnswer().querySelector('strong'))).toBe('940 Mbit/s');

    await act(async () => play(events.done({ text: 'WireGuard reaches **940 Mbit/s** here.' })));
    expect(byTestId('assistant-stop')).toBeNull();
    expect(byTestId('assistant-send')).not.toBeNull();
    expect(text(lastAnswer().querySelector('.answer-markdown'))).toBe('WireGuard reaches 940 Mbit/s here.');
  });

  test('Stop cancels the answer’s job and keeps what arrived; Retry asks the same question again', async () => {
    const { requestsTo } = await open();
    const events = await ask('Why is grandma-pi unreachable?');
    await act(async () => play(events.started(), events.delta('It sits behind')));
    await click(byTestId('assistant-stop'));
    expect(requestsTo('job:cancel')).toEqual([{ jobId }]);
    await act(async () => play(events.done({ text: 'It sits behind' }, 'cancelled')));
    expect(text(lastAnswer())).toContain('It sits behind');
    expect(text(lastAnswer())).toContain('Stopped before the answer was complete.');

    await click(byTestId('assistant-retry'));
    expect(requestsTo('assistant:ask').map((r) => [r.question, r.history])).toEqual([
      ['Why is grandma-pi unreachable?', []],
      ['Why is grandma-pi unreachable?', []],
    ]);
    // The stopped answer made way for the new one.
    expect(allByTestId('assistant-message').map((m) => m.getAttribute('data-role'))).toEqual(['user', 'assistant']);
    expect(byTestId('assistant-thinking')).not.toBeNull();
  });

  test('an endpoint that fails shows the error’s sentence with a Retry', async () => {
    await open();
    const events = await ask('Is Nebula OK behind CGNAT?');
    await act(async () => play(events.started(), events.done({ text: '', error: { code: 'internalError', details: { reason: 'stream broke' } } }, 'failed')));
    expect(text(byTestId('assistant-error'))).toMatch(/^Something went wrong inside the app/);
    expect(byTestId('assistant-retry')).not.toBeNull();
  });

  test('“What will be sent” shows the exact messages, whether redaction is on, the token estimate and the endpoint', async () => {
    const { requestsTo } = await open();
    await type('Which VPN for my network?');
    await click(byTestId('assistant-preview'));
    expect(requestsTo('assistant:preview')).toEqual([{ name: fileName, design: design(), history: [], question: 'Which VPN for my network?' }]);
    const dialog = document.querySelector('[data-testid="assistant-preview-dialog"]')!;
    const messages = [...dialog.querySelectorAll('[data-testid="assistant-preview-message"]')];
    expect(messages.map((m) => [m.getAttribute('data-role'), text(m.querySelector('pre'))])).toEqual([
      ['system', 'You help with a Clan network.'],
      ['user', 'which VPN?'],
    ]);
    expect(text(dialog.querySelector('[data-testid="assistant-preview-redaction"]'))).toMatch(/^Off/);
    expect(text(dialog.querySelector('[data-testid="assistant-preview-tokens"]'))).toBe('about 321 tokens');
    expect(text(dialog.querySelector('[data-testid="assistant-preview-endpoint"]'))).toContain('http://127.0.0.1:11434/v1');
    // Looking changes nothing: nothing was asked.
    expect(requestsTo('assistant:ask')).toEqual([]);
  });
});

describe('answers are sanitised markdown', () => {
  test('raw HTML in an answer is shown as text, never run; javascript: links are not links; web links open outside the app', async () => {
    const { requestsTo } = await open();
    const events = await ask('Explain the log');
    const hostile = [
      'Look: <script>window.__pwned = 1</script>',
      '',
      '<img src="x" onerror="window.__pwned = 2">',
      '',
      '[click me](javascript:window.__pwned=3) and [the docs](https://nebula.defined.net/docs/) and ![a picture](https://evil.example/track.png)',
    ].join('\n');
    await act(async () => play(events.started(), events.delta(hostile), events.done({ text: hostile })));
    const answer = lastAnswer();
    expect(answer.querySelector('script, img, iframe, [onerror]')).toBeNull();
    expect((window as { __pwned?: number }).__pwned).toBeUndefined();
    expect(text(answer)).toContain('<script>window.__pwned = 1</script>');
    const links = [...answer.querySelectorAll('a')];
    expect(links.map((a) => [text(a), a.getAttribute('href')])).toEqual([['the docs', 'https://nebula.defined.net/docs/']]);
    expect(text(answer.querySelector('.answer-not-a-link'))).toBe('click me');
    expect(text(answer)).toContain('[a picture]');

    const address = window.location.href;
    await click(links[0]!);
    expect(requestsTo('app:openExternal')).toEqual([{ url: 'https://nebula.defined.net/docs/' }]);
    expect(window.location.href).toBe(address);
  });

  test('a code block has a Copy button that copies its text', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await open();
    const events = await ask('How do I check the flake?');
    const answer = 'Run this on the admin machine:\n\n```sh\nnix flake check\nclan machines update nas\n```\n';
    await act(async () => play(events.started(), events.delta(answer), events.done({ text: answer })));
    const block = byTestId('assistant-code-block')!;
    expect(text(block.querySelector('pre'))).toBe('nix flake check\nclan machines update nas\n');
    await click(block.querySelector('button'));
    expect(writeText).toHaveBeenCalledWith('nix flake check\nclan machines update nas');
    expect(text(block.querySelector('button'))).toBe('Copied');
  });
});

describe('proposals', () => {
  const addPi = () =>
    proposal('p-pi', [
      { tool: 'add_machine', name: 'grandma-pi', kind: 'sbc', site: 'Home' },
      { tool: 'change_machine', machine: 'grandma-pi', changes: { sshHost: '192.168.1.50' } },
    ]);

  /** Asks, and plays an answer with one proposal card; the design must not have changed by then. */
  async function answerWithProposal(card = addPi()) {
    await open();
    const events = await ask('Add a Pi for grandma');
    const shown = design();
    await act(async () => play(events.started(), events.delta('Here is how.'), events.proposal(card), events.done({ text: 'Here is how.', proposals: [card] })));
    expect(design()).toBe(shown);
    expect(undoDepth()).toBe(0);
    return byTestId('assistant-proposal')!;
  }

  test('a card says each change; Apply changes the design once, and one Undo restores it exactly', async () => {
    const card = await answerWithProposal();
    // Each change in the sentence the shared describer gives it (e.g. Add machine “grandma-pi” (single-board computer) to site “Home”).
    expect(allByTestId('assistant-proposal-change').map(text)).toEqual(addPi().changes.map(describeChange));
    expect(text(card)).toContain('grandma-pi');
    const shown = design();
    await click(byTestId('assistant-apply'));
    expect(Object.values(design().machines).filter((m) => m.name === 'grandma-pi')).toHaveLength(1);
    expect(undoDepth()).toBe(1);
    expect(card.getAttribute('data-state')).toBe('applied');
    expect(text(byTestId('assistant-proposal-state'))).toMatch(/^Applied — (Ctrl\+|⌘)Z undoes it\./);
    expect(byTestId('assistant-apply')).toBeNull();

    await click(byTestId('assistant-undo'));
    expect(design()).toBe(shown);
    expect(undoDepth()).toBe(0);
    // Undone: the card can be applied again.
    expect(card.getAttribute('data-state')).toBe('open');
  });

  test('Dismiss changes nothing', async () => {
    const card = await answerWithProposal();
    const shown = design();
    await click(byTestId('assistant-dismiss'));
    expect(design()).toBe(shown);
    expect(undoDepth()).toBe(0);
    expect(card.getAttribute('data-state')).toBe('dismissed');
    expect(text(byTestId('assistant-proposal-state'))).toBe('Dismissed — nothing was changed.');
  });

  test('a proposal whose machine was deleted since cannot be applied, and says why', async () => {
    await answerWithProposal(proposal('p-nas', [{ tool: 'change_machine', machine: 'nas', changes: { sshHost: '192.168.1.20' } }]));
    expect((byTestId('assistant-apply') as HTMLButtonElement).disabled).toBe(false);
    useSelectionStore.getState().select([Object.values(design().machines).find((m) => m.name === 'nas')!.id]);
    await act(async () => void (await executeCommand(appContext, 'deleteSelection')));
    const apply = byTestId('assistant-apply') as HTMLButtonElement;
    expect(apply.disabled).toBe(true);
    const why = checkChanges(design(), [{ tool: 'change_machine', machine: 'nas', changes: { sshHost: '192.168.1.20' } }])[0]!;
    expect(why.ok).toBe(false);
    expect(text(byTestId('assistant-proposal-stale'))).toBe(`This proposal no longer fits the design: ${(why as { error: string }).error}`);
    expect(text(byTestId('assistant-proposal-stale'))).toContain('nas');
    const shown = design();
    await click(apply);
    expect(design()).toBe(shown);
  });
});

describe('without an endpoint', () => {
  test('explains how to set one up, with the error’s sentence, and the way to the settings', async () => {
    await open(unreachable());
    const help = byTestId('assistant-setup-help')!;
    expect(help).not.toBeNull();
    expect(text(help)).toContain('Something went wrong inside the app');
    expect(text(help)).toContain('ollama pull llama3.1');
    expect(text(help)).toContain('OpenRouter');
    await click(byTestId('assistant-open-settings'));
    expect(useUiStore.getState().dialog).toBe('assistantSettings');
    useUiStore.getState().setDialog(null);
  });

  test('a reachable endpoint shows no setup help', async () => {
    await open();
    expect(byTestId('assistant-setup-help')).toBeNull();
    expect(text(byTestId('assistant-endpoint'))).toContain('llama3.1');
  });
});

describe('Explain with the assistant', () => {
  const problem: Problem = { code: 'sshMissing', severity: 'error', message: 'nas has no SSH address. The app cannot deploy to it. Give it one in the inspector.', itemIds: [] };

  test('a problem attached from the Problems panel shows in the ask box with a question filled in; nothing is sent', async () => {
    const { backend, requestsTo } = assistantBackend({}, jobId);
    setBackend(backend, 'electron');
    useUiStore.getState().setActiveArea('design');
    await mount.render(
      <>
        <ProblemList problems={[problem]} />
        <Composer />
      </>,
    );
    await click(byTestId('explain-with-assistant'));
    expect(useUiStore.getState().assistantBeside).toBe(true);
    const attached = byTestId('assistant-attachment')!;
    expect(text(attached.querySelector('summary'))).toBe('Problem: Error: nas has no SSH address');
    expect(text(attached.querySelector('.attachment-text'))).toBe(problem.message);
    expect((byTestId('assistant-ask') as HTMLTextAreaElement).value).toBe('Why does this problem matter for my network, and what should I do about it?');
    expect(document.activeElement).toBe(byTestId('assistant-ask'));
    expect(requestsTo('assistant:ask')).toEqual([]);
  });
});
