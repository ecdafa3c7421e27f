// Liveness: when the gateway captured a payment that is kept, the business app records the order
// paid within the bound the design states (`timing.paidWithinMs`), not merely within the provider's
// 24-hour notification schedule. Faults in a run are finite, so delivery is eventually fair and the
// bound is fair to ask. Does not judge refunded captures (no-needless-refund does).

import { formatDuration, formatTime } from '../kernel/time-format.ts';
import type { Invariant, Violation } from './run-view.ts';

export const paidWithinBound: Invariant = {
  name: 'paid-within-bound',
  kind: 'liveness',
  statement: 'a kept capture becomes a paid order within the bound the design states',
  check(view) {
    const out: Violation[] = [];
    const boundMs = view.facts.design.timing.paidWithinMs;
    const refunded = new Set(view.refunds.map((r) => r.outTradeNo));
    for (const c of view.captures) {
      if (refunded.has(c.outTradeNo)) continue;
      const paid = view.orderChanges.find((s) => s.key === c.orderId && s.to === 'paid');
      if (paid === undefined || paid.atMs - c.atMs > boundMs) {
        const bound = formatDuration(boundMs);
        let took = paid === undefined ? '' : formatDuration(paid.atMs - c.atMs);
        // Rounded alike, a miss would read as no miss: the bound and how far past it, then.
        if (paid !== undefined && took === bound) took = `${bound} and ${paid.atMs - c.atMs - boundMs} ms`;
        const late = paid === undefined ? 'never became paid' : `became paid only after ${took}`;
        out.push(
          view.violation(
            this.name,
            [c.orderId],
            `order ${c.orderId} was captured at ${formatTime(c.atMs)} and ${late} (bound ${bound})`,
          ),
        );
      }
    }
    return out;
  },
};
