// A story is everything needed to reproduce one run exactly: the design, the workload and the
// non-default decisions taken. Its text form is one line to paste after `paysim replay`.

import { suggest } from '../designs/load-design.ts';
import { allFaults } from '../faults/catalogue.ts';
import { optionByName } from '../faults/pick-names.ts';
import { formatPicks, type Pick, parsePicks } from '../kernel/index.ts';
import type { Intent, Workload } from '../services/workload.ts';

export interface Story {
  readonly design: string;
  readonly workload: Workload;
  readonly picks: readonly Pick[];
  /** The `--app` config whose services ran in place of the models, if any. */
  readonly app?: string;
}

/** An intent may start at most this long after the run begins (the run's horizon is 48 h). */
const latestStartMs = 24 * 60 * 60_000;

/** `o1:100@0,o2:2500@300`: intent id, amount, start time in ms. */
export function formatWorkload(workload: Workload): string {
  return workload.intents.map((i) => `${i.intentId}:${i.amount}@${i.atMs}`).join(',');
}

export function parseWorkload(text: string): Workload {
  const intents = text
    .split(',')
    .filter(Boolean)
    .map((token) => {
      const m = /^(o\d+):(\d+)@(\d+)$/.exec(token.trim());
      if (!m)
        throw new SyntaxError(
          `workload entry "${token}" is not of the form o1:100@0 (intent:amount@startMs)`,
        );
      const intentId = m[1] as string;
      return { intentId, userId: `u${intentId.slice(1)}`, amount: Number(m[2]), atMs: Number(m[3]) };
    });
  return checkWorkload({ intents });
}

/** Rejects what no generated story contains: no intents, repeated ids, zero amounts, late starts. */
export function checkWorkload(workload: Workload): Workload {
  const intents: readonly Intent[] = workload.intents;
  if (intents.length === 0) throw new SyntaxError('the workload names no intent (expected e.g. o1:100@0)');
  const seen = new Set<string>();
  for (const i of intents) {
    if (typeof i.intentId !== 'string' || !/^o\d+$/.test(i.intentId))
      throw new SyntaxError(
        `an intent's intentId must be o followed by a number (o1), got ${JSON.stringify(i.intentId) ?? 'nothing'}`,
      );
    if (typeof i.userId !== 'string' || i.userId === '')
      throw new SyntaxError(
        `intent ${i.intentId}: userId must name the user (u1), got ${JSON.stringify(i.userId) ?? 'nothing'}`,
      );
    if (seen.has(i.intentId)) throw new SyntaxError(`the workload names intent ${i.intentId} twice`);
    seen.add(i.intentId);
    if (!Number.isSafeInteger(i.amount) || i.amount < 1) {
      throw new SyntaxError(
        `intent ${i.intentId}: the amount must be a whole number of 1 or more (fen, cents), got ${JSON.stringify(i.amount) ?? 'nothing'}`,
      );
    }
    if (!Number.isSafeInteger(i.atMs) || i.atMs < 0 || i.atMs > latestStartMs) {
      throw new SyntaxError(
        `intent ${i.intentId}: the start must be between 0 and ${latestStartMs} ms, got ${JSON.stringify(i.atMs) ?? 'nothing'}`,
      );
    }
  }
  return workload;
}

/**
 * Reads picks as replay lines and `--picks` write them, `notify.lost#0=1 notify.duplicated#0=at-once`
 * (an option by number or by name), checked as `replay()` checks them.
 */
export function parseStoryPicks(text: string): Pick[] {
  return [...checkPicks(parsePicks(text, optionByName))];
}

/**
 * Rejects picks that name no choice the world ever asks, or that would never match one: a number
 * that is not a whole one (picks written by hand, or from JavaScript), or one choice point picked
 * twice.
 */
export function checkPicks(picks: readonly Pick[]): readonly Pick[] {
  const seen = new Set<string>();
  for (const [i, p] of picks.entries()) {
    const { label, nth, index } = (p ?? {}) as Partial<Record<keyof Pick, unknown>>;
    if (typeof label !== 'string')
      throw new SyntaxError(
        `picks[${i}].label: expected a fault id (\`paysim faults\` lists them), got ${shown(label)}`,
      );
    if (!(allFaults as readonly string[]).includes(label))
      throw new SyntaxError(
        `pick ${label}#${shown(nth)}=${shown(index)}: unknown choice "${label}"${suggest(label, allFaults)}`,
      );
    if (!Number.isSafeInteger(nth) || (nth as number) < 0)
      throw new SyntaxError(
        `picks[${i}].nth: expected a whole number of 0 or more (which time ${label} is asked, from 0), got ${shown(nth)}`,
      );
    if (index === 0)
      throw new SyntaxError(`pick ${label}#${nth}=0: option 0 is the default; list only deviations`);
    if (!Number.isSafeInteger(index) || (index as number) < 1)
      throw new SyntaxError(
        `picks[${i}].index: expected the option's number, 1 or more (\`paysim faults\` lists them), got ${shown(index)}`,
      );
    const at = `${label}#${nth}`;
    if (seen.has(at)) throw new SyntaxError(`pick ${at} is given twice: a choice point takes one option`);
    seen.add(at);
  }
  return picks;
}

/** A value as written: strings in quotes. */
const shown = (value: unknown): string =>
  value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));

export function formatReplayCommand(story: Story): string {
  const picks = formatPicks(story.picks);
  const app = story.app === undefined ? '' : ` --app ${story.app}`;
  return `npx paysim replay --design ${story.design} --workload ${formatWorkload(story.workload)}${picks ? ` --picks "${picks}"` : ''}${app}`;
}

export { parsePicks };
