// Ctrl-C during a long search: give the terminal back, say how far the search got, exit 130
// (128 + SIGINT, as a shell reports a process that an interrupt ended).

import fc from 'fast-check';
import type { Progress } from './progress.ts';

/** The exit code of a run cut short by Ctrl-C. */
export const interruptedExitCode = 130;

let yielding = false;

/**
 * Exploration is a chain of promises that never returns to the event loop, so a SIGINT handler
 * would wait for the whole search. Yield to it before every property run (a few microseconds each);
 * this changes no generated value, so seeds and replays stay exact.
 */
function yieldBetweenRuns(): void {
  if (yielding) return;
  yielding = true;
  fc.configureGlobal({
    ...fc.readConfigureGlobal(),
    asyncBeforeEach: () => new Promise<void>((resolve) => setImmediate(resolve)),
  });
}

/**
 * Until the returned function is called, Ctrl-C stops `bar` (restoring the cursor and line wrap
 * it changed), prints `summary()` on stdout and exits 130.
 */
export function onInterrupt(summary: () => string, bar?: Progress): () => void {
  yieldBetweenRuns();
  const handler = () => {
    bar?.stop();
    process.stdout.write(summary());
    process.exit(interruptedExitCode);
  };
  process.once('SIGINT', handler);
  return () => process.removeListener('SIGINT', handler);
}
