// A story is everything needed to reproduce one run exactly: the design, the workload and the
// non-default decisions taken. Its text form is one line to paste after `paysim replay`.

import { formatPicks, type Pick, parsePicks } from '../kernel/index.ts';
import type { Workload } from '../services/workload.ts';

export interface Story {
  readonly design: string;
  readonly workload: Workload;
  readonly picks: readonly Pick[];
}

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
  if (intents.length === 0) throw new SyntaxError('the workload names no intent (expected e.g. o1:100@0)');
  return { intents };
}

export function formatReplayCommand(story: Story): string {
  const picks = formatPicks(story.picks);
  return `npx paysim replay --design ${story.design} --workload ${formatWorkload(story.workload)}${picks ? ` --picks "${picks}"` : ''}`;
}

export { parsePicks };
