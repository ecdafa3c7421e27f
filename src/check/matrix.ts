// The necessity matrix, one row at a time: a weakened design (a mitigation off, a guarded write
// made plain) searched seed by seed until one breaks, so a caller can print each row as soon as
// its search ends and draw progress within it. A row that finds nothing says only that no
// counterexample turned up in the runs searched: the rest of the design may cover that weakening,
// or the budget was too small.

import type { Design } from '../designs/design.ts';
import type { InvariantName } from '../invariants/index.ts';
import type { MachineEngine } from '../kernel/index.ts';
import { type ExploreReport, explore } from './explore.ts';
import { formatReplayCommand } from './story.ts';

export interface MatrixRowSearch {
  readonly seeds: readonly number[];
  readonly runsPerSeed: number;
  readonly maxOrders: number;
  readonly faults: ReadonlySet<string>;
  readonly engine?: MachineEngine;
  /** Runs done in this row so far, over its seeds. */
  readonly onRun?: (done: number) => void;
}

/** A row as printed and as the JSON document gives it. */
export interface MatrixRowOut {
  readonly weakening: string;
  readonly verdict: 'broken' | 'not-found' | 'not-applicable';
  /** For a row not searched: why the weakening changes nothing in this design. */
  readonly notApplicable?: string;
  readonly invariant: InvariantName | null;
  readonly runsSearched: number;
  /** Over the seeds searched, in order: the runs of each seed that found nothing, and the failing run of the one that broke. */
  readonly runsUntilFound: number | null;
  /** The seed that broke it. */
  readonly seed: number | null;
  readonly shrunkDeviations: number | null;
  readonly shrunkEvents: number | null;
  readonly replay: string | null;
}

/** A row that needs no search: the weakening changes nothing in this design, for `why`. */
export function notApplicableRow(weakening: string, why: string): MatrixRowOut {
  return {
    weakening,
    verdict: 'not-applicable',
    notApplicable: why,
    invariant: null,
    runsSearched: 0,
    runsUntilFound: null,
    seed: null,
    shrunkDeviations: null,
    shrunkEvents: null,
    replay: null,
  };
}

/** Searches `design` seed by seed until one breaks; "not found" carries the runs it searched. */
export async function searchRow(
  weakening: string,
  design: Design,
  o: MatrixRowSearch,
): Promise<MatrixRowOut> {
  let runs = 0;
  let report: ExploreReport | undefined;
  let found: number | null = null;
  for (const seed of o.seeds) {
    const before = runs;
    report = await explore({
      design,
      runs: o.runsPerSeed,
      seed,
      maxOrders: o.maxOrders,
      faults: o.faults,
      engine: o.engine,
      onRun: o.onRun && ((n) => o.onRun?.(before + Math.min(n, o.runsPerSeed))),
    });
    runs += report.counterexample?.foundAtRun ?? report.runs;
    if (report.counterexample) {
      found = seed;
      break;
    }
  }
  const c = report?.counterexample;
  return {
    weakening,
    verdict: c ? 'broken' : 'not-found',
    invariant: c?.violations[0]?.invariant ?? null,
    runsSearched: runs,
    runsUntilFound: c ? runs : null,
    seed: found,
    shrunkDeviations: c?.story.picks.length ?? null,
    shrunkEvents: c?.result.trace.length ?? null,
    replay: c ? formatReplayCommand(c.story) : null,
  };
}
