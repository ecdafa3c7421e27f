// The verdict of a check, as text for a person and as one JSON document for a machine.

import type { ExploreReport } from '../check/explore.ts';
import { formatReplayCommand } from '../check/story.ts';
import { invariants } from '../invariants/index.ts';
import { traceHash } from '../kernel/index.ts';
import { orderOutcomes, renderOutcomes } from './final-state.ts';
import { finalStateHeading, renderTimeline, storyOf } from './timeline.ts';

export function verdictJson(report: ExploreReport, elapsedMs: number, options: { verbose?: boolean } = {}) {
  const c = report.counterexample;
  const broken = new Set(c?.violations.map((v) => v.invariant));
  return {
    design: report.design,
    seed: report.seed,
    runs: report.runs,
    elapsedMs: Math.round(elapsedMs),
    verdict: c ? 'violated' : 'held',
    invariants: invariants.map((inv) => ({
      name: inv.name,
      kind: inv.kind,
      statement: inv.statement,
      verdict: broken.has(inv.name) ? 'violated' : c ? 'not-broken-in-counterexample' : 'held',
    })),
    counterexample: c && {
      foundAtRun: c.foundAtRun,
      shrinks: c.shrinks,
      workload: c.story.workload,
      picks: c.story.picks,
      replay: formatReplayCommand(c.story),
      traceHash: traceHash(c.result.trace),
      violations: c.violations,
      finalStates: orderOutcomes(
        c.result,
        c.violations.flatMap((v) => v.orders),
      ),
      timeline: renderTimeline(c.result.trace, { ...storyOf(c.violations), verbose: options.verbose }),
    },
  };
}

export function verdictText(
  report: ExploreReport,
  elapsedMs: number,
  options: { verbose?: boolean } = {},
): string[] {
  const c = report.counterexample;
  const seconds = (elapsedMs / 1000).toFixed(1);
  const lines: string[] = [];
  if (!c) {
    lines.push(
      `Verdict: no counterexample to ${report.design} found in ${report.runs} runs (${seconds} s): a search budget, not a proof.`,
    );
  } else {
    const first = c.violations[0];
    const inv = invariants.find((i) => i.name === first?.invariant);
    lines.push(
      `Verdict: ${report.design} is broken — ${first?.invariant}: ${inv?.statement ?? ''}, but ${first?.message}.`,
    );
  }
  lines.push('');
  const broken = new Map<string, string>();
  for (const v of c?.violations ?? []) if (!broken.has(v.invariant)) broken.set(v.invariant, v.message);
  for (const inv of invariants) {
    const why = broken.get(inv.name);
    lines.push(
      `  ${why ? '✗' : '✓'} ${inv.name.padEnd(24)} ${why ?? (c ? 'not broken by this story' : `not broken in ${report.runs} runs`)}`,
    );
  }
  if (!c) return lines;
  const orders = [...new Set(c.violations.flatMap((v) => v.orders))];
  lines.push(
    '',
    `Counterexample (generated run ${c.foundAtRun}, shrunk ${c.shrinks} times, ${c.story.picks.length} ${c.story.picks.length === 1 ? 'deviation' : 'deviations'} from the happy path):`,
    '',
  );
  lines.push(
    ...renderTimeline(c.result.trace, { ...storyOf(c.violations), verbose: options.verbose }).map(
      (l) => `  ${l}`,
    ),
  );
  lines.push('', finalStateHeading(c.violations, true), '');
  lines.push(...renderOutcomes(orderOutcomes(c.result, orders)).map((l) => `  ${l}`));
  lines.push('', 'Replay exactly:', '', `  ${formatReplayCommand(c.story)}`);
  return lines;
}
