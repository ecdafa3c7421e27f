// Alipay's classic open-platform gateway as a merchant's code meets it (openapi.alipay.com/gateway.do,
// form-encoded requests, JSON answers, RSA2 signatures both ways, form-encoded async notifications),
// answered by paysim's gateway model: each call becomes a gateway request through the world. What it
// imitates (opendocs.alipay.com, and what the official alipay-sdk v4 `sdkExecute()` sends):
// - POST https://openapi.alipay.com/gateway.do with the parameters in the query string, in an
//   application/x-www-form-urlencoded body, or both: app_id, method, format, charset, sign_type=RSA2,
//   timestamp, version, notify_url, biz_content (JSON) and sign, an RSA-SHA256 signature with the
//   app's private key over every other non-empty parameter, sorted by name, as `k=v&k=v` of the raw
//   values. A bad or missing signature is 40002 isv.invalid-signature; a wrong app_id 40002
//   isv.invalid-app-id.
// - alipay.trade.precreate (qr_code), alipay.trade.query (trade_status; before the buyer scans, 40004
//   ACQ.TRADE_NOT_EXIST), alipay.trade.close, alipay.trade.refund (synchronous, fund_change "Y";
//   out_request_no defaults to out_trade_no). Amounts are yuan strings ("1.00"); paysim's are fen.
// - Every answer is `{"<method with _>_response":{"code":"10000","msg":"Success",…},"sign":"…"}`,
//   signed with the platform's key over the exact JSON text of the response object (what the SDK's
//   getSignStr cuts out); a refusal is 40004 Business Failed with an ACQ.* sub_code, a gateway error
//   20000 isp.unknow-error.
// - The async notification is a form POST (notify_type=trade_status_sync, trade_status, amounts,
//   seller_id, passback_params…) signed over its sorted parameters without sign and sign_type.
//   Its times are Beijing time (UTC+8), as Alipay writes them: "yyyy-MM-dd HH:mm:ss".
// paysim's order id rides in `passback_params`, which Alipay hands back untouched in notifications.

import { createSign, createVerify } from 'node:crypto';
import { HttpResponse, http } from 'msw';
import type { GatewayClient } from '../adapters/payment-center-port.ts';
import { ProcessCrashed } from '../adapters/service-ports.ts';
import { type Notification, orderIdOf } from '../domain/messages.ts';
import { MalformedReply, malformedResponse, type ProviderWire } from './provider-wire.ts';
import { type KeyPair, rsaKeyPair } from './test-keys.ts';

const gatewayUrl = 'https://openapi.alipay.com/gateway.do';

/** What the merchant's code is configured with: its app's keys and Alipay's public key. */
export interface AlipayCredentials {
  readonly appId: string;
  /** The merchant's Alipay account (PID), which notifications name as seller_id. */
  readonly sellerId: string;
  /** PEM (PKCS#8) of the app's private key, which signs requests. */
  readonly appPrivateKey: string;
  /** PEM (SPKI) of Alipay's public key, which checks answers and notifications. */
  readonly alipayPublicKey: string;
}

let keys: { app: KeyPair; platform: KeyPair } | undefined;

export function alipayCredentials(): AlipayCredentials & {
  readonly appPublicKey: string;
  readonly alipayPrivateKey: string;
} {
  keys ??= { app: rsaKeyPair(), platform: rsaKeyPair() };
  return {
    appId: '2021000100000001',
    sellerId: '2088102146225135',
    appPrivateKey: keys.app.privateKey,
    appPublicKey: keys.app.publicKey,
    alipayPublicKey: keys.platform.publicKey,
    alipayPrivateKey: keys.platform.privateKey,
  };
}

/** The response object under `<method>_response`; `undefined` is no answer (a network error). */
type Answer = Record<string, string> | undefined;

interface Trade {
  /** The merchant's out_trade_no, and paysim's number for the same trade. */
  readonly merchantNo: string;
  readonly outTradeNo: string;
  readonly amount: number;
  readonly passback: string;
  /** Alipay's own numbers for it: trade_no and the QR code precreate answers. */
  readonly tradeNo: string;
  readonly qrCode: string;
}

const success = (fields: Record<string, string> = {}): Answer => ({
  code: '10000',
  msg: 'Success',
  ...fields,
});

const refused = (code: string, msg: string, subCode: string, subMsg: string): Answer => ({
  code,
  msg,
  sub_code: subCode,
  sub_msg: subMsg,
});

