// The payment center as a service: one payment-order actor per business order, rebuilt from the
// `payments` table after a crash. Messages for orders it does not know get the answer a real
// service would give (nothing to close, no such payment, callback rejected).

import type { Design } from '../designs/design.ts';
import { paymentFactOf } from '../domain/facts.ts';
import { orderIdOf } from '../domain/messages.ts';
import type { PaymentRow } from '../domain/rows.ts';
import type { ProviderProfile } from '../fakes/providers/provider-profile.ts';
import { type Envelope, MachineHost, type Restored, type World } from '../kernel/index.ts';
import { type PaymentOrderInput, paymentOrderMachine } from '../machines/payment-order.machine.ts';
import { type ReconciliationInput, reconciliationMachine } from '../machines/reconciliation.machine.ts';

type Incoming = {
  type: string;
  orderId?: string;
  outTradeNo?: string;
  amount?: number;
  notification?: { outTradeNo: string; timestampMs: number };
};

function paymentOrderKey(msg: Incoming): string | undefined {
  if (msg.orderId !== undefined) return msg.orderId;
  const outTradeNo = msg.outTradeNo ?? msg.notification?.outTradeNo;
  return outTradeNo === undefined ? undefined : orderIdOf(outTradeNo);
}

const reconciliationKey = 'reconciliation';

export function paymentCenter(
  world: World,
  design: Design,
  profile: ProviderProfile,
): MachineHost<PaymentOrderInput | ReconciliationInput> {
  return new MachineHost<PaymentOrderInput | ReconciliationInput>(world, {
    address: 'pc',
    machine: paymentOrderMachine,
    route(env) {
      const msg = env.msg as Incoming;
      if (msg.type === 'gateway.bill.result') return { key: reconciliationKey };
      const key = paymentOrderKey(msg);
      if (key === undefined) return undefined;
      const spawn =
        msg.type === 'payment.create'
          ? { orderId: key, amount: msg.amount as number, design, profile }
          : undefined;
      return { key, spawn };
    },
    restore(w) {
      return restorePayments(w, design, profile);
    },
    unhandled: answerUnknownOrder,
    project: paymentFactOf,
    concurrency: { guard: design.paymentCenter.writes },
    requests: { to: 'gateway', timeoutMs: design.timing.requestTimeoutMs },
  });
}

// Made once, not per run (see restoreUsers in users.ts: a generator function per run is costly).
function* restorePayments(
  w: World,
  design: Design,
  profile: ProviderProfile,
): Generator<Restored<PaymentOrderInput | ReconciliationInput>> {
  const reconciliation = design.mitigations.reconciliation;
  if (reconciliation !== false) {
    const input = { afterMs: reconciliation.afterMs, requestTimeoutMs: design.timing.requestTimeoutMs };
    yield [reconciliationKey, input, reconciliationMachine];
  }
  for (const [orderId, row] of w.store('pc').rows('payments')) {
    const restored = row as PaymentRow;
    yield [orderId, { orderId, amount: restored.amount, design, profile, restored }];
  }
}

/** What the payment center answers about an order it has no payment for. */
function answerUnknownOrder(env: Envelope, world: World): void {
  const msg = env.msg as Incoming;
  const orderId = paymentOrderKey(msg);
  if (msg.type === 'payment.close') world.send('pc', env.from, { type: 'payment.closed', orderId });
  else if (msg.type === 'payment.query')
    world.send('pc', env.from, { type: 'payment.status', orderId, status: 'none' });
  else if (msg.type === 'gateway.notify') {
    world.send('pc', env.from, {
      type: 'gateway.notify.ack',
      outTradeNo: msg.notification?.outTradeNo,
      notifiedAtMs: msg.notification?.timestampMs,
      httpStatus: 404,
      body: 'FAIL',
    });
  }
}
