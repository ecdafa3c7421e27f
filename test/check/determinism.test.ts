import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { picksArbitrary, workloadArbitrary } from '../../src/check/arbitraries.ts';
import { explore, replay } from '../../src/check/explore.ts';
import { simulate } from '../../src/check/simulate.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import { ScriptedChoices, traceHash } from '../../src/kernel/index.ts';

const faults = new Set(allFaults);
const seed = presets.seed;
if (seed === undefined) throw new Error('seed preset missing');

describe('a run is a pure function of design, workload and choices', () => {
  test.prop([workloadArbitrary(3), picksArbitrary(allFaults, 3)], { numRuns: 60 })(
    'the same workload and script give byte-identical traces, and replaying the decisions taken gives the same trace',
    async (workload, raw) => {
      const first = await simulate({ design: seed, workload, faults, choices: ScriptedChoices.fromRaw(raw) });
      const second = await simulate({
        design: seed,
        workload,
        faults,
        choices: ScriptedChoices.fromRaw(raw),
      });
      const replayed = await replay(seed, { workload, picks: first.picks }, { faults });
      expect(traceHash(second.trace)).toBe(traceHash(first.trace));
      expect(traceHash(replayed.trace)).toBe(traceHash(first.trace));
      expect(replayed.violations).toEqual(first.violations);
    },
  );

  // Two instances of each service, so routing, interleaving and stalls are asked; half the fault
  // picks aimed by time at the payment center's callback timeout.
  const replicated = {
    ...seed,
    paymentCenter: { replicas: 2, writes: 'plain' as const },
    businessApp: { replicas: 2, writes: 'plain' as const },
  };
  const focus = [{ atMs: 30_000, userPayValues: [17, 18, 19] }];
  test.prop([workloadArbitrary(3), picksArbitrary(allFaults, 3, new Map(), focus)], { numRuns: 60 })(
    'with replicas, interleavings, stalls and picks aimed by time, replaying the decisions taken gives the same trace',
    async (workload, raw) => {
      const first = await simulate({
        design: replicated,
        workload,
        faults,
        choices: ScriptedChoices.fromRaw(raw),
      });
      const replayed = await replay(replicated, { workload, picks: first.picks }, { faults });
      expect(traceHash(replayed.trace)).toBe(traceHash(first.trace));
      expect(replayed.violations).toEqual(first.violations);
    },
  );

  it('the same exploration seed finds the same shrunk counterexample with the same trace hash', async () => {
    const run = () => explore({ design: seed, runs: 300, seed: 42, maxOrders: 3, faults });
    const [a, b] = [await run(), await run()];
    expect(a.counterexample).toBeDefined();
    expect(b.counterexample?.story).toEqual(a.counterexample?.story);
    expect(traceHash(b.counterexample?.result.trace ?? [])).toBe(
      traceHash(a.counterexample?.result.trace ?? []),
    );
  });
});
