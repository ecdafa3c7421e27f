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
