import { describe, expect, it } from 'vitest';
import { replay } from '../../src/check/explore.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import { parsePicks } from '../../src/kernel/index.ts';

const seed = presets.seed as Design;
const workload = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };
// The user pays just after the first timeout query; its NOTPAY answer is slow by 4 s or by 6 s.
const slowAnswer = (option: number) =>
  replay(
    seed,
    { workload, picks: parsePicks(`user.pay#0=10 gateway.slow#1=${option}`) },
    { faults: new Set(allFaults) },
  );

describe('requests as an HTTP client sees them', () => {
  it('a reply within the request timeout is taken, stale or not', async () => {
    const result = await slowAnswer(2);
    expect(result.violations.map((v) => v.invariant)).toContain('monotone-state');
  });

  it('a reply after the request timed out is dropped by the caller, though the gateway answered', async () => {
    const result = await slowAnswer(3);
    const notes = result.trace.flatMap((e) => (e.kind === 'note' ? [e.text] : []));
    expect(notes).toContain('drops gateway.query.result: it came after the request timed out');
    expect(result.violations).toEqual([]);
  });
});
