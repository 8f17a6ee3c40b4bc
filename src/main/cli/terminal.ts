import { createInterface } from 'node:readline';
import type { JobPrompt } from '../../shared/ipc/jobs';
import { listText } from '../../shared/text';
import type { JobEngine } from '../jobs/jobEngine';
import { ExitCode, type CliFailure } from './io';

// What the job commands share at the terminal: asking first (deploy switches machines, install erases a disk), the
// answers to a job's own questions, Ctrl+C, and the time on their plain lines. A confirmation is asked on standard
// error, so standard output stays the command's own (its --json report, say), and the answer is the line typed on
// standard input. The commands differ only in what they ask and which answer lets them go ahead; without a terminal
// to ask on they refuse, saying how to confirm instead. A job's questions (a new host key, a key's passphrase) are
// never asked on the terminal: the options answer them (answerJobPrompt).

/** Ctrl+C, as the command sees it; the process's SIGINT unless a test sends its own. */
export interface InterruptSource {
  /** Calls `listener` on each interrupt until the returned function is called. */
  onInterrupt(listener: () => void): () => void;
}

/** Ctrl+C as a signal; the listener also stops Node's default of ending the process at once. */
export const processInterrupts: InterruptSource = {
  onInterrupt: (listener) => {
    process.on('SIGINT', listener);
    return () => process.off('SIGINT', listener);
  },
};

/** A moment as the plain progress lines print it: UTC to the second (2026-12-07T10:05:00Z). */
export const stamp = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** Asks for one line: the line as typed (nothing trimmed or folded), '' at the end of the input (Ctrl+D), null for Ctrl+C. */
export type AskLine = (question: string) => Promise<string | null>;

/** The question on standard error, the line typed on standard input. */
export const askLineOnTerminal: AskLine = (question) =>
  new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    let answered = false;
    const finish = (answer: string | null) => {
      if (answered) return;
      answered = true;
      rl.close();
      resolve(answer);
    };
    rl.on('SIGINT', () => finish(null));
    rl.on('close', () => finish(''));
    rl.question(question, (answer) => finish(answer));
  });

/** Whether a line says yes: y or yes in any case, spaces around allowed. Anything else, Enter alone included, is no. */
export const isYes = (line: string): boolean => /^(y|yes)$/i.test(line.trim());

/** What to ask before going ahead, and what is said when the answer stops the command. */
export interface Confirmation {
  question: string;
  /** Whether the line typed lets the command go ahead. */
  accepts: (line: string) => boolean;
  /** Said for any other answer. */
  declined: string;
  /** Said after Ctrl+C at the question. */
  cancelled: string;
}

/**
 * Asks, and says what the answer means. Resolves with null to go ahead, or with the exit code to stop with: 130 after
 * Ctrl+C, ExitCode.problems for an answer that does not let the command go ahead.
 */
export async function confirmOnTerminal(confirmation: Confirmation, tell: (text: string) => void, askLine: AskLine = askLineOnTerminal): Promise<number | null> {
  const line = await askLine(confirmation.question);
  if (line === null) {
    tell(`\n${confirmation.cancelled}\n`);
    return 130;
  }
  if (confirmation.accepts(line)) return null;
  tell(`${confirmation.declined}\n`);
  return ExitCode.problems;
}

/** The refusal of a command that must ask first with no terminal to ask on: why it asks, and how to confirm without one. */
export function confirmationNeeded(why: string, instead: string): CliFailure {
  return { code: 'confirmationNeeded', message: `${why}, but there is no terminal to ask on. ${instead}` };
}

/**
 * Answers a job's question the way every job command does, without asking: a host key seen for the first time is
 * trusted only with --accept-new (`acceptNew`), and then said with `note`; otherwise it is refused. A key with a
 * passphrase is skipped: such keys are used through ssh-agent only. Answered after the question's event has gone out,
 * since the job registers a question before sending it.
 */
export function answerJobPrompt(jobs: Pick<JobEngine, 'answer'>, prompt: JobPrompt, options: { acceptNew: boolean; note: (text: string) => void }): void {
  if (prompt.type === 'hostKey') {
    queueMicrotask(() => {
      const where = `${prompt.host}${prompt.port === 22 ? '' : `:${prompt.port}`}`;
      if (options.acceptNew) options.note(`Trusting the new ${prompt.keyType} host key of ${prompt.machines.length === 0 ? prompt.host : listText(prompt.machines)} (${where}, ${prompt.fingerprint}) and recording it in ${prompt.knownHostsFile}.`);
      jobs.answer({ promptId: prompt.promptId, trust: options.acceptNew });
    });
  } else if (prompt.type === 'passphrase') {
    queueMicrotask(() => jobs.answer({ promptId: prompt.promptId, passphrase: null }));
  }
}
