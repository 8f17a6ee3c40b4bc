import { runCli } from './run';

// The clan-designer command-line entry; the logic lives in run.ts so tests can call it without a process.
void runCli(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) => {
  // -1: a long-running command (serve) keeps the process alive until it is stopped.
  if (code >= 0) process.exitCode = code;
});
