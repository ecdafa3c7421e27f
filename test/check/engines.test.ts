// The compiled engine (the default) and XState's interpreter (`engine: 'xstate'`, the reference)
// give the same run: the same trace, byte for byte, and the same verdict, for generated runs of
// every preset (with replicas, so stale reads and interleavings are exercised), for whole
// explorations with their shrinking, and for every pinned scenario.

import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { picksArbitrary, workloadArbitrary } from '../../src/check/arbitraries.ts';
import { explore, replay } from '../../src/check/explore.ts';
import { type RunResult, simulate } from '../../src/check/simulate.ts';
import type { Story } from '../../src/check/story.ts';
import type { Design } from '../../src/designs/design.ts';
import { resolveDesign } from '../../src/designs/load-design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import { type MachineEngine, ScriptedChoices, traceHash } from '../../src/kernel/index.ts';

const faults = new Set(allFaults);
const preset = (name: string) => presets[name] as Design;
const replicated = (d: Design): Design => ({
  ...d,
  name: `${d.name}+replicas`,
  paymentCenter: { ...d.paymentCenter, replicas: 2 },
  businessApp: { ...d.businessApp, replicas: 2 },
});
const verdict = (r: RunResult) => ({ hash: traceHash(r.trace), violations: r.violations, picks: r.picks });

describe('both engines give the same run', () => {
  const designs = [preset('hardened'), preset('seed'), preset('naive'), replicated(preset('seed'))];
  for (const design of designs) {
    it(`${design.name}: 500 generated runs have the same trace hash, verdict and picks`, async () => {
      const runs = fc.sample(fc.tuple(workloadArbitrary(3), picksArbitrary(allFaults, 3)), {
        numRuns: 500,
        seed: 7,
      });
      for (const [workload, raw] of runs) {
        const run = async (engine: MachineEngine) =>
          verdict(
            await simulate({ design, workload, faults, choices: ScriptedChoices.fromRaw(raw), engine }),
          );
        expect(await run('compiled')).toEqual(await run('xstate'));
      }
    });
  }

  for (const name of ['hardened', 'seed', 'naive']) {
    it(`${name}: an exploration of 200 runs, shrinking included, is the same run for run`, async () => {
      const explored = async (engine: MachineEngine) => {
        const seen: Array<ReturnType<typeof verdict>> = [];
        const report = await explore({
          design: preset(name),
          runs: 200,
          seed: 11,
          maxOrders: 3,
          faults,
          engine,
          onRun: (_, result) => seen.push(verdict(result)),
        });
        return {
          seen,
          story: report.counterexample?.story,
          hash: traceHash(report.counterexample?.result.trace ?? []),
        };
      };
      const compiled = await explored('compiled');
      expect(compiled.seen.length).toBeGreaterThan(0);
      expect(compiled).toEqual(await explored('xstate'));
    });
  }

  it('every pinned scenario replays to the same trace on both', async () => {
    const files = readdirSync('scenarios').filter((f) => f.endsWith('.json'));
    for (const file of files) {
      const scenario = JSON.parse(readFileSync(`scenarios/${file}`, 'utf8')) as Story;
      const design = await resolveDesign(scenario.design, 'scenarios');
      const run = async (engine: MachineEngine) =>
        verdict(await replay(design, scenario, { faults, engine }));
      expect(await run('compiled'), file).toEqual(await run('xstate'));
    }
  });
});
