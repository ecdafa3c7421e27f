// What `npx paysim check --app examples/http-payment-center.config.ts` loads: the Hono + Stripe
// payment center (http-payment-center.ts), unmodified, in place of the model, on Stripe (or WeChat
// Pay with --design hardened,provider=wechat).
// HTTP_PAYMENT_CENTER_BUG plants one of its bugs (unverified-webhook, check-then-act,
// ignores-cancel-error); PAYSIM_SQL_SERVER=postgres://postgres@127.0.0.1:5432/postgres runs its SQL on
// that PostgreSQL server instead of the in-process one. Replay a printed line with the same
// environment.

import type { PaysimConfig } from '../src/cli/app-config.ts';
import { httpPaymentCenter } from '../src/http/http-payment-center.ts';
import {
  createPaymentCenter,
  type HttpPaymentCenterBug,
  paymentsFacts,
  paymentsSchema,
} from './http-payment-center.ts';

const plantedBug = (process.env.HTTP_PAYMENT_CENTER_BUG || undefined) as HttpPaymentCenterBug | undefined;

export default {
  design: 'hardened,provider=stripe',
  paymentCenter: httpPaymentCenter({
    start: (env) => createPaymentCenter(env, plantedBug).fetch,
    sql: { schema: paymentsSchema, facts: paymentsFacts, server: process.env.PAYSIM_SQL_SERVER || undefined },
  }),
} satisfies PaysimConfig;
