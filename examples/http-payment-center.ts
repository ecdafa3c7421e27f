// The example payment center as a team would ship it for Stripe and WeChat Pay: a Hono app over its
// logic (payment-service.ts), the official `stripe` SDK or a signed WeChat Pay v3 client
// (payment-providers.ts), SQL through a node-postgres-shaped client, results posted with fetch and
// retried with setTimeout. Nothing in it knows paysim: `httpPaymentCenter` runs it unmodified
// (src/http/http-payment-center.ts). `plantedBug` switches in one of the logic's mistakes.

import { Hono } from 'hono';
import type { HttpAppEnv } from '../src/http/http-payment-center.ts';
import { paymentProvider } from './payment-providers.ts';
import { type PaymentServiceBug, paymentService } from './payment-service.ts';

export { paymentsFacts, paymentsSchema } from './payment-service.ts';
export type HttpPaymentCenterBug = PaymentServiceBug;

export function createPaymentCenter(env: HttpAppEnv, plantedBug?: HttpPaymentCenterBug): Hono {
  const provider = paymentProvider(env);
  const payments = paymentService({
    db: env.sql,
    provider,
    plantedBug,
    async deliver(result) {
      const res = await fetch(env.resultsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(result),
      });
      return res.ok;
    },
    later: (ms, task) => void setTimeout(() => void task().catch(() => undefined), ms),
  });

  const app = new Hono();
  app.onError((error, c) => c.json({ error: error.message }, 500));
  const reply = ({ status, body }: { status: number; body: object }) => Response.json(body, { status });

  app.post('/payments', async (c) => {
    const { orderId, amount } = await c.req.json<{ orderId: string; amount: number }>();
    return reply(await payments.create(orderId, amount));
  });
  app.post('/payments/:orderId/close', async (c) => reply(await payments.close(c.req.param('orderId'))));
  app.get('/payments/:orderId', async (c) => reply(await payments.status(c.req.param('orderId'))));
  app.post(provider.notifyPath, async (c) => {
    const outcome = await payments.notify(await c.req.text(), (name) => c.req.header(name));
    return outcome === 'ack' ? provider.ack() : c.text('bad signature', 400);
  });

  void payments.recover().catch(() => undefined);
  return app;
}
