import { describe, expect, it } from 'vitest';
import { paysim } from './paysim.ts';

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
});
