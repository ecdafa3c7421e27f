// The necessity matrix: for each mitigation of a base design, switch that one off (and for each
// guarded write, make it plain) and search for a counterexample on fixed seeds. A row that finds
// none says only that no counterexample turned up in the runs searched: the rest of the design may
// cover that mitigation, or the budget was too small.

import type { Design } from '../designs/design.ts';
import { weakenings } from '../designs/variants.ts';
import { type ExploreReport, explore } from './explore.ts';

export interface MatrixRow {
  /** The weakening tried, as a spec change: a mitigation's name (switched off) or `paymentCenter.writes=plain`. */
  readonly mitigation: string;
  readonly report: ExploreReport;
  /** The first invariant broken by the shrunk counterexample, or undefined if every seed held. */
  readonly invariant?: string;
  /** Generated runs until the first failure, summed over the seeds tried. */
  readonly runsUntilFound: number;
  readonly shrunkLength?: number;
}

export interface MatrixOptions {
  readonly base: Design;
  readonly seeds: readonly number[];
  readonly runsPerSeed: number;
  readonly maxOrders: number;
  readonly faults: ReadonlySet<string>;
}

export async function necessityMatrix(options: MatrixOptions): Promise<MatrixRow[]> {
  const rows: MatrixRow[] = [];
  for (const { change: mitigation, design } of weakenings(options.base)) {
    let runsUntilFound = 0;
    let report: ExploreReport | undefined;
    for (const seed of options.seeds) {
      report = await explore({
        design,
        runs: options.runsPerSeed,
        seed,
        maxOrders: options.maxOrders,
        faults: options.faults,
      });
      runsUntilFound += report.counterexample?.foundAtRun ?? report.runs;
      if (report.counterexample) break;
    }
    const c = report?.counterexample;
    rows.push({
      mitigation,
      report: report as ExploreReport,
      invariant: c?.violations[0]?.invariant,
      runsUntilFound,
      shrunkLength: c?.result.trace.length,
    });
  }
  return rows;
}
