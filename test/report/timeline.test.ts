import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/check/explore.ts';
import type { Story } from '../../src/check/story.ts';
import { resolveDesign } from '../../src/designs/load-design.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import { orderOutcomes, renderOutcomes } from '../../src/report/final-state.ts';
import { renderTimeline } from '../../src/report/timeline.ts';

async function story(file: string) {
  const s = JSON.parse(readFileSync(`scenarios/${file}.json`, 'utf8')) as Story;
  const result = await replay(await resolveDesign(s.design, 'scenarios'), s, { faults: new Set(allFaults) });
  const orders = [...new Set(result.violations.flatMap((v) => v.orders))];
  return [
    ...renderTimeline(result.trace, { orders }),
    '',
    ...renderOutcomes(orderOutcomes(result, orders)),
  ].join('\n');
}

// The explanation of a known counterexample is stored as text, so a change in it is a visible diff.
describe('the timeline of a counterexample', () => {
  it.each(['seed-redis-race', 'naive-lost-callback', 'seed-app-crash'])(
    'tells the %s story as stored',
    async (name) => {
      await expect(`${await story(name)}\n`).toMatchFileSnapshot(`./expected/${name}.timeline.txt`);
    },
  );
});
