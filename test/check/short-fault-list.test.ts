// A search given two or three faults must still try them together: a swarm of a third of the
// labels held one label at most there, so no run ever met two different faults.

import { describe, expect, it } from 'vitest';
import { swarmSize } from '../../src/check/arbitraries.ts';
import { explore } from '../../src/check/explore.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { weakenings } from '../../src/designs/variants.ts';

const hardened = presets.hardened as Design;

describe('a short fault list', () => {
  it('leaves room for a pair in every swarm, and a third of a long list', () => {
    expect([1, 2, 3, 4, 6, 7, 36].map(swarmSize)).toEqual([1, 2, 2, 2, 2, 3, 12]);
  });

  it('puts both of two faults in one run, in many runs', async () => {
    let both = 0;
    await explore({
      design: hardened,
      runs: 300,
      seed: 1,
      maxOrders: 3,
      faults: new Set(['notify.lost', 'gateway.slow']),
      onRun: (_, result) => {
        const labels = new Set(result.picks.map((p) => p.label));
        if (labels.has('notify.lost') && labels.has('gateway.slow')) both++;
      },
    });
    expect(both).toBeGreaterThan(30);
  });

  it('finds a break that needs both of the two faults given (a day-long debit, its webhooks failing)', async () => {
    const stripe: Design = { ...hardened, provider: 'stripe' };
    const row = weakenings(stripe).find((r) => r.change === 'watchProcessing');
    const report = await explore({
      design: row?.design as Design,
      runs: 2000,
      seed: 1,
      maxOrders: 3,
      faults: new Set(['pay.processing', 'notify.outage']),
    });
    expect(report.counterexample?.violations[0]?.invariant).toBe('no-paid-but-unrecorded');
    expect(new Set(report.counterexample?.story.picks.map((p) => p.label))).toEqual(
      new Set(['pay.processing', 'notify.outage']),
    );
  });
});
