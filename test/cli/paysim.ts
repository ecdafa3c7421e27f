// Runs the real CLI in a child process, as a user would, and captures what it printed.

import { spawnSync } from 'node:child_process';

export interface Ran {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

export function paysim(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Ran {
  const r = spawnSync(process.execPath, [`${process.cwd()}/bin/paysim.js`, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
    cwd,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs a shell command under a pseudo-terminal (util-linux `script`) and returns what the terminal showed. */
export function onTerminal(command: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      CI: undefined,
      NO_COLOR: undefined,
      FORCE_COLOR: undefined,
      TERM: 'xterm',
      ...env,
    },
  });
  if (r.error) throw r.error;
  return r.stdout;
}
