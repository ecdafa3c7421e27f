// fast-check arbitraries for what a run is made of: the workload (which purchases happen, when)
// and the script of deviations (which faults strike, at which occurrence). Both shrink towards
// the plainest run: fewer orders, fewer faults, earlier occurrences.

import fc from 'fast-check';
import type { RawPick } from '../kernel/index.ts';
import type { Workload } from '../services/workload.ts';

const amounts = [100, 2_500, 9_999] as const;

export function workloadArbitrary(maxOrders: number): fc.Arbitrary<Workload> {
  const intent = fc.record({ amount: fc.constantFrom(...amounts), atMs: fc.nat({ max: 3_000 }) });
  return fc.array(intent, { minLength: 1, maxLength: maxOrders }).map((intents) => ({
    intents: intents.map((i, n) => ({
      intentId: `o${n + 1}`,
      userId: `u${n + 1}`,
      amount: i.amount,
      atMs: i.atMs,
    })),
  }));
}

/** How often a label is asked per order, roughly: crash points come before every write and send. */
function occurrencesPerOrder(label: string): number {
  return label.endsWith('.crash') ? 16 : 4;
}

export function picksArbitrary(
  labels: readonly string[],
  maxOrders: number,
  maxPicks = 8,
): fc.Arbitrary<RawPick[]> {
  if (labels.length === 0) return fc.constant([]);
  const pick = fc.constantFrom(...labels).chain((label) =>
    fc.record({
      label: fc.constant(label),
      nth: fc.nat({ max: occurrencesPerOrder(label) * maxOrders - 1 }),
      value: fc.nat({ max: 1_000 }),
    }),
  );
  return fc.array(pick, { maxLength: maxPicks });
}
