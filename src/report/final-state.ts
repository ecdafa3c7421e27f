// The orders' final states side by side: what the business app, the payment center and the
// gateway each believe at the end of a run.

import type { RunResult } from '../check/simulate.ts';
import { lastFacts, type PaymentFact } from '../domain/facts.ts';
import type { TradeRow } from '../domain/rows.ts';

export interface OrderOutcome {
  readonly orderId: string;
  readonly app: string;
  readonly pc: string;
  readonly gateway: string;
  readonly captured: number;
  readonly refunded: number;
  readonly fulfilments: number;
}

export function orderOutcomes(result: RunResult, only: readonly string[] = []): OrderOutcome[] {
  const { stores } = result.final;
  // The services' own words (facts), not their tables; the gateway is paysim's own fake.
  const { orders, payments, shipments } = lastFacts(result.trace);
  const trades = Object.values((stores.gateway?.trades ?? {}) as Record<string, TradeRow>);
  const captures = Object.values(
    (stores.gateway?.captures ?? {}) as Record<string, { orderId: string; amount: number }>,
  );
  const refunds = Object.values(
    (stores.gateway?.refunds ?? {}) as Record<string, { orderId: string; amount: number }>,
  );
  const ids = new Set([...orders.keys(), ...payments.keys(), ...trades.map((t) => t.orderId)]);
  const sum = (rows: Array<{ orderId: string; amount: number }>, id: string) =>
    rows.filter((r) => r.orderId === id).reduce((a, r) => a + r.amount, 0);
  return [...ids]
    .filter((id) => only.length === 0 || only.includes(id))
    .sort()
    .map((orderId) => ({
      orderId,
      app: orders.get(orderId)?.status ?? 'none',
      pc: describePayment(payments.get(orderId)),
      gateway:
        trades
          .filter((t) => t.orderId === orderId)
          .map((t) => `${t.outTradeNo} ${t.status}`)
          .join(', ') || 'none',
      captured: sum(captures, orderId),
      refunded: sum(refunds, orderId),
      fulfilments: shipments.get(orderId) ?? 0,
    }));
}

function describePayment(p: PaymentFact | undefined): string {
  if (p === undefined) return 'none';
  return `${p.status}${p.reason ? ` (${p.reason})` : ''}`;
}

export function renderOutcomes(outcomes: readonly OrderOutcome[]): string[] {
  return outcomes.map(
    (o) =>
      `${o.orderId.padEnd(6)} business app: ${o.app} · payment center: ${o.pc} · gateway: ${o.gateway} · captured ${o.captured}, refunded ${o.refunded}, fulfilled ${o.fulfilments}×`,
  );
}
