// What `npx paysim check --app examples/paysim.config.ts` loads: the example order service in place
// of the business app model, checked against the hardened design. ORDER_SERVICE_BUG plants one of
// its bugs (ships-every-delivery, get-then-set, release-key-on-timeout) to see it caught.

import { asyncBusinessApp } from '../src/adapters/async-business-app.ts';
import type { PaysimConfig } from '../src/cli/app-config.ts';
import { type OrderServiceBug, orderFacts, SimpleOrderService } from './simple-order-service.ts';

const plantedBug = (process.env.ORDER_SERVICE_BUG || undefined) as OrderServiceBug | undefined;

export default {
  design: 'hardened',
  businessApp: asyncBusinessApp((ports) => new SimpleOrderService(ports, { plantedBug }), {
    project: orderFacts,
  }),
} satisfies PaysimConfig;
