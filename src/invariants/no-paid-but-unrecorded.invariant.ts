// At quiescence: every capture the gateway kept (not refunded) is recorded as the payment of its
// order by both the payment center and the business app. This is the "lost payment" of the article.

import type { Invariant, Violation } from './run-view.ts';

export const noPaidButUnrecorded: Invariant = {
  name: 'no-paid-but-unrecorded',
  kind: 'quiescence',
  statement: 'every kept gateway capture is recorded as paid by the payment center and the business app',
  check(view) {
    const out: Violation[] = [];
    const refunded = new Set(view.refunds.map((r) => r.outTradeNo));
    const payments = view.payments();
    const orders = view.orders();
    for (const c of view.captures) {
      if (refunded.has(c.outTradeNo)) continue;
      const pc = payments.get(c.orderId);
      const app = orders.get(c.orderId);
      const missing: string[] = [];
      if (pc?.status !== 'paid' || pc.paidBy !== c.outTradeNo)
        missing.push(
          `payment center has ${pc ? `${pc.status}${pc.paidBy ? ` by ${pc.paidBy}` : ''}` : 'no payment'}`,
        );
      if (app?.status !== 'paid') missing.push(`business app has ${app?.status ?? 'no order'}`);
      if (missing.length > 0) {
        out.push(
          view.violation(
            this.name,
            [c.orderId],
            `the customer paid ${c.outTradeNo} (${c.amount}), while the ${missing.join(' and the ')}`,
          ),
        );
      }
    }
    return out;
  },
};
