// The HTTP example's payment logic (payment-service.ts), unchanged, behind paysim's payment center
// port instead of a web framework: the port's handlers call it, its provider is the port's gateway
// client, its results go out through the port, its timers are the port's. The benchmark runs it
// beside the same logic served over HTTP, so the difference is what HTTP, the SDKs, msw and the
// fake clock cost.

import { asyncPaymentCenter } from '../src/adapters/async-payment-center.ts';
import type { PaymentCenterPorts } from '../src/adapters/payment-center-port.ts';
import type { PaymentCenterFactory } from '../src/check/simulate.ts';
import { type Notification, orderIdOf } from '../src/domain/messages.ts';
import { isPaidState } from '../src/fakes/providers/provider-profile.ts';
import type { PaymentProvider } from './payment-providers.ts';
import { type PaymentServiceBug, paymentService, paymentsFacts, paymentsSchema } from './payment-service.ts';

/** The provider as the port offers it: the gateway model's own calls, callbacks as notifications. */
function portProvider(ports: PaymentCenterPorts): PaymentProvider {
  const paid = (status: string | undefined) => isPaidState(ports.provider.tradeState(status ?? ''));
  const status = async (payment: string) => {
    const answer = await ports.gateway.query(payment);
    return answer.ok ? { paid: paid(answer.status) } : undefined;
  };
  return {
    notifyPath: '(the port)',
    ack: () => new Response(ports.provider.ackReply.body, { status: ports.provider.ackReply.httpStatus }),
    async create(orderId, amount) {
      const outTradeNo = `${orderId}~1`;
      const answer = await ports.gateway.prepay(outTradeNo, amount);
      if (!answer.ok) return undefined;
      return { payment: outTradeNo, pay: { out_trade_no: outTradeNo, prepay_id: answer.prepayId ?? '' } };
    },
    status,
    async cancel(payment) {
      const answer = await ports.gateway.close(payment);
      if (!answer.ok) return 'failed';
      if (answer.result === 'closed') return 'canceled';
      if (answer.result === 'not-exist') return 'unopened';
      if (answer.result === 'paid') return 'paid';
      return (await status(payment))?.paid ? 'paid' : 'failed';
    },
    async refund(payment, amount) {
      const answer = await ports.gateway.refund(payment, `R${payment}`, amount);
      if (!answer.ok) throw new Error(`refund of ${payment} refused: ${answer.code ?? 'no answer'}`);
    },
    callback(body, _header, verify) {
      const n = JSON.parse(body) as Notification;
      if (verify && !(ports.provider.verify(n) && n.merchant === ports.provider.merchantId)) return 'forged';
      if (!paid(n.status)) return 'none';
      return { orderId: orderIdOf(n.outTradeNo), payment: n.outTradeNo, amount: n.amount };
    },
  };
}

/** The logic behind the port, on PostgreSQL: what `httpPaymentCenter` runs over HTTP. */
export function paymentCenterBehindPort(plantedBug?: PaymentServiceBug): PaymentCenterFactory {
  return asyncPaymentCenter(
    (ports) => {
      const payments = paymentService({
        db: ports.sql,
        provider: portProvider(ports),
        plantedBug,
        deliver: (r) => ports.businessApp.publishResult(r.orderId, r.payment, r.amount),
        later: (ms, task) => ports.after(ms, task),
      });
      return {
        async onCreatePayment({ orderId, amount }) {
          const { status, body } = await payments.create(orderId, amount);
          if (status === 200)
            ports.businessApp.paymentCreated(orderId, String(body.out_trade_no), String(body.prepay_id));
        },
        async onClose({ orderId }) {
          if ((await payments.close(orderId)).status === 200) ports.businessApp.paymentClosed(orderId);
        },
        async onQuery({ orderId }) {
          const { body } = await payments.status(orderId);
          ports.businessApp.paymentStatus(orderId, String(body.status));
        },
        async onNotify(n) {
          const outcome = await payments.notify(JSON.stringify(n), () => undefined);
          return outcome === 'ack' ? ports.provider.ackReply : { httpStatus: 400, body: 'bad signature' };
        },
        recover: () => payments.recover(),
      };
    },
    { sql: { schema: paymentsSchema, facts: paymentsFacts } },
  );
}
