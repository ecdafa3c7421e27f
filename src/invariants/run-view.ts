// What checkers see of a run: the trace and the final durable state, plus facts derived from them
// once (money movements, status histories). Checkers are pure functions of this view; they never
// steer a run.

import type { FinalState } from '../check/simulate.ts';
import type { Design } from '../designs/design.ts';
import { factsOf, newShipment, type OrderFact, type PaymentFact } from '../domain/facts.ts';
import type { ProviderProfile } from '../fakes/providers/provider-profile.ts';
import type { TraceEntry } from '../kernel/index.ts';
import type { Workload } from '../services/workload.ts';

export interface RunFacts {
  readonly design: Design;
  readonly profile: ProviderProfile;
  readonly workload: Workload;
  readonly trace: readonly TraceEntry[];
  readonly final: FinalState;
}

/** Every invariant's name, as violations and reports give it. */
export type InvariantName =
  | 'no-double-charge'
  | 'exactly-once-fulfilment'
  | 'sound-paid'
  | 'monotone-state'
  | 'inert-bad-input'
  | 'no-paid-but-unrecorded'
  | 'agreement'
  | 'closed-loop'
  | 'money-conservation'
  | 'no-duplicate-orders'
  | 'nothing-stuck'
  | 'no-needless-refund'
  | 'paid-within-bound';

export interface Violation {
  readonly invariant: InvariantName;
  /** The trace step at which the violation became true (the last step for end-state checks). */
  readonly step: number;
  readonly atMs: number;
  readonly orders: readonly string[];
  readonly message: string;
}

export interface Invariant {
  readonly name: InvariantName;
  readonly kind: 'safety' | 'quiescence' | 'liveness';
  /** One sentence: what holds when this invariant holds. */
  readonly statement: string;
  check(view: RunView): Violation[];
}

export interface Movement {
  readonly step: number;
  readonly atMs: number;
  readonly orderId: string;
  readonly outTradeNo: string;
  readonly amount: number;
}

export interface StatusChange {
  readonly step: number;
  readonly atMs: number;
  readonly key: string;
  readonly from: string | undefined;
  readonly to: string;
  /** For a payment order marked paid: the trade it names as the one that paid. */
  readonly paidBy?: string;
}

export class RunView {
  readonly captures: Movement[] = [];
  readonly refunds: Movement[] = [];
  readonly fulfilments: Array<{ step: number; atMs: number; orderId: string }> = [];
  readonly orderChanges: StatusChange[] = [];
  readonly paymentChanges: StatusChange[] = [];
  /** Order amount by order id, as the business app reported it. */
  readonly amounts = new Map<string, number>();
  private readonly lastOrder = new Map<string, OrderFact>();
  private readonly lastPayment = new Map<string, PaymentFact>();
  readonly lastStep: number;
  readonly endMs: number;
  private net: Map<string, number> | undefined;
  private ids: Set<string> | undefined;

  constructor(readonly facts: RunFacts) {
    const orderStatus = new Map<string, string>();
    const paymentStatus = new Map<string, string>();
    const shipmentKeys = new Set<string>();
    for (const e of facts.trace) {
      if (e.kind !== 'write' && e.kind !== 'observe' && e.kind !== 'commit') continue;
      if (e.kind === 'write' && e.owner === 'gateway') {
        const row = e.row as Record<string, unknown>;
        // Built whole (the same fields, in the same order, as spreading a shared part would give).
        if (e.table === 'captures')
          this.captures.push({
            step: e.step,
            atMs: e.atMs,
            orderId: row.orderId as string,
            amount: row.amount as number,
            outTradeNo: e.key,
          });
        else if (e.table === 'refunds')
          this.refunds.push({
            step: e.step,
            atMs: e.atMs,
            orderId: row.orderId as string,
            amount: row.amount as number,
            outTradeNo: row.outTradeNo as string,
          });
        continue;
      }
      // A fulfilment is a decision to ship, recorded with its write; a lost update cannot hide one.
      if (e.kind === 'write' && e.fulfils)
        this.fulfilments.push({ step: e.step, atMs: e.atMs, orderId: e.key });
      // What the services said about each order: facts their writes carried, or reported outright.
      for (const fact of factsOf(e)) {
        if (fact.kind === 'shipment') {
          if (newShipment(fact, shipmentKeys))
            this.fulfilments.push({ step: e.step, atMs: e.atMs, orderId: fact.orderId });
        } else if (fact.kind === 'order') {
          this.amounts.set(fact.orderId, fact.amount);
          this.lastOrder.set(fact.orderId, fact);
          track(this.orderChanges, orderStatus, e.step, e.atMs, fact.orderId, fact.status);
        } else {
          this.lastPayment.set(fact.orderId, fact);
          track(this.paymentChanges, paymentStatus, e.step, e.atMs, fact.orderId, fact.status, fact.paidBy);
        }
      }
    }
    const last = facts.trace[facts.trace.length - 1];
    this.lastStep = last?.step ?? 0;
    this.endMs = facts.final.endMs;
  }

  /** What the business app last said about each order. */
  orders(): ReadonlyMap<string, OrderFact> {
    return this.lastOrder;
  }

  /** What the payment center last said about each order's payment. */
  payments(): ReadonlyMap<string, PaymentFact> {
    return this.lastPayment;
  }

  /** Captured minus refunded, per order id, at the end of the run (computed once; do not change it). */
  netCaptured(): ReadonlyMap<string, number> {
    if (this.net !== undefined) return this.net;
    const net = new Map<string, number>();
    for (const c of this.captures) net.set(c.orderId, (net.get(c.orderId) ?? 0) + c.amount);
    for (const r of this.refunds) net.set(r.orderId, (net.get(r.orderId) ?? 0) - r.amount);
    this.net = net;
    return net;
  }

  /** Every order id the run touched: business orders and orders the gateway charged for (computed once). */
  orderIds(): ReadonlySet<string> {
    if (this.ids !== undefined) return this.ids;
    const ids = new Set<string>(this.lastOrder.keys());
    for (const id of this.lastPayment.keys()) ids.add(id);
    for (const c of this.captures) ids.add(c.orderId);
    this.ids = ids;
    return ids;
  }

  violation(
    invariant: InvariantName,
    orders: readonly string[],
    message: string,
    step = this.lastStep,
    atMs = this.endMs,
  ): Violation {
    return { invariant, step, atMs, orders, message };
  }
}

function track(
  changes: StatusChange[],
  current: Map<string, string>,
  step: number,
  atMs: number,
  key: string,
  to: string,
  paidBy?: string,
): void {
  const from = current.get(key);
  if (from === to) return;
  current.set(key, to);
  const change: { -readonly [K in keyof StatusChange]: StatusChange[K] } = { step, atMs, key, from, to };
  if (paidBy !== undefined) change.paidBy = paidBy;
  changes.push(change);
}
