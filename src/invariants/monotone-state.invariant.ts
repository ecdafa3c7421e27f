// Safety: once paid, an order or payment order stays paid: never back to unpaid, paying, closing or
// closed. Does not forbid closed → paid (a late payment accepted), which other checks judge.

import type { Invariant, Violation } from './run-view.ts';

export const monotoneState: Invariant = {
  name: 'monotone-state',
  kind: 'safety',
  statement: 'once paid, an order or payment stays paid: never back to unpaid, paying, closing or closed',
  check(view) {
    const out: Violation[] = [];
    for (const [who, changes] of [
      ['payment center', view.paymentChanges],
      ['business app', view.orderChanges],
    ] as const) {
      for (const c of changes) {
        if (c.from === 'paid' && c.to !== 'paid') {
          out.push(
            view.violation(
              this.name,
              [c.key],
              `the ${who} moved order ${c.key} from paid back to ${c.to}`,
              c.step,
              c.atMs,
            ),
          );
        }
      }
    }
    return out;
  },
};
