// The necessity matrix: for each mitigation of a base design, switch that one off and search for a
// counterexample on fixed seeds. A row that finds none says the mitigation was not needed against
// this fault catalogue (or that the search budget was too small), and is reported as "held".

import type { Design, MitigationName } from '../designs/design.ts';
import { isOn, mitigationNames, withoutMitigation } from '../designs/variants.ts';
import { type ExploreReport, explore } from './explore.ts';

export interface MatrixRow {
  readonly mitigation: MitigationName;
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
  for (const mitigation of mitigationNames) {
    if (!isOn(options.base, mitigation)) continue;
    const design = withoutMitigation(options.base, mitigation);
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
