import fc from 'fast-check';
import { expect, it } from 'vitest';
import { workloadArbitrary } from '../../src/check/arbitraries.ts';
import { maxOrdersHonoured } from '../../src/check/limits.ts';

// `check --orders` refuses more than maxOrdersHonoured; this keeps that figure what the generator does.
it(`generated worlds reach ${maxOrdersHonoured} concurrent orders and never more, whatever --orders asks`, () => {
  const sizes = (maxOrders: number) =>
    fc.sample(workloadArbitrary(maxOrders), { numRuns: 4000, seed: 7 }).map((w) => w.intents.length);
  expect(Math.max(...sizes(maxOrdersHonoured))).toBe(maxOrdersHonoured);
  expect(Math.max(...sizes(maxOrdersHonoured * 5))).toBe(maxOrdersHonoured);
});
