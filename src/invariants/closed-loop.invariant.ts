// At quiescence: every order and payment order ends terminal (paid or closed) or in an explicit
// exception state with a reason a person can act on.

import type { Invariant, Violation } from './run-view.ts';

const terminal = new Set(['paid', 'closed']);

export const closedLoop: Invariant = {
  name: 'closed-loop',
  kind: 'quiescence',
  statement: 'every order and payment ends paid, closed, or in exception with a reason',
  check(view) {
    const out: Violation[] = [];
    const rows = [
      ...[...view.orders()].map(([id, r]) => ({
        id,
        who: 'business app',
        status: r.status as string,
        reason: r.reason,
      })),
      ...[...view.payments()].map(([id, r]) => ({
        id,
        who: 'payment center',
        status: r.status as string,
        reason: r.reason,
      })),
    ];
    for (const r of rows) {
      if (terminal.has(r.status) || (r.status === 'exception' && r.reason)) continue;
      out.push(view.violation(this.name, [r.id], `the ${r.who} left order ${r.id} in ${r.status}`));
    }
    return out;
  },
};
