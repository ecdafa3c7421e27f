// The verdict of a check, as text for a person and as one JSON document for a machine.

import { describeCount, describeKind } from '../check/error-tally.ts';
import type { ExploreReport } from '../check/explore.ts';
import { formatReplayCommand } from '../check/story.ts';
import { invariants } from '../invariants/index.ts';
import { traceHash } from '../kernel/index.ts';
import { orderOutcomes, renderOutcomes } from './final-state.ts';
import { finalStateHeading, renderTimeline, storyOf } from './timeline.ts';

export function verdictJson(
  report: ExploreReport,
  elapsedMs: number,
  options: { verbose?: boolean; failOnErrors?: boolean } = {},
) {
  const c = report.counterexample;
  const broken = new Set(c?.violations.map((v) => v.invariant));
  return {
    design: report.design,
    seed: report.seed,
    runs: report.runs,
    elapsedMs: Math.round(elapsedMs),
    verdict: c ? 'violated' : 'held',
    // Counted only where every run ran: a search that passed (see error-tally.ts).
    ...(c
      ? {}
      : {
          handlerErrors: report.handlerErrors ?? [],
          explainedErrors: report.explainedErrors ?? [],
          ...(report.unthrownExpectedErrors ? { unthrownExpectedErrors: report.unthrownExpectedErrors } : {}),
        }),
    // Why a check whose invariants held exits 1.
    ...(!c && exitCodeOf(report, options.failOnErrors) === 1 ? { failedOn: 'handlerErrors' } : {}),
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

/** `1,650`: a rate as a person reads it. */
function runsPerSecond(runs: number, elapsedMs: number): string {
  return Math.round(runs / Math.max(elapsedMs / 1000, 0.001)).toLocaleString('en-US');
}

export function verdictText(
  report: ExploreReport,
  elapsedMs: number,
  options: {
    verbose?: boolean;
    failOnErrors?: boolean;
    /**
     * A lesson of the course that breaks the same invariant, to point to; `sameWay` is a deviation
     * its story shares with this one (without it, the lesson breaks the invariant another way).
     */
    lesson?: { readonly number: number; readonly title: string; readonly sameWay?: string };
    /** The environment variables the --app config read as it loaded: its replay lines need them. */
    environment?: readonly string[];
    /** The code of your own that ran in place of models (`your payment center`): the verdict is about it too. */
    yours?: string;
    /** `elapsedMs` is the slowest of several shards that ran side by side (merge), not one search's. */
    slowestShard?: boolean;
  } = {},
): string[] {
  const c = report.counterexample;
  const checked = options.yours === undefined ? report.design : `${report.design} with ${options.yours}`;
  const seconds = (elapsedMs / 1000).toFixed(1);
  const lines: string[] = [];
  if (!c) {
    lines.push(
      `Verdict: no counterexample to ${checked} found in ${runsText(report.runs)} (${options.slowestShard ? `the slowest shard took ${seconds} s` : `${seconds} s, ${runsPerSecond(report.runs, elapsedMs)} runs/s`}): a search budget, not a proof.`,
    );
  } else {
    const first = c.violations[0];
    const inv = invariants.find((i) => i.name === first?.invariant);
    lines.push(
      `Verdict: ${checked} is broken — ${first?.invariant}: ${inv?.statement ?? ''}, but ${first?.message}.`,
    );
  }
  lines.push('');
  const broken = new Map<string, string>();
  for (const v of c?.violations ?? []) if (!broken.has(v.invariant)) broken.set(v.invariant, v.message);
  for (const inv of invariants) {
    const why = broken.get(inv.name);
    lines.push(
      `  ${why ? '✗' : '✓'} ${inv.name.padEnd(24)} ${why ?? (c ? 'not broken by this story' : `not broken in ${runsText(report.runs)}`)}`,
    );
  }
  const needs = environmentNote(options.environment);
  if (!c) return [...lines, ...handlerErrorLines(report, options.failOnErrors, needs)];
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
  lines.push('', finalStateHeading(c.violations, true, c.result.final.endMs), '');
  lines.push(...renderOutcomes(orderOutcomes(c.result, orders)).map((l) => `  ${l}`));
  lines.push('', 'Replay exactly:', '', `  ${formatReplayCommand(c.story)}`, ...needs);
  if (options.lesson !== undefined)
    lines.push(
      '',
      `The course tells a story that breaks ${c.violations[0]?.invariant} ${options.lesson.sameWay === undefined ? 'too, another way (its measure may be one you have),' : `the same way (${options.lesson.sameWay}),`} and the measure that stops it: lesson ${options.lesson.number}, "${options.lesson.title}":`,
      '',
      `  npx paysim learn ${options.lesson.number}`,
    );
  return lines;
}

/** The exit code of a check or merge: 1 when a counterexample was found, or on your errors if asked. */
export function exitCodeOf(report: ExploreReport, failOnErrors = false): number {
  return report.counterexample || (failOnErrors && (report.handlerErrors?.length ?? 0) > 0) ? 1 : 0;
}

/** For a report's provenance: one paragraph per kind of error your code threw in a passing search. */
export function handlerErrorNotes(report: ExploreReport): string[] {
  const kinds = report.handlerErrors ?? [];
  const leftOut = leftOutLine(report);
  if (kinds.length === 0) return leftOut === undefined ? [] : [leftOut];
  return [
    `${errorsHeadline(kinds.length)}:`,
    ...kinds.map(
      (k) => `${describeKind(k)}, ${describeCount(k, report.runs)}: \`${k.replay ?? '(no replay line)'}\``,
    ),
    ...(leftOut === undefined ? [] : [leftOut]),
  ];
}

function errorsHeadline(kinds: number): string {
  return `Your own code failed ${kinds === 1 ? 'in a way' : `in ${kinds} ways`} that no fault paysim injected explains (or left a promise rejection unhandled, which ends the process). No invariant broke, as the design recovered each time, but ${kinds === 1 ? 'it is a bug' : 'each is a bug'} to look at unless your code does it on purpose (name such error classes in the --app config's expectedErrors)`;
}

/** The kinds of error the text lists; --json has them all. */
const shownKinds = 10;

/** What your own code threw in a passing search, each kind with the first run's replay line. */
/** Under a replay line of a run of your --app config: the variables it read, which the line does not carry. */
function environmentNote(environment: readonly string[] = []): string[] {
  if (environment.length === 0) return [];
  return [
    `  (your --app config read ${environment.join(', ')} as it loaded: the replay runs the same code only with ${environment.length === 1 ? 'it' : 'them'} as in this run, set or unset)`,
  ];
}

function handlerErrorLines(report: ExploreReport, failOnErrors = false, needs: string[] = []): string[] {
  const kinds = report.handlerErrors ?? [];
  const leftOut = leftOutLine(report);
  const unthrown = report.unthrownExpectedErrors ?? [];
  const shown = kinds.slice(0, shownKinds);
  return [
    ...(kinds.length === 0
      ? []
      : [
          '',
          `${errorsHeadline(kinds.length)}:`,
          ...shown.flatMap((k) => [
            `  ${describeKind(k)}`,
            `    ${describeCount(k, report.runs)}: ${k.replay ?? '(no replay line)'}`,
          ]),
          ...(kinds.length > shown.length
            ? [`  … and ${kinds.length - shown.length} more kinds (--json lists them all)`]
            : []),
          ...needs,
        ]),
    ...(leftOut === undefined ? [] : ['', leftOut]),
    ...(kinds.length === 0
      ? []
      : [
          '',
          failOnErrors
            ? 'The check fails on them (--fail-on-errors).'
            : 'To make the check fail on them (in CI), give --fail-on-errors.',
        ]),
    ...(unthrown.length === 0
      ? []
      : [
          '',
          `No run threw ${unthrown.join(', ')}, which expectedErrors names: check the spelling (errors are named by class, as HTTP 500, or as a thrown value).`,
        ]),
  ];
}

/** How many failures of your code the list leaves out because a fault may explain them. */
function leftOutLine(report: ExploreReport): string | undefined {
  const kinds = report.explainedErrors ?? [];
  if (kinds.length === 0) return undefined;
  const most = Math.max(...kinds.map((k) => k.runs));
  return `Left out, as a fault may explain them (it threw them or caused them, struck while the handler ran, or made the message hostile): ${kinds.length === 1 ? 'one kind' : `${kinds.length} kinds`} of failure of your code, in at most ${most} runs each; --json lists them as explainedErrors.`;
}

/** `1 run`, `2000 runs`. */
function runsText(runs: number): string {
  return `${runs} run${runs === 1 ? '' : 's'}`;
}
