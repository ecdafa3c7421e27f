// Every invariant from DOMAIN.md. Safety checks read the whole history and report the step where
// they first broke; quiescence and liveness checks read the end of a drained run.

import { agreement } from './agreement.invariant.ts';
import { closedLoop } from './closed-loop.invariant.ts';
import { exactlyOnceFulfilment } from './exactly-once-fulfilment.invariant.ts';
import { inertBadInput } from './inert-bad-input.invariant.ts';
import { moneyConservation } from './money-conservation.invariant.ts';
import { monotoneState } from './monotone-state.invariant.ts';
import { noDoubleCharge } from './no-double-charge.invariant.ts';
import { noDuplicateOrders } from './no-duplicate-orders.invariant.ts';
import { noNeedlessRefund } from './no-needless-refund.invariant.ts';
import { noPaidButUnrecorded } from './no-paid-but-unrecorded.invariant.ts';
import { nothingStuck } from './nothing-stuck.invariant.ts';
import { paidWithinBound } from './paid-within-bound.invariant.ts';
import { type Invariant, type InvariantName, type RunFacts, RunView, type Violation } from './run-view.ts';
import { soundPaid } from './sound-paid.invariant.ts';

export const invariants: readonly Invariant[] = [
  noDoubleCharge,
  exactlyOnceFulfilment,
  soundPaid,
  monotoneState,
  inertBadInput,
  noPaidButUnrecorded,
  agreement,
  closedLoop,
  moneyConservation,
  noDuplicateOrders,
  nothingStuck,
  noNeedlessRefund,
  paidWithinBound,
];

/** Every violation of every invariant, earliest step first. */
export function checkAll(facts: RunFacts): Violation[] {
  const view = new RunView(facts);
  const all: Violation[] = [];
  for (const inv of invariants) for (const v of inv.check(view)) all.push(v);
  return all.length > 1 ? all.sort((a, b) => a.step - b.step) : all;
}

export type { Invariant, InvariantName, RunFacts, Violation };
