import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onTerminal, paysim } from './paysim.ts';

const red = '\u001b[31m';
const failing = 'node bin/paysim.js replay --design seed --workload o1:100@0 --picks "user.submit#0=1"';

describe('paysim output', () => {
  it('prints its version', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    const r = paysim(['--version']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${version}\n`);
  });

  it('with --json, reports bad input as a JSON document on stdout, exit 2', () => {
    for (const args of [
      ['check', '--runs', 'many', '--json'],
      ['check', '--json', '--design', 'nosuch'],
      ['replay', '--json', '--workload', 'o1:100@0'],
      ['check', '--json', '--rnus', '3'],
    ]) {
      const r = paysim(args);
      expect(r.code).toBe(2);
      expect(r.err).toBe('');
      const doc = JSON.parse(r.out);
      expect(doc.error.kind).toBe('usage');
      expect(doc.error.message).toMatch(/--runs|nosuch|--design|--rnus/);
    }
  });

  it('paints failing lines red on a colour terminal, and nothing else', () => {
    const shown = onTerminal(failing);
    const lines = shown.split(/\r?\n/);
    const redLines = lines.filter((l) => l.includes(red));
    expect(redLines).toEqual([expect.stringContaining('✗ no-duplicate-orders')]);
    expect(shown).toMatch(/ {2}users → app {2}order\.submit/);
  });

  it('honours NO_COLOR on a terminal, and never colours a pipe', () => {
    expect(onTerminal(failing, { NO_COLOR: '1' })).not.toContain('\u001b[');
    expect(
      paysim(['replay', '--design', 'seed', '--workload', 'o1:100@0', '--picks', 'user.submit#0=1']).out,
    ).not.toContain('\u001b[');
  });

  it('draws the progress bar for a person at a terminal, but not when stdout is piped', () => {
    const check = 'node bin/paysim.js check --design hardened --runs 300 --seed 1';
    expect(onTerminal(check)).toMatch(/exploring/);
    const out = join(mkdtempSync(join(tmpdir(), 'paysim-pipe-')), 'out.txt');
    const terminal = onTerminal(`${check} > ${out}`);
    expect(terminal).not.toMatch(/exploring/);
    expect(readFileSync(out, 'utf8')).toMatch(/Verdict: no counterexample to hardened found in 300 runs/);
  });
});