/** Alipay's words for a business refusal (40004 Business Failed). */
const subMessages: Record<string, string> = {
  'ACQ.TRADE_NOT_EXIST': '交易不存在',
  'ACQ.TRADE_STATUS_ERROR': '交易状态不合法',
  'ACQ.TRADE_HAS_SUCCESS': '交易已被支付',
  'ACQ.TRADE_HAS_FINISHED': '交易已完结',
  'ACQ.CONTEXT_INCONSISTENT': '交易信息被篡改',
  'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL': '退款金额超限',
  'ACQ.INVALID_PARAMETER': '参数无效',
};

/** The model's refusal codes under Alipay's names (codes already Alipay's pass as they are). */
const alipayCodes: Record<string, string> = {
  ORDERPAID: 'ACQ.TRADE_HAS_SUCCESS',
  TRADE_NOT_EXIST: 'ACQ.TRADE_NOT_EXIST',
  TRADE_NOT_PAID: 'ACQ.TRADE_STATUS_ERROR',
  TOO_SOON_TO_CLOSE: 'ACQ.TRADE_STATUS_ERROR',
  REFUND_AMOUNT_EXCEEDS_REFUNDABLE: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
};

const businessFailed = (subCode: string, subMsg = subMessages[subCode] ?? subCode): Answer =>
  refused('40004', 'Business Failed', subCode, subMsg);

const invalid = (subCode: string, subMsg: string): Answer =>
  refused('40002', 'Invalid Arguments', subCode, subMsg);

/** fen → Alipay's yuan string: 100 → "1.00". */
function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

/** Alipay's yuan amount ("1.00", "1.5", 1) → fen, or undefined if it is not one. */
function fen(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(value));
  if (m === null) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** Alipay's "yyyy-MM-dd HH:mm:ss", in Beijing time (UTC+8). */
