// A failing run is cut down to the orders it needs. A deviation is addressed by occurrence
// (`user.submit#1`: the second time a user submits in the run), so dropping an order may move it to
// another occurrence or past the end: the drop is tried again with the deviation aimed at the moment
// it was taken.

import { expect, it } from 'vitest';
import { cutDown, replay } from '../../src/check/explore.ts';
import type { RunResult } from '../../src/check/simulate.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';

const seed = presets.seed as Design;
const options = { design: seed, runs: 1, seed: 1, maxOrders: 3, faults: new Set(allFaults) };
const breaks = (r: RunResult) => r.violations[0]?.invariant === 'no-duplicate-orders';

it('drops an order the story does not need, though the deviation it keeps is counted after it', async () => {
  const workload = {
    intents: [
      { intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 },
      { intentId: 'o2', userId: 'u2', amount: 300, atMs: 60_000 },
    ],
  };
  // The second submit of the run is o2's: a double click there makes o2 two orders.
  const picks = [{ label: 'user.submit', nth: 1, index: 1 }];
  const result = await replay(seed, { workload, picks }, options);
  expect(breaks(result)).toBe(true);
  // With one order either way, user.submit#1 is never asked: as it stands, the pick drops neither.
  for (const intent of workload.intents)
    expect(breaks(await replay(seed, { workload: { intents: [intent] }, picks }, options))).toBe(false);

  // Aimed at its moment (a user decides how to submit when the run starts), it lands on the one
  // order left, which breaks the same way: one order, one deviation.
  const cut = await cutDown(options, workload, picks, breaks, result);
  expect(cut.workload.intents).toHaveLength(1);
  expect(cut.picks).toEqual([{ label: 'user.submit', nth: 0, index: 1 }]);
  expect(cut.result.violations[0]?.message).toMatch(/intent o1 created 2 orders/);
  expect(breaks(await replay(seed, { workload: cut.workload, picks: cut.picks }, options))).toBe(true);
});
