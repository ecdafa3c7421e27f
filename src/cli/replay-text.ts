// How a replayed story is told in the terminal: the line that repeats it, the lesson, the timeline,
// the final state, the verdict and, for a story with `expect`, whether that is what it should be.

import { describeKind, isExpected, keyOfError } from '../check/error-tally.ts';
import type { RunResult } from '../check/simulate.ts';
import { invariants } from '../invariants/index.ts';
import { type HandlerError, traceHash } from '../kernel/index.ts';
import { orderOutcomes, renderOutcomes } from '../report/final-state.ts';
import { finalStateHeading, renderTimeline, storyOf } from '../report/timeline.ts';
import { expectationMismatch, type StoryFile } from './story-file.ts';

export interface ReplayText {
  readonly lines: string[];
  /** For a story with `expect`: what differs from it, or undefined when the run is as expected. */
  readonly mismatch?: string;
}

export function replayText(
  story: StoryFile,
  result: RunResult,
  options: { replayLine: string; verbose?: boolean; expectedErrors?: readonly string[] },
): ReplayText {
  const timeline = renderTimeline(result.trace, { ...storyOf(result.violations), verbose: options.verbose });
  const mismatch =
    story.expect &&
    expectationMismatch(
      story.expect,
      result.violations.map((v) => v.invariant),
    );
  const lines = [
    options.replayLine,
    ...(story.lesson ? ['', story.lesson] : []),
    '',
    ...timeline.map((l) => `  ${l}`),
    '',
    finalStateHeading(result.violations, false, result.final.endMs),
    '',
    ...renderOutcomes(orderOutcomes(result)).map((l) => `  ${l}`),
    '',
  ];
  if (result.violations.length === 0) lines.push('Verdict: every invariant held in this run.');
  const thrown = new Map<string, { kind: HandlerError; times: number }>();
  for (const e of result.handlerErrors) {
    if (e.faultMayExplain || isExpected(e, options.expectedErrors)) continue;
    const key = keyOfError(e);
    const seen = thrown.get(key);
    if (seen) seen.times++;
    else thrown.set(key, { kind: e, times: 1 });
  }
  if (thrown.size > 0)
    lines.push(
      'Your own code failed where no fault paysim injected explains it (see the story):',
      ...[...thrown.values()].map(
        ({ kind, times }) => `  ${describeKind(kind)}${times > 1 ? ` (${times}×)` : ''}`,
      ),
    );
  // One line per invariant broken, its statement once: each distinct way the run broke it under it.
  const broken = new Map<string, Set<string>>();
  for (const v of result.violations)
    broken.set(v.invariant, (broken.get(v.invariant) ?? new Set()).add(v.message));
  for (const [name, messages] of broken) {
    const statement = invariants.find((i) => i.name === name)?.statement;
    const [only] = messages;
    if (messages.size === 1) lines.push(`✗ ${name}: ${statement}, but ${only}.`);
    else lines.push(`✗ ${name}: ${statement}, but:`, ...[...messages].map((m) => `    ${m}`));
  }
  if (story.expect)
    lines.push(
      mismatch
        ? `Unexpected: ${mismatch}.`
        : `As expected: ${story.expect.length === 0 ? 'every invariant held' : `broke ${[...new Set(story.expect)].join(', ')}`}.`,
    );
  lines.push(
    '',
    `trace ${traceHash(result.trace).slice(0, 16)} (a fingerprint of the whole run: a replay that tells the same story gives the same one)`,
  );
  return { lines, mismatch };
}
