// The example payment center's two providers behind one small interface, as a team supporting
// both would write it: Stripe through its official SDK, WeChat Pay v3 through a hand-written client
// (wechat-pay-client.ts). The service logic (http-payment-center.ts) never names a provider.

import Stripe from 'stripe';
import type { HttpAppEnv } from '../src/http/http-payment-center.ts';
import { WechatPayClient } from './wechat-pay-client.ts';

/** A verified success from a callback. */
export interface Success {
  readonly orderId: string;
  /** The provider's id of the payment: what the service stores and refunds by. */
  readonly payment: string;
  readonly amount: number;
}

export interface PaymentProvider {
  /** Where callbacks come, and the answer that acknowledges one. */
  readonly notifyPath: string;
  ack(): Response;
  /** Creates the order's payment, idempotently: its id and what the buyer pays with; undefined if no answer. */
  create(
    orderId: string,
    amount: number,
  ): Promise<{ payment: string; pay: Record<string, string> } | undefined>;
  /** Whether it is paid (and for how much); undefined when the provider did not answer. */
  status(payment: string): Promise<{ paid: boolean; amount: number } | undefined>;
  /** Cancels an unpaid payment: `paid` if it was paid after all, `failed` if there was no answer. */
  cancel(payment: string): Promise<'canceled' | 'paid' | 'failed'>;
  refund(payment: string, amount: number): Promise<void>;
  /** A callback's success; `none` for other events; `forged` when its signature does not verify. */
  callback(
    body: string,
    header: (name: string) => string | undefined,
    verify: boolean,
  ): Success | 'none' | 'forged';
}

export function paymentProvider(env: HttpAppEnv): PaymentProvider {
  return env.provider === 'wechat' ? wechatPay(env) : stripe(env);
}

function stripe(env: HttpAppEnv): PaymentProvider {
  const client = new Stripe(env.stripe.secretKey, {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 2,
  });
  return {
    notifyPath: '/webhooks/stripe',
    ack: () => new Response(null, { status: 200 }),
    async create(orderId, amount) {
      const intent = await client.paymentIntents
        .create(
          { amount, currency: 'usd', metadata: { order_id: orderId } },
          { idempotencyKey: `pay-${orderId}` },
        )
        .catch(() => undefined);
      return intent === undefined
        ? undefined
        : { payment: intent.id, pay: { client_secret: intent.client_secret as string } };
    },
    async status(payment) {
      const intent = await client.paymentIntents.retrieve(payment).catch(() => undefined);
      return intent === undefined
        ? undefined
        : { paid: intent.status === 'succeeded', amount: intent.amount };
    },
    async cancel(payment) {
      try {
        await client.paymentIntents.cancel(payment);
        return 'canceled';
      } catch (error) {
        if ((error as { code?: string }).code !== 'payment_intent_unexpected_state') return 'failed';
        return (await this.status(payment))?.paid ? 'paid' : 'failed';
      }
    },
    async refund(payment) {
      await client.refunds.create({ payment_intent: payment }, { idempotencyKey: `refund-${payment}` });
    },
    callback(body, header, verify) {
      let event: Stripe.Event;
      try {
        event = verify
          ? client.webhooks.constructEvent(body, header('stripe-signature') ?? '', env.stripe.webhookSecret)
          : (JSON.parse(body) as Stripe.Event);
      } catch {
        return 'forged';
      }
      if (event.type !== 'payment_intent.succeeded') return 'none';
      const intent = event.data.object;
      return { orderId: intent.metadata.order_id as string, payment: intent.id, amount: intent.amount };
    },
  };
}

function wechatPay(env: HttpAppEnv): PaymentProvider {
  const { mchid, appid } = env.wechat;
  const client = new WechatPayClient(env.wechat);
  const outTradeNo = (orderId: string) => `P${orderId.replace(/[^\w]/g, '')}`;
  return {
    notifyPath: '/notify/wechat',
    ack: () => new Response(null, { status: 204 }),
    async create(orderId, amount) {
      const payment = outTradeNo(orderId);
      const answer = await client
        .call('POST', '/v3/pay/transactions/native', {
          appid,
          mchid,
          description: `order ${orderId}`,
          out_trade_no: payment,
          attach: orderId,
          notify_url: 'https://pay.shop.example/notify/wechat',
          amount: { total: amount, currency: 'CNY' },
        })
        .catch(() => undefined);
      if (answer?.status !== 200) return undefined;
      return { payment, pay: { code_url: answer.body.code_url as string } };
    },
    async status(payment) {
      const answer = await client
        .call('GET', `/v3/pay/transactions/out-trade-no/${payment}?mchid=${mchid}`)
        .catch(() => undefined);
      if (answer?.status !== 200) return undefined;
      const state = answer.body.trade_state;
      return {
        paid: state === 'SUCCESS' || state === 'REFUND',
        amount: (answer.body.amount as { total: number }).total,
      };
    },
    async cancel(payment) {
      const answer = await client
        .call('POST', `/v3/pay/transactions/out-trade-no/${payment}/close`, { mchid })
        .catch(() => undefined);
      if (answer?.status === 204) return 'canceled';
      if (answer?.body.code === 'ORDERPAID') return 'paid';
      return 'failed';
    },
    async refund(payment, amount) {
      await client.call('POST', '/v3/refund/domestic/refunds', {
        out_trade_no: payment,
        out_refund_no: `R${payment}`,
        amount: { refund: amount, total: amount, currency: 'CNY' },
      });
    },
    callback(body, header, verify) {
      const transaction = client.transactionOf(body, header, verify);
      if (transaction === undefined) return 'forged';
      if (transaction.trade_state !== 'SUCCESS') return 'none';
      return {
        orderId: transaction.attach as string,
        payment: transaction.out_trade_no as string,
        amount: (transaction.amount as { total: number }).total,
      };
    },
  };
}
