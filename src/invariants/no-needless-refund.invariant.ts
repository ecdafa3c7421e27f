// Customer outcome: a customer who paid while the order was open and payable gets the order, not a
// refund. A refund is the right outcome only for a capture on an order the business app had already
// closed (or was closing) or already held as paid by another capture. A design that refunds good
// payments conserves money and still fails its customers. Checked at the end of a drained run.

import type { Invariant, Violation } from './run-view.ts';

export const noNeedlessRefund: Invariant = {
  name: 'no-needless-refund',
  kind: 'quiescence',
  statement: 'a customer who paid an open order gets the order, not a refund',
  check(view) {
    const out: Violation[] = [];
    for (const refund of view.refunds) {
      const capture = view.captures.find((c) => c.outTradeNo === refund.outTradeNo);
      if (capture === undefined) continue;
      // The business order's status when the customer paid.
      let status: string | undefined;
      for (const change of view.orderChanges) {
        if (change.key !== capture.orderId || change.step > capture.step) continue;
        status = change.to;
      }
      const open = status === 'created';
      const paidByAnother = view.captures.some(
        (other) => other.orderId === capture.orderId && other.step < capture.step,
      );
      if (open && !paidByAnother) {
        out.push(
          view.violation(
            this.name,
            [capture.orderId],
            `the customer paid ${capture.amount} for ${capture.outTradeNo} while order ${capture.orderId} was open, and got a refund instead of the order`,
            refund.step,
            refund.atMs,
          ),
        );
      }
    }
    return out;
  },
};
