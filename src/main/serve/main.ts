import { runServe } from './runServe';

// `npm run serve`: the entry point of serve mode.
void runServe(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) => {
  if (code >= 0) process.exit(code);
});
