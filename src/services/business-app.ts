// The business app as a service: one business-order actor per submission, rebuilt from the
// `orders` table after a crash. A result for an order it never created is acknowledged and dropped.

import type { Design } from '../designs/design.ts';
import { orderFactOf } from '../domain/facts.ts';
import type { OrderRow } from '../domain/rows.ts';
import { MachineHost, type Message, type World } from '../kernel/index.ts';
import { type BusinessOrderInput, businessOrderMachine } from '../machines/business-order.machine.ts';

type Incoming = {
  type: string;
  orderId?: string;
  intentId?: string;
  amount?: number;
  userId?: string;
  ack?: { to: string; msg: Message };
};

export function businessApp(world: World, design: Design): MachineHost<BusinessOrderInput> {
  return new MachineHost<BusinessOrderInput>(world, {
    address: 'app',
    machine: businessOrderMachine,
    route(env) {
      const msg = env.msg as Incoming;
      if (msg.orderId === undefined) return undefined;
      const spawn =
        msg.type === 'order.submit'
          ? {
              orderId: msg.orderId,
              intentId: msg.intentId as string,
              amount: msg.amount as number,
              user: msg.userId as string,
              design,
            }
          : undefined;
      return { key: msg.orderId, spawn };
    },
    restore(w) {
      return restoreOrders(w, design);
    },
    unhandled(env, w) {
      const msg = env.msg as Incoming;
      if (msg.type === 'payment.succeeded' && msg.ack !== undefined) w.send('app', msg.ack.to, msg.ack.msg);
    },
    concurrency: { guard: design.businessApp.writes },
    project: orderFactOf,
  });
}

// Made once, not per run (see restoreUsers in users.ts: a generator function per run is costly).
function* restoreOrders(w: World, design: Design): Generator<[string, BusinessOrderInput]> {
  for (const [orderId, row] of w.store('app').rows('orders')) {
    const restored = row as OrderRow;
    yield [
      orderId,
      {
        orderId,
        intentId: restored.intentId,
        amount: restored.amount,
        user: restored.user,
        design,
        restored,
      },
    ];
  }
}
