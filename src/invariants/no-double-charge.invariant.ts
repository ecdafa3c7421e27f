// Safety: for each order, captured minus refunded never exceeds the order amount. Checked at every
// capture, so a second capture that is refunded later still counts: the customer was charged twice.
// Does not judge whether a single capture was recorded (see no-paid-but-unrecorded).

import { extend } from '../kernel/copy.ts';
import type { Invariant, Violation } from './run-view.ts';

export const noDoubleCharge: Invariant = {
  name: 'no-double-charge',
  kind: 'safety',
  statement: 'no customer is ever charged more than the order amount (captured − refunded ≤ amount)',
  check(view) {
    const out: Violation[] = [];
    const net = new Map<string, number>();
    // Captures are in trace (step) order already: without refunds there is nothing to merge.
    const events =
      view.refunds.length === 0
        ? view.captures.map((c) => extend(c, { sign: 1 }))
        : [
            ...view.captures.map((c) => extend(c, { sign: 1 })),
            ...view.refunds.map((r) => extend(r, { sign: -1 })),
          ].sort((a, b) => a.step - b.step || b.sign - a.sign);
    for (const e of events) {
      const now = (net.get(e.orderId) ?? 0) + e.sign * e.amount;
      net.set(e.orderId, now);
      const amount = view.amounts.get(e.orderId) ?? e.amount;
      if (e.sign > 0 && now > amount && !out.some((v) => v.orders[0] === e.orderId)) {
        out.push(
          view.violation(
            this.name,
            [e.orderId],
            `order ${e.orderId} was charged ${now} for an amount of ${amount} (second capture ${e.outTradeNo})`,
            e.step,
            e.atMs,
          ),
        );
      }
    }
    return out;
  },
};
