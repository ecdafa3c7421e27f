// explore() from JavaScript: each mistake in its options is refused up front, naming the option.

import { expect, it } from 'vitest';
import { explore } from '../../src/check/explore.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';

const good = {
  design: presets.hardened as Design,
  runs: 5,
  seed: 1,
  maxOrders: 2,
  faults: new Set(allFaults),
};

it.each([
  [{ design: 'hardened' }, /^explore: design: expected a Design object .*, got "hardened"$/],
  [{ faults: [...allFaults] }, /^explore: faults: expected a Set of fault ids .*, got an array$/],
  [{ faults: new Set(['notify.lots']) }, /^explore: faults: "notify\.lots" is not a fault id/],
  [{ runs: 0 }, /^explore: runs: expected a whole number of 1 or more, got number$/],
  [{ seed: '7' }, /^explore: seed: expected a whole number, got "7"$/],
  [{ engine: 'fast' }, /^explore: engine: expected "compiled" or "xstate", got "fast"$/],
  [{ run: 5 }, /^explore: unknown option run \(did you mean "runs"\?\)/],
])('refuses %j', async (change, message) => {
  await expect(explore({ ...good, ...change } as never)).rejects.toThrow(message);
});

it('takes good options', async () => {
  expect((await explore(good)).runs).toBe(5);
});
