// A payment center written as a team would write it for Stripe: a Hono app, the official `stripe`
// SDK, SQL through a node-postgres-shaped client, timers in setTimeout. Nothing in it knows paysim:
// `httpPaymentCenter` runs it unmodified (src/http/http-payment-center.ts). It keeps a payment row
// per order (paying → paid or closed), creates one PaymentIntent per order under an idempotency
// key, verifies every webhook's signature, records a success with a guarded UPDATE and an outbox
// flag in the same statement, forwards it until the order service takes it, asks Stripe about a
// payment still open after a minute, cancels at close (a succeeded intent cannot be canceled: then
// it is paid), refunds a payment that succeeded after the close, and resumes its outbox and
// checks after a restart. `plantedBug` switches in one of three mistakes:
//   unverified-webhook   parses the webhook body without checking its Stripe-Signature
//   check-then-act       reads the status, then writes paid with an unguarded UPDATE
//   ignores-cancel-error closes the payment even when Stripe refused to cancel the intent

import { Hono } from 'hono';
import Stripe from 'stripe';
import type { HttpAppEnv } from '../src/http/http-payment-center.ts';

export type HttpPaymentCenterBug = 'unverified-webhook' | 'check-then-act' | 'ignores-cancel-error';

export const paymentsSchema = `
  CREATE TABLE payments (
    order_id       text PRIMARY KEY,
    amount         integer NOT NULL,
    status         text NOT NULL,          -- paying, paid, closed
    payment_intent text,
    client_secret  text,
    paid_by        text,                   -- the PaymentIntent that paid
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
  payment_intent: string | null;
  client_secret: string | null;
  paid_by: string | null;
  outbox: string | null;
  refunded: string | null;
}

const checkAfterMs = 60_000;
const checks = 5;
const forwardTries = 20;
const forwardEveryMs = 5_000;

export function createPaymentCenter(env: HttpAppEnv, plantedBug?: HttpPaymentCenterBug): Hono {
  const stripe = new Stripe(env.stripe.secretKey, {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 2,
  });
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
        body: JSON.stringify({ orderId, paymentIntent: p.paid_by, amount: p.amount }),
      }).catch(() => undefined);
      if (res?.ok) {
        await db.query("UPDATE payments SET outbox = 'done' WHERE order_id = $1", [orderId]);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, forwardEveryMs));
    }
  }

  /** A verified success: paid once (guarded), forwarded; on a closed order, refunded instead. */
  async function succeeded(orderId: string, intentId: string, amount: number): Promise<void> {
    const p = await load(orderId);
    if (p === undefined || amount !== p.amount) return;
    if (p.status === 'closed') {
      if (p.refunded === intentId) return;
      await stripe.refunds.create({ payment_intent: intentId }, { idempotencyKey: `refund-${intentId}` });
      await db.query('UPDATE payments SET refunded = $2 WHERE order_id = $1', [orderId, intentId]);
      return;
    }
    if (p.status === 'paid') return;
    const paid =
      plantedBug === 'check-then-act'
        ? await db.query(
            "UPDATE payments SET status = 'paid', paid_by = $2, outbox = 'pending' WHERE order_id = $1",
            [orderId, intentId],
          )
        : await db.query(
            "UPDATE payments SET status = 'paid', paid_by = $2, outbox = 'pending' WHERE order_id = $1 AND status = 'paying'",
            [orderId, intentId],
          );
    if (paid.rowCount === 1) void forward(orderId).catch(() => undefined);
    else await succeeded(orderId, intentId, amount);
  }

  /** Asks Stripe about a payment still open, a few times, a minute apart. */
  function checkLater(orderId: string, round = 1): void {
    setTimeout(async () => {
      const p = await load(orderId).catch(() => undefined);
      if (p?.status !== 'paying' || p.payment_intent === null) return;
      const intent = await stripe.paymentIntents.retrieve(p.payment_intent).catch(() => undefined);
      if (intent?.status === 'succeeded') await succeeded(orderId, intent.id, intent.amount);
      else if (round < checks) checkLater(orderId, round + 1);
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
    if (p.client_secret !== null) return c.json({ client_secret: p.client_secret });
    const intent = await stripe.paymentIntents
      .create(
        { amount, currency: 'usd', metadata: { order_id: orderId } },
        { idempotencyKey: `pay-${orderId}` },
      )
      .catch(() => undefined);
    if (intent === undefined) return c.json({ error: 'Stripe did not answer' }, 502);
    await db.query('UPDATE payments SET payment_intent = $2, client_secret = $3 WHERE order_id = $1', [
      orderId,
      intent.id,
      intent.client_secret,
    ]);
    checkLater(orderId);
    return c.json({ client_secret: intent.client_secret });
  });

  app.post('/payments/:orderId/close', async (c) => {
    const orderId = c.req.param('orderId');
    const p = await load(orderId);
    if (p === undefined || p.status === 'closed') return c.json({ status: 'closed' });
    if (p.status === 'paid') {
      void forward(orderId).catch(() => undefined);
      return c.json({ status: 'paid' }, 409);
    }
    if (p.payment_intent !== null) {
      try {
        await stripe.paymentIntents.cancel(p.payment_intent);
      } catch (error) {
        if (plantedBug === 'ignores-cancel-error') {
          await db.query("UPDATE payments SET status = 'closed' WHERE order_id = $1", [orderId]);
          return c.json({ status: 'closed' });
        }
        if ((error as { code?: string }).code !== 'payment_intent_unexpected_state')
          return c.json({ error: 'Stripe did not cancel' }, 502);
        const intent = await stripe.paymentIntents.retrieve(p.payment_intent);
        if (intent.status === 'succeeded') await succeeded(orderId, intent.id, intent.amount);
        return c.json({ status: intent.status }, 409);
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

  app.post('/webhooks/stripe', async (c) => {
    const body = await c.req.text();
    let event: Stripe.Event;
    try {
      event =
        plantedBug === 'unverified-webhook'
          ? (JSON.parse(body) as Stripe.Event)
          : stripe.webhooks.constructEvent(
              body,
              c.req.header('stripe-signature') ?? '',
              env.stripe.webhookSecret,
            );
    } catch {
      return c.text('bad signature', 400);
    }
    if (event.type !== 'payment_intent.succeeded') return c.body(null, 200);
    const intent = event.data.object;
    const orderId = intent.metadata.order_id as string;
    await succeeded(orderId, intent.id, intent.amount);
    return c.body(null, 200);
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
