// Ctrl-C during a long search: the terminal is given back, a partial summary is printed, exit 130.

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { onTerminal } from './paysim.ts';

interface Interrupted {
  readonly code: number | null;
  readonly out: string;
  /** What stdout held when SIGINT was sent. */
  readonly before: string;
}

/**
 * Runs the CLI, sends SIGINT once stdout matches `ready` (plus `settleMs`), or `ready` ms after the
 * start when it prints nothing first (--json), and waits for the exit.
 */
function interruptWhen(
  args: readonly string[],
  ready: RegExp | number,
  settleMs = 300,
): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/paysim.js', ...args], {
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    });
    let out = '';
    let before: string | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (before === undefined && typeof ready !== 'number' && ready.test(out)) {
        before = out;
        setTimeout(() => child.kill('SIGINT'), settleMs);
      }
    });
    if (typeof ready === 'number') setTimeout(() => child.kill('SIGINT'), ready);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, before: before ?? '' }));
  });
}

describe('Ctrl-C', () => {
  // On one thread: a search this long would start worker threads, which take a second to run
  // anything (test/cli/shard.test.ts interrupts those).
  it('during check: a partial summary with the runs done, and exit 130', async () => {
    const r = await interruptWhen(
      ['check', '--runs', '100000', '--seed', '3', '--workers', '1'],
      /faults: all/,
    );
    expect(r.code).toBe(130);
    expect(r.out).toMatch(/Interrupted after [1-9]\d* of 100000 runs: no counterexample found so far\./);
    expect(r.out).toContain('Repeat it: npx paysim check --design hardened --runs 100000 --seed 3');
  });

  // The first row appears while the search goes on: rows are printed as they are found.
  it('during matrix: rows already found stay, the summary counts them, and exit 130', async () => {
    const r = await interruptWhen(['matrix', '--runs', '400'], /\n {2}payingLock +\S.*\n/, 0);
    expect(r.code).toBe(130);
    expect(r.out).toMatch(/Interrupted while searching \w+.*, after \d+ runs: [1-9]\d* of 21 rows done/);
    expect(r.out).toMatch(
      /[1-9]\d* rows? broken so far\.\nReplay a row:\n {2}npx paysim replay --design hardened,-payingLock /,
    );
    // The full matrix's closing note never came: the search was cut short.
    expect(r.out).not.toContain('this search met no counterexample');
  });

  it('with --json: one JSON document saying how far the search got', async () => {
    const r = await interruptWhen(['check', '--runs', '100000', '--seed', '3', '--json'], 2500);
    expect(r.code).toBe(130);
    expect(JSON.parse(r.out)).toMatchObject({ interrupted: true, runs: 100000, counterexample: null });
  });

  it('on a terminal: the cursor is shown and line wrap is back on after the bar', () => {
    const shown = onTerminal(
      'node bin/paysim.js check --runs 100000 --seed 3 & p=$!; sleep 3; kill -INT $p; wait $p; echo "exit $?"',
    );
    expect(shown).toMatch(/Interrupted after \d+ of 100000 runs/);
    expect(shown).toContain('exit 130');
    const hidden = shown.lastIndexOf('\u001b[?25l');
    expect(hidden).toBeGreaterThan(-1);
    expect(shown.indexOf('\u001b[?25h', hidden)).toBeGreaterThan(hidden);
    const unwrapped = shown.lastIndexOf('\u001b[?7l');
    if (unwrapped >= 0) expect(shown.indexOf('\u001b[?7h', unwrapped)).toBeGreaterThan(unwrapped);
  });
});
