// At quiescence: for an order the business app holds as paid, the gateway kept exactly its amount;
// for every other order, it kept nothing.

import type { Invariant, Violation } from './run-view.ts';

export const moneyConservation: Invariant = {
  name: 'money-conservation',
  kind: 'quiescence',
  statement: 'captured − refunded equals the amount for paid orders and 0 for all others',
  check(view) {
    const out: Violation[] = [];
    const orders = view.orders();
    const net = view.netCaptured();
    for (const orderId of view.orderIds()) {
      const paid = orders.get(orderId)?.status === 'paid';
      const expected = paid ? (view.amounts.get(orderId) ?? 0) : 0;
      const kept = net.get(orderId) ?? 0;
      if (kept !== expected) {
        out.push(
          view.violation(
            this.name,
            [orderId],
            `the gateway keeps ${kept} for order ${orderId}, which is ${paid ? 'paid' : 'not paid'} (it should keep ${expected})`,
          ),
        );
      }
    }
    return out;
  },
};
