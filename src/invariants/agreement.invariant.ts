// At quiescence: the payment center, the business app and the gateway's money agree on every
// order: paid everywhere with the amount kept, or unpaid everywhere with nothing kept.

import type { Invariant, Violation } from './run-view.ts';

export const agreement: Invariant = {
  name: 'agreement',
  kind: 'quiescence',
  statement: 'payment center, business app and gateway agree on every order',
  check(view) {
    const out: Violation[] = [];
    const payments = view.payments();
    const orders = view.orders();
    const net = view.netCaptured();
    for (const orderId of view.orderIds()) {
      const pcPaid = payments.get(orderId)?.status === 'paid';
      const appPaid = orders.get(orderId)?.status === 'paid';
      const gatewayPaid = (net.get(orderId) ?? 0) > 0;
      if (pcPaid === appPaid && appPaid === gatewayPaid) continue;
      const say = (b: boolean) => (b ? 'paid' : 'unpaid');
      out.push(
        view.violation(
          this.name,
          [orderId],
          `order ${orderId}: payment center says ${say(pcPaid)}, business app says ${say(appPaid)}, gateway kept ${net.get(orderId) ?? 0}`,
        ),
      );
    }
    return out;
  },
};
