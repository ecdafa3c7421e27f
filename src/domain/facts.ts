// What each service tells the checkers about an order, in paysim's words: the only contract between
// an implementation and the invariants. The model's services derive facts from their own rows; a
// service behind a port derives them from its own schema with a projection, or reports them. The
// checkers never read a service's tables.

import type { TraceEntry } from '../kernel/trace.ts';
import type { OrderRow, OrderStatus, PaymentRow, PaymentStatus } from './rows.ts';

/** The payment center's view of one order's payment. */
export interface PaymentFact {
  readonly kind: 'payment';
  readonly orderId: string;
  /** `paying` while a gateway attempt is open; `closing` while it closes it; then `paid`, `closed` or `exception`. */
  readonly status: PaymentStatus;
  /** For `paid`: the out_trade_no of the capture that paid it. */
  readonly paidBy?: string;
  /** For `exception`: why, for a person to read. */
  readonly reason?: string;
}

/** The business app's view of one order. */
export interface OrderFact {
  readonly kind: 'order';
  readonly orderId: string;
  /** The submission it was created for: two orders for one intent are duplicates. */
  readonly intentId: string;
  readonly amount: number;
  readonly status: OrderStatus;
  readonly reason?: string;
}

/** The business app shipped (fulfilled) the order. Shipments under one `key` are one shipment. */
export interface ShipmentFact {
  readonly kind: 'shipment';
  readonly orderId: string;
  /** The idempotency key the warehouse was given; absent, every report is a shipment. */
  readonly key?: string;
}

export type Fact = PaymentFact | OrderFact | ShipmentFact;

/**
 * How a service's writes are told as facts: a row of one of its tables (with the row it replaces,
 * if any) says some facts, one, or nothing.
 */
export type Projection = (
  table: string,
  key: string,
  row: object,
  before: object | undefined,
) => Fact | readonly Fact[] | undefined;

/** The facts a trace entry carries, as a list. */
export function factsOf(entry: TraceEntry): readonly Fact[] {
  if (entry.kind !== 'write' && entry.kind !== 'observe' && entry.kind !== 'commit') return noFacts;
  const fact = entry.fact as Fact | readonly Fact[] | undefined;
  if (fact === undefined) return noFacts;
  return Array.isArray(fact) ? fact : [fact as Fact];
}

const noFacts: readonly Fact[] = Object.freeze([]);

/** Whether a shipment is new: one without a key always is; one with a key, the first time. */
export function newShipment(fact: ShipmentFact, seen: Set<string>): boolean {
  if (fact.key === undefined) return true;
  const id = `${fact.orderId}\u0000${fact.key}`;
  if (seen.has(id)) return false;
  seen.add(id);
  return true;
}

/** The payment center model's projection: its `payments` rows. */
export function paymentFactOf(table: string, key: string, row: object): PaymentFact | undefined {
  if (table !== 'payments') return undefined;
  const p = row as PaymentRow;
  // Field by field, in the order a spread of the optional ones would give (facts go into traces).
  const fact: { -readonly [K in keyof PaymentFact]: PaymentFact[K] } = {
    kind: 'payment',
    orderId: key,
    status: p.status,
  };
  if (p.paidBy !== undefined) fact.paidBy = p.paidBy;
  if (p.reason !== undefined) fact.reason = p.reason;
  return fact;
}

/** The business app model's projection: its `orders` rows. */
export function orderFactOf(table: string, key: string, row: object): OrderFact | undefined {
  if (table !== 'orders') return undefined;
  const o = row as OrderRow;
  const fact: { -readonly [K in keyof OrderFact]: OrderFact[K] } = {
    kind: 'order',
    orderId: key,
    intentId: o.intentId,
    amount: o.amount,
    status: o.status,
  };
  if (o.reason !== undefined) fact.reason = o.reason;
  return fact;
}

/** The last fact each service gave about each order in a run, and how many shipments were recorded. */
export function lastFacts(trace: readonly TraceEntry[]): {
  orders: Map<string, OrderFact>;
  payments: Map<string, PaymentFact>;
  shipments: Map<string, number>;
} {
  const orders = new Map<string, OrderFact>();
  const payments = new Map<string, PaymentFact>();
  const shipments = new Map<string, number>();
  const keys = new Set<string>();
  const ship = (orderId: string) => shipments.set(orderId, (shipments.get(orderId) ?? 0) + 1);
  for (const e of trace) {
    if (e.kind === 'write' && e.fulfils) ship(e.key);
    for (const fact of factsOf(e)) {
      if (fact.kind === 'payment') payments.set(fact.orderId, fact);
      else if (fact.kind === 'order') orders.set(fact.orderId, fact);
      else if (newShipment(fact, keys)) ship(fact.orderId);
    }
  }
  return { orders, payments, shipments };
}
