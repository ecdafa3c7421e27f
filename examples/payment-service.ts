// The example payment center's logic, as a team keeps it apart from its web framework: what to do
// when a payment is asked for, closed, looked up, or confirmed by the provider, and after a restart.
// It takes everything it talks to as arguments (SQL, a provider, how to deliver a result to the order
// service, how to run something later), so the same code runs as a Hono app that paysim drives over
// HTTP (http-payment-center.ts) and behind paysim's port (payment-center-behind-port.ts).
//
// It keeps a payment row per order (paying → paid or closed), creates one payment per order
// idempotently, verifies every callback, records a success with a guarded UPDATE and an outbox flag
// in the same statement, delivers it until the order service takes it, asks the provider about a
// payment still open after a minute, cancels at close (a paid payment cannot be canceled: then it is
// paid), refunds a payment that succeeded after the close, and resumes its outbox and checks after a
// restart. `plantedBug` switches in one of its mistakes:
//   unverified-webhook    takes a callback without checking its signature
//   check-then-act        reads the status, then writes paid with an unguarded UPDATE
//   ignores-cancel-error  closes the payment even when the provider refused to cancel it
//   acks-before-commit    answers the callback first and records the success afterwards

import type { Sql } from '../src/adapters/sql-port.ts';
import type { PaymentProvider } from './payment-providers.ts';

export type PaymentServiceBug =
  | 'unverified-webhook'
  | 'check-then-act'
  | 'ignores-cancel-error'
  | 'acks-before-commit';

export const paymentsSchema = `
  CREATE TABLE payments (
    order_id       text PRIMARY KEY,
    amount         integer NOT NULL,
    status         text NOT NULL,          -- paying, paid, closed
    payment        text,                   -- the provider's id: PaymentIntent id or out_trade_no
    pay_with       text,                   -- what the buyer pays with (JSON)
    paid_by        text,                   -- the payment that paid
    outbox         text,                   -- pending while the order service has not taken the result
    refunded       text,                   -- a late payment on a closed order, refunded
    watch_until    bigint                  -- closed before the buyer opened it: payable until then
  );`;

/** Our rows, as paysim's facts: the status words are already paysim's. */
export const paymentsFacts = `
  SELECT 'payment' AS kind, order_id AS "orderId", status, paid_by AS "paidBy" FROM payments ORDER BY order_id`;

interface Payment {
  order_id: string;
  amount: number;
  status: 'paying' | 'paid' | 'closed';
  payment: string | null;
  pay_with: string | null;
  paid_by: string | null;
  outbox: string | null;
  refunded: string | null;
  watch_until: string | null;
}

/** An answer to the caller: an HTTP status and a JSON body. */
export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface PaymentServiceDeps {
  readonly db: Pick<Sql, 'query'>;
  readonly provider: PaymentProvider;
  /** Sends a recorded success to the order service; true when it took it. */
  deliver(result: { orderId: string; payment: string; amount: number }): Promise<boolean>;
  /** Runs `task` after `ms` (setTimeout in the app; a crash loses it). */
  later(ms: number, task: () => Promise<void>): void;
  readonly plantedBug?: PaymentServiceBug;
}

const checkAfterMs = 60_000;
const checks = 5;
const deliverTries = 20;
const deliverEveryMs = 5_000;
/** How long a payment stays payable: what we ask the provider for (Alipay timeout_express=120m). */
export const paymentExpiresAfterMs = 2 * 60 * 60_000;
/** A payment closed before the buyer opened it is looked at again after these waits. */
const unopenedChecksAfterMs = [60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_840_000];

