// Property-based exploration: fast-check generates workloads and fault scripts, runs each through
// the simulator, and shrinks any run that breaks an invariant to the smallest story that still
// does. The result says what held, or gives that story with its exact replay.

import fc from 'fast-check';
import type { Design } from '../designs/design.ts';
import type { Violation } from '../invariants/index.ts';
import { ScriptedChoices } from '../kernel/index.ts';
import type { Workload } from '../services/workload.ts';
import { picksArbitrary, workloadArbitrary } from './arbitraries.ts';
import { type PaymentCenterFactory, type RunResult, simulate } from './simulate.ts';
import type { Story } from './story.ts';

export interface ExploreOptions {
  readonly design: Design;
  readonly runs: number;
  readonly seed: number;
  readonly maxOrders: number;
  readonly faults: ReadonlySet<string>;
  readonly paymentCenter?: PaymentCenterFactory;
  /** Called after every run, e.g. to draw a progress bar. */
  readonly onRun?: (done: number) => void;
}

export interface Counterexample {
  readonly story: Story;
  readonly violations: readonly Violation[];
  readonly result: RunResult;
  /** The 1-based generated run that first failed, before shrinking. */
  readonly foundAtRun: number;
  readonly shrinks: number;
}

export interface ExploreReport {
  readonly design: string;
  readonly seed: number;
  readonly runs: number;
  readonly counterexample?: Counterexample;
}

export async function explore(options: ExploreOptions): Promise<ExploreReport> {
  const { design, faults, maxOrders } = options;
  const labels = [...faults];
  let done = 0;
  const property = fc.asyncProperty(
    workloadArbitrary(maxOrders),
    picksArbitrary(labels, maxOrders),
    async (workload, raw) => {
      const result = await simulate({
        design,
        workload,
        faults,
        choices: ScriptedChoices.fromRaw(raw),
        paymentCenter: options.paymentCenter,
      });
      options.onRun?.(++done);
      return result.violations.length === 0;
    },
  );
  const details = await fc.check(property, {
    numRuns: options.runs,
    seed: options.seed,
    endOnFailure: false,
  });
  const report = { design: design.name, seed: options.seed, runs: details.numRuns };
  if (!details.failed || details.counterexample === null) return report;
  const [workload, raw] = details.counterexample as [Workload, Parameters<typeof ScriptedChoices.fromRaw>[0]];
  // Re-run the shrunk case to learn the exact decisions it took: those, not the raw values, replay it.
  const choices = ScriptedChoices.fromRaw(raw);
  const result = await simulate({ design, workload, faults, choices, paymentCenter: options.paymentCenter });
  return {
    ...report,
    counterexample: {
      story: { design: design.name, workload, picks: choices.taken },
      violations: result.violations,
      result,
      foundAtRun: details.numRuns,
      shrinks: details.numShrinks,
    },
  };
}

/** Re-runs a story exactly. */
export function replay(
  design: Design,
  story: Omit<Story, 'design'>,
  options: { paymentCenter?: PaymentCenterFactory; faults: ReadonlySet<string> },
): Promise<RunResult> {
  return simulate({
    design,
    workload: story.workload,
    faults: options.faults,
    choices: ScriptedChoices.replay(story.picks),
    paymentCenter: options.paymentCenter,
  });
}
