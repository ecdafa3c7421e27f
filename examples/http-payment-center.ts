// A payment center written as a team would write it for Stripe and WeChat Pay: a Hono app, the
// official `stripe` SDK or a signed WeChat Pay v3 client (payment-providers.ts), SQL through a
// node-postgres-shaped client, timers in setTimeout. Nothing in it knows paysim: `httpPaymentCenter`
// runs it unmodified (src/http/http-payment-center.ts). It keeps a payment row per order (paying →
// paid or closed), creates one payment per order idempotently, verifies every callback, records a success with a guarded UPDATE and an outbox
// flag in the same statement, forwards it until the order service takes it, asks Stripe about a
// payment still open after a minute, cancels at close (a succeeded intent cannot be canceled: then
// it is paid), refunds a payment that succeeded after the close, and resumes its outbox and
// checks after a restart. `plantedBug` switches in one of three mistakes:
//   unverified-webhook   takes a callback without checking its signature
//   check-then-act       reads the status, then writes paid with an unguarded UPDATE
//   ignores-cancel-error closes the payment even when Stripe refused to cancel the intent

import { Hono } from 'hono';
import type { HttpAppEnv } from '../src/http/http-payment-center.ts';
import { paymentProvider } from './payment-providers.ts';

export type HttpPaymentCenterBug = 'unverified-webhook' | 'check-then-act' | 'ignores-cancel-error';

export const paymentsSchema = `
  CREATE TABLE payments (
    order_id       text PRIMARY KEY,
    amount         integer NOT NULL,
    status         text NOT NULL,          -- paying, paid, closed
    payment        text,                   -- the provider's id: PaymentIntent id or out_trade_no
    pay_with       text,                   -- what the buyer pays with (JSON)
    paid_by        text,                   -- the payment that paid
    outbox         text,                   -- pending while the order service has not taken the result
    refunded       text                    -- a late payment on a closed order, refunded
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
}

const checkAfterMs = 60_000;
const checks = 5;
const forwardTries = 20;
const forwardEveryMs = 5_000;

export function createPaymentCenter(env: HttpAppEnv, plantedBug?: HttpPaymentCenterBug): Hono {
  const provider = paymentProvider(env);
  const db = env.sql;
  const load = async (orderId: string) =>
    (await db.query<Payment>('SELECT * FROM payments WHERE order_id = $1', [orderId])).rows[0];

  /** Forwards a recorded success until the order service takes it, then clears the outbox. */
  async function forward(orderId: string): Promise<void> {
    for (let i = 0; i < forwardTries; i++) {
      const p = await load(orderId);
      if (p?.outbox !== 'pending') return;
      const res = await fetch(env.resultsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ orderId, payment: p.paid_by, amount: p.amount }),
      }).catch(() => undefined);
      if (res?.ok) {
        await db.query("UPDATE payments SET outbox = 'done' WHERE order_id = $1", [orderId]);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, forwardEveryMs));
    }
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
    const paid =
      plantedBug === 'check-then-act'
        ? await db.query(
            "UPDATE payments SET status = 'paid', paid_by = $2, outbox = 'pending' WHERE order_id = $1",
            [orderId, payment],
          )
        : await db.query(
            "UPDATE payments SET status = 'paid', paid_by = $2, outbox = 'pending' WHERE order_id = $1 AND status = 'paying'",
            [orderId, payment],
          );
    if (paid.rowCount === 1) void forward(orderId).catch(() => undefined);
    else await succeeded(orderId, payment, amount);
  }

  /** Asks the provider about a payment still open, a few times, a minute apart. */
  function checkLater(orderId: string, round = 1): void {
    setTimeout(async () => {
      try {
        const p = await load(orderId);
        if (p?.status !== 'paying' || p.payment === null) return;
        const status = await provider.status(p.payment);
        if (status?.paid) await succeeded(orderId, p.payment, status.amount);
        else if (round < checks) checkLater(orderId, round + 1);
      } catch {
        // An outcome we do not know (a database timeout, say): look again next round.
        if (round < checks) checkLater(orderId, round + 1);
      }
    }, checkAfterMs);
  }

  const app = new Hono();
  app.onError((error, c) => c.json({ error: error.message }, 500));

  app.post('/payments', async (c) => {
    const { orderId, amount } = await c.req.json<{ orderId: string; amount: number }>();
    await db.query(
      "INSERT INTO payments (order_id, amount, status) VALUES ($1, $2, 'paying') ON CONFLICT DO NOTHING",
      [orderId, amount],
    );
    const p = await load(orderId);
    if (p?.status !== 'paying') return c.json({ error: `payment is ${p?.status}` }, 409);
    if (p.pay_with !== null) return c.json(JSON.parse(p.pay_with));
    const created = await provider.create(orderId, amount);
    if (created === undefined) return c.json({ error: 'the provider did not answer' }, 502);
    await db.query('UPDATE payments SET payment = $2, pay_with = $3 WHERE order_id = $1', [
      orderId,
      created.payment,
      JSON.stringify(created.pay),
    ]);
    checkLater(orderId);
    return c.json(created.pay);
  });

  app.post('/payments/:orderId/close', async (c) => {
    const orderId = c.req.param('orderId');
    const p = await load(orderId);
    if (p === undefined || p.status === 'closed') return c.json({ status: 'closed' });
    if (p.status === 'paid') {
      void forward(orderId).catch(() => undefined);
      return c.json({ status: 'paid' }, 409);
    }
    if (p.payment !== null) {
      const canceled = await provider.cancel(p.payment);
      if (canceled !== 'canceled' && plantedBug === 'ignores-cancel-error') {
        await db.query("UPDATE payments SET status = 'closed' WHERE order_id = $1", [orderId]);
        return c.json({ status: 'closed' });
      }
      if (canceled === 'failed') return c.json({ error: 'the provider did not cancel' }, 502);
      if (canceled === 'paid') {
        const status = await provider.status(p.payment);
        if (status?.paid) await succeeded(orderId, p.payment, status.amount);
        return c.json({ status: 'paid' }, 409);
      }
    }
    const closed = await db.query(
      "UPDATE payments SET status = 'closed' WHERE order_id = $1 AND status = 'paying'",
      [orderId],
    );
    if (closed.rowCount === 0) return c.json({ status: (await load(orderId))?.status }, 409);
    return c.json({ status: 'closed' });
  });

  app.get('/payments/:orderId', async (c) => {
    const p = await load(c.req.param('orderId'));
    return c.json({ status: p?.status ?? 'none' });
  });

  app.post(provider.notifyPath, async (c) => {
    const body = await c.req.text();
    const success = provider.callback(
      body,
      (name) => c.req.header(name),
      plantedBug !== 'unverified-webhook',
    );
    if (success === 'forged') return c.text('bad signature', 400);
    if (success !== 'none') await succeeded(success.orderId, success.payment, success.amount);
    return provider.ack();
  });

  // After a (re)start: results not yet taken go out again; open payments are checked.
  void (async () => {
    const { rows } = await db.query<Payment>('SELECT * FROM payments ORDER BY order_id');
    for (const p of rows) {
      if (p.status === 'paid' && p.outbox === 'pending') void forward(p.order_id).catch(() => undefined);
      if (p.status === 'paying') checkLater(p.order_id);
    }
  })().catch(() => undefined);

  return app;
}
