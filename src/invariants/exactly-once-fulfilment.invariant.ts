// The business app ships each paid order exactly once: never a second time (checked at the step it
// happens), and, once the run has drained, at least once for every order it holds as paid (an
// order paid but never shipped is an internal lost order). Does not judge whether the order
// should be paid; agreement and no-paid-but-unrecorded cover that.

import type { Invariant, Violation } from './run-view.ts';

export const exactlyOnceFulfilment: Invariant = {
  name: 'exactly-once-fulfilment',
  kind: 'safety',
  statement: 'the business app fulfils each paid order exactly once',
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
    for (const [orderId, order] of view.orders()) {
      if (order.status === 'paid' && !seen.has(orderId)) {
        out.push(view.violation(this.name, [orderId], `order ${orderId} is paid and was never fulfilled`));
      }
    }
    return out;
  },
};
