// Safety: an order is marked paid (by the payment center or the business app) only after the
// gateway really captured the order amount for it. A forged or tampered callback that gets an order
// marked paid breaks this. Does not check which attempt paid.

import type { Invariant, Violation } from './run-view.ts';

export const soundPaid: Invariant = {
  name: 'sound-paid',
  kind: 'safety',
  statement: 'an order is marked paid only after the gateway captured its full amount',
  check(view) {
    const out: Violation[] = [];
    const changes = [
      ...view.paymentChanges.map((c) => ({ ...c, who: 'payment center' })),
      ...view.orderChanges.map((c) => ({ ...c, who: 'business app' })),
    ];
    for (const c of changes) {
      if (c.to !== 'paid') continue;
      const amount = view.amounts.get(c.key);
      const captured = view.captures.some(
        (cap) => cap.orderId === c.key && cap.step <= c.step && cap.amount === amount,
      );
      if (!captured) {
        out.push(
          view.violation(
            this.name,
            [c.key],
            `the ${c.who} marked order ${c.key} paid, but the gateway never captured ${amount} for it`,
            c.step,
            c.atMs,
          ),
        );
      }
    }
    return out;
  },
};
