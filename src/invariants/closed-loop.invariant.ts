// At quiescence: every order and payment order ends terminal (paid or closed) or in an explicit
// exception state with a reason a person can act on.

import type { Invariant, InvariantName, RunView, Violation } from './run-view.ts';

const terminal = new Set(['paid', 'closed']);

export const closedLoop: Invariant = {
  name: 'closed-loop',
  kind: 'quiescence',
  statement: 'every order and payment ends paid, closed, or in exception with a reason',
  check(view) {
    const out: Violation[] = [];
    // The business app's orders first, then the payment center's.
    for (const [id, r] of view.orders()) judge(view, out, this.name, id, 'business app', r.status, r.reason);
    for (const [id, r] of view.payments())
      judge(view, out, this.name, id, 'payment center', r.status, r.reason);
    return out;
  },
};

function judge(
  view: RunView,
  out: Violation[],
  name: InvariantName,
  id: string,
  who: string,
  status: string,
  reason: string | undefined,
): void {
  if (terminal.has(status) || (status === 'exception' && reason)) return;
  out.push(view.violation(name, [id], `the ${who} left order ${id} in ${status}`));
}
