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

/** The business app shipped (fulfilled) the order once. */
export interface ShipmentFact {
  readonly kind: 'shipment';
  readonly orderId: string;
}

export type Fact = PaymentFact | OrderFact | ShipmentFact;

/** How a service's writes are told as facts: a row of one of its tables, or nothing. */
export type Projection = (table: string, key: string, row: object) => Fact | undefined;

/** The payment center model's projection: its `payments` rows. */
export function paymentFactOf(table: string, key: string, row: object): PaymentFact | undefined {
  if (table !== 'payments') return undefined;
  const p = row as PaymentRow;
  return {
    kind: 'payment',
    orderId: key,
    status: p.status,
    ...(p.paidBy === undefined ? {} : { paidBy: p.paidBy }),
    ...(p.reason === undefined ? {} : { reason: p.reason }),
  };
}

/** The business app model's projection: its `orders` rows. */
export function orderFactOf(table: string, key: string, row: object): OrderFact | undefined {
  if (table !== 'orders') return undefined;
  const o = row as OrderRow;
  return {
    kind: 'order',
    orderId: key,
    intentId: o.intentId,
    amount: o.amount,
    status: o.status,
    ...(o.reason === undefined ? {} : { reason: o.reason }),
  };
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
  for (const e of trace) {
    if (e.kind !== 'write' && e.kind !== 'observe') continue;
    const fact = e.fact as Fact | undefined;
    if (fact?.kind === 'payment') payments.set(fact.orderId, fact);
    if (fact?.kind === 'order') orders.set(fact.orderId, fact);
    if ((e.kind === 'write' && e.fulfils) || fact?.kind === 'shipment') {
      const orderId = fact?.orderId ?? (e.kind === 'write' ? e.key : '');
      shipments.set(orderId, (shipments.get(orderId) ?? 0) + 1);
    }
  }
  return { orders, payments, shipments };
}
