// What `npx paysim check --app examples/payment-center.config.ts` loads: the example payment center
// in place of the model. PAYMENT_CENTER_BUG plants one of its bugs (non-idempotent-notify,
// check-then-act, memory-dedupe); PAYMENT_CENTER_STORE=sql keeps its payments in PostgreSQL
// (in-process PGlite) instead of in memory. A replay line runs against whatever these say when it
// runs, so replay with the same environment.

import type { PaysimConfig } from '../src/cli/app-config.ts';
import type { PaymentStoreKind } from './payment-store.ts';
import { paymentCenter, type SimplePaymentCenterOptions } from './simple-payment-center.ts';

const plantedBug = (process.env.PAYMENT_CENTER_BUG || undefined) as SimplePaymentCenterOptions['plantedBug'];
const store = (process.env.PAYMENT_CENTER_STORE || 'memory') as PaymentStoreKind;

export default {
  design: 'hardened',
  paymentCenter: paymentCenter({ plantedBug, store }),
} satisfies PaysimConfig;
