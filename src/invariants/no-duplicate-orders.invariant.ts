// At quiescence: one purchase intent (one submission burst: double clicks, client retries) yields
// at most one order.

import type { Invariant, Violation } from './run-view.ts';

export const noDuplicateOrders: Invariant = {
  name: 'no-duplicate-orders',
  kind: 'quiescence',
  statement: 'one submission burst creates at most one order',
  check(view) {
    const byIntent = new Map<string, string[]>();
    for (const [orderId, row] of view.orders())
      byIntent.set(row.intentId, [...(byIntent.get(row.intentId) ?? []), orderId]);
    const out: Violation[] = [];
    for (const [intentId, ids] of byIntent) {
      if (ids.length > 1)
        out.push(
          view.violation(
            this.name,
            ids,
            `intent ${intentId} created ${ids.length} orders: ${ids.join(', ')}`,
          ),
        );
    }
    return out;
  },
};