export function paymentService({ db, provider, deliver, later, plantedBug }: PaymentServiceDeps) {
  const load = async (orderId: string) =>
    (await db.query<Payment>('SELECT * FROM payments WHERE order_id = $1', [orderId])).rows[0];
  const background = (task: Promise<void>) => void task.catch(() => undefined);

  /** Delivers a recorded success until the order service takes it, then clears the outbox. */
  async function forward(orderId: string, tries = deliverTries): Promise<void> {
    const p = await load(orderId);
    if (p?.outbox !== 'pending' || p.paid_by === null) return;
    const took = await deliver({ orderId, payment: p.paid_by, amount: p.amount }).catch(() => false);
    if (took) await db.query("UPDATE payments SET outbox = 'done' WHERE order_id = $1", [orderId]);
    else if (tries > 1) later(deliverEveryMs, () => forward(orderId, tries - 1));
  }

  /** A verified success: paid once (guarded), forwarded; on a closed order, refunded instead. */
  async function succeeded(orderId: string, payment: string, amount: number): Promise<void> {
    const p = await load(orderId);
    if (p === undefined || amount !== p.amount) return;
    if (p.status === 'closed') {
      if (p.refunded === payment) return;
      await provider.refund(payment, amount);
      await db.query('UPDATE payments SET refunded = $2 WHERE order_id = $1', [orderId, payment]);
      return;
    }
    if (p.status === 'paid') return;
    const guard = plantedBug === 'check-then-act' ? '' : " AND status = 'paying'";
    const paid = await db.query(
      `UPDATE payments SET status = 'paid', paid_by = $2, outbox = 'pending' WHERE order_id = $1${guard}`,
      [orderId, payment],
    );
    if (paid.rowCount === 1) background(forward(orderId));
    else await succeeded(orderId, payment, amount);
  }

  /** Asks the provider about a payment still open, a few times, a minute apart. */
  function checkLater(orderId: string, round = 1): void {
    later(checkAfterMs, async () => {
      try {
        const p = await load(orderId);
        if (p?.status !== 'paying' || p.payment === null) return;
        const status = await provider.status(p.payment);
        if (status?.paid) await succeeded(orderId, p.payment, status.amount ?? p.amount);
        else if (round < checks) checkLater(orderId, round + 1);
      } catch {
        // An outcome we do not know (a database timeout, say): look again next round.
        if (round < checks) checkLater(orderId, round + 1);
      }
    });
  }

  /**
   * A payment closed before the buyer opened it can still be opened and paid until it expires
   * (Alipay: the trade does not exist until the QR code is scanned, so there is nothing to close):
   * look again now and then until it expires, and refund what was paid.
   */
  function watchUnopened(orderId: string, waits = unopenedChecksAfterMs): void {
    const [wait, ...rest] = waits;
    if (wait === undefined) return;
    later(wait, async () => {
      const p = await load(orderId);
      if (p?.status !== 'closed' || p.refunded !== null || p.payment === null || p.watch_until === null)
        return;
      if (Number(p.watch_until) < Date.now()) return;
      const status = await provider.status(p.payment).catch(() => undefined);
      if (status?.paid) await succeeded(orderId, p.payment, status.amount ?? p.amount);
      else watchUnopened(orderId, rest.length > 0 ? rest : [Math.max(0, Number(p.watch_until) - Date.now())]);
    });
  }

  return {
    /** A payment for the order, created once: what the buyer pays with. */
    async create(orderId: string, amount: number): Promise<Reply> {
      await db.query(
        "INSERT INTO payments (order_id, amount, status) VALUES ($1, $2, 'paying') ON CONFLICT DO NOTHING",
        [orderId, amount],
      );
      const p = await load(orderId);
      if (p?.status !== 'paying') return { status: 409, body: { error: `payment is ${p?.status}` } };
      if (p.pay_with !== null) return { status: 200, body: JSON.parse(p.pay_with) };
      const created = await provider.create(orderId, amount);
      if (created === undefined) return { status: 502, body: { error: 'the provider did not answer' } };
      await db.query('UPDATE payments SET payment = $2, pay_with = $3 WHERE order_id = $1', [
        orderId,
        created.payment,
        JSON.stringify(created.pay),
      ]);
      checkLater(orderId);
      return { status: 200, body: created.pay };
    },

    /** Closes an unpaid payment; 409 when it is paid after all. */
    async close(orderId: string): Promise<Reply> {
      const p = await load(orderId);
      if (p === undefined || p.status === 'closed') return { status: 200, body: { status: 'closed' } };
      if (p.status === 'paid') {
        background(forward(orderId));
        return { status: 409, body: { status: 'paid' } };
      }
      if (p.payment !== null) {
        const canceled = await provider.cancel(p.payment);
        if (canceled !== 'canceled' && plantedBug === 'ignores-cancel-error') {
          await db.query("UPDATE payments SET status = 'closed' WHERE order_id = $1", [orderId]);
          return { status: 200, body: { status: 'closed' } };
        }
        if (canceled === 'failed') return { status: 502, body: { error: 'the provider did not cancel' } };
        if (canceled === 'unopened') {
          const closed = await db.query(
            "UPDATE payments SET status = 'closed', watch_until = $2 WHERE order_id = $1 AND status = 'paying'",
            [orderId, Date.now() + paymentExpiresAfterMs],
          );
          if (closed.rowCount === 0) return { status: 409, body: { status: (await load(orderId))?.status } };
          watchUnopened(orderId);
          return { status: 200, body: { status: 'closed' } };
        }
        if (canceled === 'paid') {
          const status = await provider.status(p.payment);
          if (status?.paid) await succeeded(orderId, p.payment, status.amount ?? p.amount);
          return { status: 409, body: { status: 'paid' } };
        }
      }
      const closed = await db.query(
        "UPDATE payments SET status = 'closed' WHERE order_id = $1 AND status = 'paying'",
        [orderId],
      );
      if (closed.rowCount === 0) return { status: 409, body: { status: (await load(orderId))?.status } };
      return { status: 200, body: { status: 'closed' } };
    },

    async status(orderId: string): Promise<Reply> {
      const p = await load(orderId);
      return { status: 200, body: { status: p?.status ?? 'none' } };
    },

    /** A provider's callback: `ack` once it is recorded (or is not a success), `reject` if forged. */
    async notify(body: string, header: (name: string) => string | undefined): Promise<'ack' | 'reject'> {
      const success = provider.callback(body, header, plantedBug !== 'unverified-webhook');
      if (success === 'forged') return 'reject';
      if (success === 'none') return 'ack';
      const record = succeeded(success.orderId, success.payment, success.amount);
      if (plantedBug === 'acks-before-commit') background(record);
      else await record;
      return 'ack';
    },

    /** After a (re)start: results not yet taken go out again; open payments are checked. */
    async recover(): Promise<void> {
      const { rows } = await db.query<Payment>('SELECT * FROM payments ORDER BY order_id');
      for (const p of rows) {
        if (p.status === 'paid' && p.outbox === 'pending') background(forward(p.order_id));
        if (p.status === 'paying') checkLater(p.order_id);
        if (p.status === 'closed' && p.watch_until !== null && p.refunded === null) watchUnopened(p.order_id);
      }
    },
  };
}
