// The matrix as a table printed a row at a time: column widths are fixed before the first row
// from what any row could hold, so rows line up without waiting for the last one.

import type { MatrixRowOut } from '../check/matrix.ts';
import { invariants } from '../invariants/index.ts';

const header = ['weakening', 'invariant broken', 'runs until found', 'shrunk story'];

export interface MatrixTable {
  readonly head: string;
  row(r: MatrixRowOut): string;
}

export function matrixTable(
  weakenings: readonly string[],
  maxRunsPerRow: number,
  seeds: number,
): MatrixTable {
  const notFound = `not found in ${maxRunsPerRow} runs`;
  // Past the first seed, the seed that found it: its runs are counted after the others' in full.
  const seedWidth = seeds > 1 ? ` (seed ${seeds})`.length : 0;
  const widths = [
    Math.max(header[0]?.length ?? 0, ...weakenings.map((w) => w.length)),
    Math.max(header[1]?.length ?? 0, notFound.length, ...invariants.map((i) => i.name.length)),
    Math.max(header[2]?.length ?? 0, String(maxRunsPerRow).length + seedWidth),
    0,
  ];
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return {
    head: [line(header), line(widths.map((w, i) => '-'.repeat(w || (header[i]?.length ?? 0))))].join('\n'),
    row: (r) =>
      line([
        r.weakening,
        r.invariant ??
          (r.notApplicable === undefined ? `not found in ${r.runsSearched} runs` : `n/a: ${r.notApplicable}`),
        r.runsUntilFound === null
          ? ''
          : `${r.runsUntilFound}${r.seed !== null && r.seed > 1 ? ` (seed ${r.seed})` : ''}`,
        r.shrunkDeviations === null
          ? ''
          : `${r.shrunkDeviations} deviation${r.shrunkDeviations === 1 ? '' : 's'}, ${r.shrunkEvents} events`,
      ]),
  };
}
