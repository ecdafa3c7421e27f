// Safety: an order is marked paid only on a real capture. The payment center's paid must name the
// trade that paid (its `paidBy`), and the gateway must have captured that trade, for the order's
// amount, and not refunded it before. The business app's paid needs a capture of the order's amount
// for one of its trades, not refunded before. A forged or tampered callback that gets an order
// marked paid breaks this; so does a paid recorded against a trade that was refunded.

import type { Invariant, RunView, Violation } from './run-view.ts';

export const soundPaid: Invariant = {
  name: 'sound-paid',
  kind: 'safety',
  statement: 'an order is marked paid only on a capture of that trade, of its amount, not refunded',
  check(view) {
    const out: Violation[] = [];
    for (const c of view.paymentChanges) {
      if (c.to !== 'paid') continue;
      const amount = view.amounts.get(c.key);
      if (!backed(view, c.key, c.step, amount, c.paidBy)) {
        out.push(
          view.violation(
            this.name,
            [c.key],
            `the payment center marked order ${c.key} paid by ${c.paidBy ?? 'no trade'}, for which the gateway held no capture of ${amount} at that moment`,
            c.step,
            c.atMs,
          ),
        );
      }
    }
    for (const c of view.orderChanges) {
      if (c.to !== 'paid') continue;
      const amount = view.amounts.get(c.key);
      if (!backed(view, c.key, c.step, amount)) {
        out.push(
          view.violation(
            this.name,
            [c.key],
            `the business app marked order ${c.key} paid while the gateway held no capture of ${amount} for it`,
            c.step,
            c.atMs,
          ),
        );
      }
    }
    return out;
  },
};

/** Whether a capture of `trade` (any trade if undefined), of `amount`, not refunded by `step`, backs a paid. */
function backed(view: RunView, orderId: string, step: number, amount: number | undefined, trade?: string) {
  return view.captures.some(
    (cap) =>
      cap.orderId === orderId &&
      cap.step <= step &&
      cap.amount === amount &&
      (trade === undefined || cap.outTradeNo === trade) &&
      !view.refunds.some((r) => r.outTradeNo === cap.outTradeNo && r.step <= step),
  );
}
