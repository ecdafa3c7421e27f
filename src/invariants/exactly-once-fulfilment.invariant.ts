// Safety: the business app fulfils (ships) an order at most once. Does not require that a paid
// order is fulfilled at all; no-paid-but-unrecorded and agreement cover that.

import type { Invariant, Violation } from './run-view.ts';

export const exactlyOnceFulfilment: Invariant = {
  name: 'exactly-once-fulfilment',
  kind: 'safety',
  statement: 'the business app fulfils each order at most once',
  check(view) {
    const seen = new Set<string>();
    const out: Violation[] = [];
    for (const f of view.fulfilments) {
      if (seen.has(f.orderId)) {
        out.push(
          view.violation(
            this.name,
            [f.orderId],
            `order ${f.orderId} was fulfilled a second time`,
            f.step,
            f.atMs,
          ),
        );
      }
      seen.add(f.orderId);
    }
    return out;
  },
};
