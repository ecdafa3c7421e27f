import { describe, expect, it } from 'vitest';
import { onTerminal, paysim } from './paysim.ts';

// What a small search did not find is reported with its budget, never as "held".
describe('paysim matrix verdicts', () => {
  it('--json rows give the invariant broken or null, with a verdict that says not-found', () => {
    const r = paysim(['matrix', '--runs', '150', '--seeds', '1', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out).rows as Array<Record<string, unknown>>;
    expect(rows.length).toBeGreaterThan(5);
    const notFound = rows.filter((row) => row.verdict === 'not-found');
    expect(notFound.length).toBeGreaterThan(0);
    for (const row of notFound)
      expect(row).toMatchObject({ invariant: null, runsSearched: 150, replay: null });
    for (const row of rows.filter((row) => row.verdict === 'broken'))
      expect(row.invariant).toMatch(/^[a-z-]+$/);
    expect(r.out).not.toMatch(/"held"|covered/);
  });

  it('the table says "not found in N runs", never "held" or "covered"', () => {
    const r = paysim(['matrix', '--runs', '150', '--seeds', '1']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/timeoutQuery\s+not found in 150 runs/);
    expect(r.out).not.toMatch(/\bheld\b|covered/);
  });

  it('heads its first column "weakening": rows switch a mitigation off or make a guarded write plain', () => {
    const r = paysim(['matrix', '--runs', '60', '--seeds', '1']);
    expect(r.out).toMatch(/^ {2}weakening {2,}invariant broken/m);
    expect(r.out).toMatch(/^ {2}businessApp\.writes=plain /m);
  });

  it('names, without searching, a mitigation against a fault the provider never has, and the ones the base has off', () => {
    const args = [
      'matrix',
      '--design',
      'hardened,-timeoutQuery',
      '--provider',
      'alipay',
      '--runs',
      '40',
      '--seeds',
      '2',
    ];
    const rows = JSON.parse(paysim([...args, '--json']).out).rows as Array<Record<string, unknown>>;
    expect(rows.find((r) => r.weakening === 'watchProcessing')).toMatchObject({
      verdict: 'not-applicable',
      notApplicable: 'pay.processing never strikes it: Stripe only',
      runsSearched: 0,
    });
    expect(rows.find((r) => r.weakening === 'renewClosedRefunds')).toMatchObject({
      verdict: 'not-applicable',
    });
    expect(rows.some((r) => r.weakening === 'timeoutQuery')).toBe(false);
    for (const row of rows.filter((r) => r.verdict === 'broken')) expect([1, 2]).toContain(row.seed);
    const text = paysim(args).out;
    expect(text).toMatch(/^ {2}watchProcessing +n\/a: pay\.processing never strikes it: Stripe only$/m);
    expect(text).toContain(
      'Not in the table, as hardened,-timeoutQuery,provider=alipay has them off already: timeoutQuery.',
    );
    for (const row of rows.filter((r) => r.seed === 2))
      expect(text).toMatch(
        new RegExp(`^ {2}${row.weakening} +${row.invariant} +${row.runsUntilFound} \\(seed 2\\) `, 'm'),
      );
  });

  it('draws a progress bar per row on a terminal, never into a pipe', () => {
    const matrix = 'node bin/paysim.js matrix --runs 60 --seeds 1';
    const shown = onTerminal(matrix);
    expect(shown).toMatch(/checking the base design .*\/60 runs/);
    expect(shown).toMatch(/searching payingLock .*\/60 runs/);
    expect(shown).toMatch(/ {2}giveUpWithOrder {2,}/);
    expect(paysim(['matrix', '--runs', '60', '--seeds', '1']).err).toBe('');
    expect(onTerminal(`${matrix} | cat`)).not.toMatch(/searching/);
  });
});
