// At quiescence: no order is left paying or closing, no duplicate-submission key holds forever, no
// message waits in the broker, and the run drained before the horizon.

import type { Invariant, Violation } from './run-view.ts';

const inFlight = new Set(['paying', 'closing', 'created']);

export const nothingStuck: Invariant = {
  name: 'nothing-stuck',
  kind: 'quiescence',
  statement: 'nothing is left paying, locked, queued or holding a key past its bound',
  check(view) {
    const out: Violation[] = [];
    const { final } = view.facts;
    for (const [id, r] of view.payments()) {
      if (inFlight.has(r.status))
        out.push(
          view.violation(this.name, [id], `the payment center left order ${id} ${r.status}, its lock held`),
        );
    }
    for (const [id, r] of view.orders()) {
      if (inFlight.has(r.status))
        out.push(view.violation(this.name, [id], `the business app left order ${id} ${r.status}`));
    }
    for (const k of final.redisKeys) {
      if (k.expiresAtMs === Infinity)
        out.push(view.violation(this.name, [], `Redis key ${k.key} never expires`));
    }
    for (const id of final.mqPending)
      out.push(view.violation(this.name, [], `message ${id} is still waiting in the broker`));
    if (!final.quiescent) out.push(view.violation(this.name, [], 'the run was still busy at the horizon'));
    return out;
  },
};