function beijingTime(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** The string Alipay signs: the parameters sorted by name, `k=v` joined by `&`, empty values left out. */
function signContent(params: Record<string, string>, without: readonly string[]): string {
  return Object.keys(params)
    .filter((k) => !without.includes(k) && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/** passback_params is URL-encoded by the merchant, Alipay's documentation says; paysim's ids read the same. */
function orderIdIn(passback: string): string {
  try {
    return decodeURIComponent(passback);
  } catch {
    return passback;
  }
}

/** The process that asked died while it waited: its connection is gone, its answer with it. */
/** The gateway ran the call and its answer was cut short on the way (`gateway.reply.malformed`). */
const cutShort: Answer = {};

function lost(e: unknown): Answer {
  if (e instanceof ProcessCrashed) return undefined;
  if (e instanceof MalformedReply) return cutShort;
  throw e;
}

/** One run's Alipay merchant app. */
export class AlipayApi implements ProviderWire {
  readonly notifyPath = '/notify/alipay';
  readonly host = 'openapi.alipay.com';

  private readonly trades = new Map<string, Trade>();
  private readonly attempts = new Map<string, number>();
  /** Refunds that moved money, by trade and out_request_no: refund_fee is their sum. */
  private readonly refunded = new Map<string, Map<string, number>>();
  private nonces = 0;
  /** The API methods it answers. */
  private readonly methods = {
    'alipay.trade.precreate': (biz: Record<string, unknown>) => this.precreate(biz),
    'alipay.trade.query': (biz: Record<string, unknown>) => this.query(biz),
    'alipay.trade.close': (biz: Record<string, unknown>) => this.close(biz),
    'alipay.trade.refund': (biz: Record<string, unknown>) => this.refund(biz),
  };

  constructor(
    /** The gateway client of the process that called; for a dead one it throws ProcessCrashed. */
    private readonly gateway: () => GatewayClient,
    private readonly credentials: ReturnType<typeof alipayCredentials>,
    /** Tells the story one exchange: `Alipay alipay.trade.query → 10000`, about an order. */
    private readonly tell: (exchange: string, orderId: string | undefined) => void,
  ) {}

  handlers() {
    return [http.post(gatewayUrl, ({ request }) => this.exchange(request))];
  }

  /** paysim's trade for a merchant out_trade_no, a qr_code it answered, or a trade_no. */
  tradeOf(id: string): string | undefined {
    for (const trade of this.trades.values())
      if (trade.merchantNo === id || trade.qrCode === id || trade.tradeNo === id) return trade.outTradeNo;
    return undefined;
  }

  /** The async notification for a gateway notification: a signed form body. */
  callback(n: Notification, genuine: boolean): { body: string; headers: Record<string, string> } {
    const trade = [...this.trades.values()].find((t) => t.outTradeNo === n.outTradeNo);
    const time = beijingTime(n.timestampMs);
    const params: Record<string, string> = {
      notify_time: time,
      notify_type: 'trade_status_sync',
      notify_id: `paysim${this.nonce()}`,
      app_id: this.credentials.appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: trade?.tradeNo ?? `2026010122009${n.outTradeNo.replace(/[^\w]/g, '')}`,
      out_trade_no: trade?.merchantNo ?? n.outTradeNo,
      trade_status: n.status,
      total_amount: yuan(n.amount),
      receipt_amount: yuan(n.amount),
      seller_id: n.merchant,
      gmt_payment: time,
      passback_params: trade?.passback ?? orderIdOf(n.outTradeNo),
    };
    // A forged or tampered notification is not signed with Alipay's key.
    const key = genuine ? this.credentials.alipayPrivateKey : this.credentials.appPrivateKey;
    const sign = createSign('RSA-SHA256')
      .update(signContent(params, ['sign', 'sign_type']), 'utf8')
      .sign(key, 'base64');
    return {
      body: new URLSearchParams({ ...params, sign }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    };
  }

  /** Every call: the app and its signature checked, then answered and signed, and told in the story. */
  private async exchange(request: Request): Promise<Response> {
    const params: Record<string, string> = Object.fromEntries(new URL(request.url).searchParams);
    for (const [k, v] of new URLSearchParams(await request.text())) params[k] = v;
    const method = params.method ?? '';
    let biz: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(params.biz_content ?? '{}');
      if (typeof parsed === 'object' && parsed !== null) biz = parsed as Record<string, unknown>;
    } catch {
      biz = undefined;
    }
    let answer: Answer;
    if (method === '')
      answer = refused('40001', 'Missing Required Arguments', 'isv.missing-method', '缺少方法名参数');
    else if (params.app_id !== this.credentials.appId)
      answer = invalid('isv.invalid-app-id', '无效的AppID参数');
    else if (params.sign_type !== 'RSA2' || !this.signedByApp(params))
      answer = invalid('isv.invalid-signature', '验签出错');
    else if (biz === undefined) answer = businessFailed('ACQ.INVALID_PARAMETER', 'biz_content is not JSON');
    else answer = await this.call(method, biz).catch(lost);

    const trade = this.find(biz ?? {});
    // A call refused before it made a trade is about the order its passback_params names.
    const passback = biz?.passback_params;
    this.tell(
      `Alipay ${method || '(no method)'} → ${
        answer === undefined
          ? 'no answer (network error)'
          : answer === cutShort
            ? '200, its body cut short'
            : `${answer.code}${answer.sub_code === undefined ? '' : ` ${answer.sub_code}`}`
      }`,
      trade === undefined
        ? typeof passback === 'string'
          ? orderIdIn(passback)
          : undefined
        : orderIdOf(trade.outTradeNo),
    );
    if (answer === undefined) return HttpResponse.error();
    if (answer === cutShort) return malformedResponse();
    const key = !this.knows(method) ? 'error_response' : `${method.replaceAll('.', '_')}_response`;
    // The SDK checks the signature over the response object's exact text, cut from the raw body.
    const text = JSON.stringify(answer);
    const sign = createSign('RSA-SHA256')
      .update(text, 'utf8')
      .sign(this.credentials.alipayPrivateKey, 'base64');
    return new HttpResponse(`{"${key}":${text},"sign":"${sign}"}`, {
      status: 200,
      headers: { 'content-type': 'application/json;charset=utf-8' },
    });
  }

  private async call(method: string, biz: Record<string, unknown>): Promise<Answer> {
    if (!this.knows(method)) return invalid('isv.invalid-method', `不存在的方法名: ${method}`);
    return this.methods[method](biz);
  }

  private knows(method: string): method is keyof AlipayApi['methods'] {
    return Object.hasOwn(this.methods, method);
  }

  private async precreate(biz: Record<string, unknown>): Promise<Answer> {
    const merchantNo = biz.out_trade_no;
    const amount = fen(biz.total_amount);
    const passback = biz.passback_params;
    if (typeof merchantNo !== 'string' || merchantNo === '' || amount === undefined || amount <= 0)
      return businessFailed(
        'ACQ.INVALID_PARAMETER',
        'out_trade_no and total_amount (yuan, e.g. "1.00") are required',
      );
    if (typeof passback !== 'string' || passback === '')
      return businessFailed(
        'ACQ.INVALID_PARAMETER',
        "paysim's Alipay needs passback_params: the order id paysim gave your service",
      );
    let trade = this.trades.get(merchantNo);
    if (trade === undefined) {
      const orderId = orderIdIn(passback);
      const attempt = (this.attempts.get(orderId) ?? 0) + 1;
      this.attempts.set(orderId, attempt);
      const seq = String(this.trades.size + 1);
      trade = {
        merchantNo,
        outTradeNo: `${orderId}~${attempt}`,
        amount,
        passback,
        tradeNo: `2026010122001${seq.padStart(15, '0')}`,
        qrCode: `https://qr.alipay.com/baxpaysim${seq.padStart(8, '0')}`,
      };
      this.trades.set(merchantNo, trade);
    }
    const reply = (await this.gateway().prepay(trade.outTradeNo, amount)) as { ok: boolean; code?: string };
    if (!reply.ok) return this.failure(reply.code);
    return success({ out_trade_no: merchantNo, qr_code: trade.qrCode });
  }

  private async query(biz: Record<string, unknown>): Promise<Answer> {
    const trade = this.find(biz);
    if (trade === undefined) return businessFailed('ACQ.TRADE_NOT_EXIST');
    const reply = (await this.gateway().query(trade.outTradeNo)) as {
      ok: boolean;
      status?: string;
      code?: string;
    };
    if (!reply.ok) return this.failure(reply.code);
    // Before the buyer scans, the trade does not exist at Alipay.
    if (reply.status === undefined || reply.status.startsWith('ACQ.'))
      return businessFailed(reply.status ?? 'ACQ.TRADE_NOT_EXIST');
    return success({
      trade_no: trade.tradeNo,
      out_trade_no: trade.merchantNo,
      trade_status: reply.status,
      total_amount: yuan(trade.amount),
    });
  }

  private async close(biz: Record<string, unknown>): Promise<Answer> {
    const trade = this.find(biz);
    if (trade === undefined) return businessFailed('ACQ.TRADE_NOT_EXIST');
    const reply = (await this.gateway().close(trade.outTradeNo)) as Awaited<
      ReturnType<GatewayClient['close']>
    > & { code?: string };
    if (!reply.ok) return this.failure(reply.code);
    if (reply.result === 'not-exist') return businessFailed('ACQ.TRADE_NOT_EXIST');
    // A paid trade is not waiting for payment: Alipay does not say it was paid.
    if (reply.result === 'status-error' || reply.result === 'paid')
      return businessFailed('ACQ.TRADE_STATUS_ERROR');
    return success({ trade_no: trade.tradeNo, out_trade_no: trade.merchantNo });
  }

  private async refund(biz: Record<string, unknown>): Promise<Answer> {
    const trade = this.find(biz);
    const amount = fen(biz.refund_amount);
    if (trade === undefined) return businessFailed('ACQ.TRADE_NOT_EXIST');
    if (amount === undefined || amount <= 0)
      return businessFailed('ACQ.INVALID_PARAMETER', 'refund_amount (yuan, e.g. "1.00") is required');
    // Without out_request_no, Alipay takes the out_trade_no as the refund's number.
    const requestNo = typeof biz.out_request_no === 'string' ? biz.out_request_no : trade.merchantNo;
    const reply = await this.gateway().refund(trade.outTradeNo, requestNo, amount);
    if (!reply.ok) return this.failure(reply.code);
    const moved = reply.status === 'fund_change=Y';
    const done = this.refunded.get(trade.outTradeNo) ?? new Map<string, number>();
    if (moved) done.set(requestNo, amount);
    this.refunded.set(trade.outTradeNo, done);
    return success({
      trade_no: trade.tradeNo,
      out_trade_no: trade.merchantNo,
      fund_change: moved ? 'Y' : 'N',
      refund_fee: yuan([...done.values()].reduce((sum, a) => sum + a, 0)),
    });
  }

  /** A gateway error is Alipay's 20000; a refusal 40004 with an ACQ.* sub_code; no answer a network error. */
  private failure(code: string | undefined): Answer {
    if (code === undefined) return undefined;
    if (code === 'SYSTEMERROR')
      return refused('20000', 'Service Currently Unavailable', 'isp.unknow-error', '系统繁忙');
    return businessFailed(alipayCodes[code] ?? code);
  }

  /** The trade a call names, by the merchant's out_trade_no or Alipay's trade_no. */
  private find(biz: Record<string, unknown>): Trade | undefined {
    if (typeof biz.out_trade_no === 'string') return this.trades.get(biz.out_trade_no);
    if (typeof biz.trade_no === 'string')
      return [...this.trades.values()].find((t) => t.tradeNo === biz.trade_no);
    return undefined;
  }

  private signedByApp(params: Record<string, string>): boolean {
    const sign = params.sign;
    if (sign === undefined || sign === '') return false;
    return createVerify('RSA-SHA256')
      .update(signContent(params, ['sign']), 'utf8')
      .verify(this.credentials.appPublicKey, sign, 'base64');
  }

  private nonce(): string {
    return String(++this.nonces).padStart(12, '0');
  }
}
