// The example payment center's providers behind one small interface, as a team supporting them
// would write it: Stripe through its official SDK, WeChat Pay v3 through a hand-written client
// (wechat-pay-client.ts), Alipay through its official SDK (alipay-sdk) for signing and verifying,
// with fetch carrying the requests. The service logic (payment-service.ts) never names a provider.

import { AlipaySdk } from 'alipay-sdk';
import Stripe from 'stripe';
import type { HttpAppEnv } from '../src/http/http-payment-center.ts';
import { paymentExpiresAfterMs } from './payment-service.ts';
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
  /** Whether it is paid (and for how much, when the provider says); undefined when it did not answer. */
  status(payment: string): Promise<{ paid: boolean; amount?: number } | undefined>;
  /**
   * Cancels an unpaid payment: `paid` if it was paid after all, `failed` if there was no answer,
   * `unopened` if there was nothing to cancel yet because the buyer has not opened it (Alipay):
   * it may still be opened and paid until it expires.
   */
  cancel(payment: string): Promise<'canceled' | 'paid' | 'failed' | 'unopened'>;
  refund(payment: string, amount: number): Promise<void>;
  /** A callback's success; `none` for other events; `forged` when its signature does not verify. */
  callback(
    body: string,
    header: (name: string) => string | undefined,
    verify: boolean,
  ): Success | 'none' | 'forged';
}

export function paymentProvider(env: HttpAppEnv): PaymentProvider {
  if (env.provider === 'alipay') return alipay(env);
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

function alipay(env: HttpAppEnv): PaymentProvider {
  const gateway = 'https://openapi.alipay.com/gateway.do';
  const sdk = new AlipaySdk({
    appId: env.alipay.appId,
    privateKey: env.alipay.appPrivateKey,
    alipayPublicKey: env.alipay.alipayPublicKey,
    keyType: 'PKCS8',
    gateway,
  });
  const yuan = (fen: number) => (fen / 100).toFixed(2);
  const fen = (yuan: unknown) => Math.round(Number(yuan) * 100);
  const outTradeNo = (orderId: string) => `P${orderId.replace(/[^\w]/g, '')}`;
  /**
   * One gateway call: the SDK signs it and checks the answer's signature. (Its own exec() sends
   * through urllib, which is why a team that stubs HTTP in tests sends the signed form with fetch.)
   * Undefined when there was no answer or Alipay refused; the answer otherwise.
   */
  async function call(
    method: string,
    bizContent: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    const res = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: sdk.sdkExecute(method, { bizContent, notifyUrl: 'https://pay.shop.example/notify/alipay' }),
    }).catch(() => undefined);
    if (res === undefined) return undefined;
    const raw = await res.text();
    const key = `${method.replaceAll('.', '_')}_response`;
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    sdk.checkResponseSign(raw, key, String(parsed.sign), '');
    return parsed[key] as Record<string, unknown>;
  }
  const paidStatus = (status: unknown) => status === 'TRADE_SUCCESS' || status === 'TRADE_FINISHED';
  return {
    notifyPath: '/notify/alipay',
    ack: () => new Response('success', { status: 200 }),
    async create(orderId, amount) {
      const payment = outTradeNo(orderId);
      const answer = await call('alipay.trade.precreate', {
        out_trade_no: payment,
        total_amount: yuan(amount),
        subject: `order ${orderId}`,
        timeout_express: `${paymentExpiresAfterMs / 60_000}m`,
        passback_params: orderId,
      }).catch(() => undefined);
      if (answer?.code !== '10000') return undefined;
      return { payment, pay: { qr_code: String(answer.qr_code) } };
    },
    async status(payment) {
      const answer = await call('alipay.trade.query', { out_trade_no: payment }).catch(() => undefined);
      if (answer?.code === '40004' && answer.sub_code === 'ACQ.TRADE_NOT_EXIST') return { paid: false };
      if (answer?.code !== '10000') return undefined;
      return { paid: paidStatus(answer.trade_status), amount: fen(answer.total_amount) };
    },
    async cancel(payment) {
      const answer = await call('alipay.trade.close', { out_trade_no: payment }).catch(() => undefined);
      if (answer?.code === '10000') return 'canceled';
      // Before the buyer scans there is no trade to close, and the QR code still works until it expires.
      if (answer?.sub_code === 'ACQ.TRADE_NOT_EXIST') return 'unopened';
      // ACQ.TRADE_STATUS_ERROR says the trade is not waiting for payment, not that it was paid.
      if (answer?.sub_code === 'ACQ.TRADE_STATUS_ERROR')
        return (await this.status(payment))?.paid ? 'paid' : 'failed';
      return 'failed';
    },
    async refund(payment, amount) {
      const answer = await call('alipay.trade.refund', {
        out_trade_no: payment,
        refund_amount: yuan(amount),
        out_request_no: `R${payment}`,
      });
      if (answer?.code !== '10000') throw new Error(`refund of ${payment} refused: ${answer?.sub_code}`);
    },
    callback(body, _header, verify) {
      const fields = Object.fromEntries(new URLSearchParams(body));
      if (
        verify &&
        !(
          sdk.checkNotifySign(fields) &&
          fields.app_id === env.alipay.appId &&
          fields.seller_id === env.alipay.sellerId
        )
      )
        return 'forged';
      if (!paidStatus(fields.trade_status)) return 'none';
      return {
        orderId: String(fields.passback_params),
        payment: String(fields.out_trade_no),
        amount: fen(fields.total_amount),
      };
    },
  };
}
