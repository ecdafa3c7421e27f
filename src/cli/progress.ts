// A progress bar for a person watching a long search: drawn on stderr, only when both stdout and
// stderr are terminals, never into a pipe, a file, CI, or JSON.

import { SingleBar } from 'cli-progress';

export interface Progress {
  /** Starts (or restarts, after `stop`) a bar of `total` steps. `label` fills the format's {label}. */
  start(total: number, label?: string): void;
  update(done: number): void;
  /** Clears the bar and gives back the terminal as it was: cursor shown, line wrap on. */
  stop(): void;
}

export function progressWanted(json: boolean | undefined): boolean {
  return !json && process.stderr.isTTY === true && process.stdout.isTTY === true && !process.env.CI;
}

/** `format` is cli-progress's, e.g. '  exploring {bar} {value}/{total} worlds'; undefined when unwanted. */
export function progressBar(wanted: boolean, format: string): Progress | undefined {
  if (!wanted) return undefined;
  const bar = new SingleBar({
    format,
    hideCursor: true,
    clearOnComplete: true,
    stream: process.stderr,
    // Our own SIGINT handler stops the bar and prints a summary (interrupt.ts).
    gracefulExit: false,
  });
  let total = 0;
  let running = false;
  return {
    start(n, label = '') {
      total = n;
      running = true;
      bar.start(n, 0, { label });
    },
    update(done) {
      bar.update(Math.min(done, total));
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
