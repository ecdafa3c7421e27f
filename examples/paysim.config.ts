// What `npx paysim check --app examples/paysim.config.ts` loads: the example order service in place
// of the business app model, checked against the hardened design. ORDER_SERVICE_BUG plants one of
// its bugs (ships-every-delivery, get-then-set, release-key-on-timeout) to see it caught;
// ORDER_SERVICE_STORE=sql keeps its orders in PostgreSQL (in-process PGlite) instead of in memory.
// A replay line runs against whatever these say when it runs, so replay with the same environment.

import type { PaysimConfig } from '../src/cli/app-config.ts';
import type { OrderStoreKind } from './order-store.ts';
import { type OrderServiceBug, orderService } from './simple-order-service.ts';

const plantedBug = (process.env.ORDER_SERVICE_BUG || undefined) as OrderServiceBug | undefined;
const store = (process.env.ORDER_SERVICE_STORE || 'memory') as OrderStoreKind;

export default {
  design: 'hardened',
  businessApp: orderService({ plantedBug, store }),
} satisfies PaysimConfig;
