// WeChat Pay API v3 as a merchant's code meets it (api.mch.weixin.qq.com, JSON, RSA signatures
// both ways, encrypted callbacks), answered by paysim's gateway model: each call becomes a gateway
// request through the world. What it imitates (pay.weixin.qq.com/doc/v3, merchant docs):
// - Requests carry `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
//   timestamp="…",serial_no="…",signature="…"`, an RSA-SHA256 signature with the merchant's key over
//   "METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n"; a bad one is 401 SIGN_ERROR.
// - Answers and callbacks are signed with the platform key: `Wechatpay-Timestamp`, `-Nonce`,
//   `-Serial`, `-Signature` over "TIMESTAMP\nNONCE\nBODY\n".
// - POST /v3/pay/transactions/native (code_url) and /jsapi (prepay_id); GET
//   /v3/pay/transactions/out-trade-no/{no}?mchid=…; POST …/{no}/close (204); POST
//   /v3/refund/domestic/refunds and GET …/refunds/{out_refund_no}. Errors are JSON {code, message}.
// - A callback's `resource` is the transaction, encrypted with AEAD_AES_256_GCM under the APIv3 key
//   (associated_data "transaction"); the merchant answers 200 or 204 with no body to acknowledge it.
// paysim's order id rides in `attach`, as merchants put their own data there.

import { createCipheriv, createSign, createVerify } from 'node:crypto';
import { HttpResponse, http } from 'msw';
import type { GatewayClient } from '../adapters/payment-center-port.ts';
import { ProcessCrashed } from '../adapters/service-ports.ts';
import { type Notification, orderIdOf } from '../domain/messages.ts';
import { MalformedReply, malformedResponse, type ProviderWire } from './provider-wire.ts';
import { type KeyPair, rsaKeyPair } from './test-keys.ts';

const base = 'https://api.mch.weixin.qq.com';

/** What the merchant's code is configured with: its keys and the platform's public key. */
export interface WechatCredentials {
  readonly mchid: string;
  readonly appid: string;
  /** PEM (PKCS#8) of the merchant's API private key, and its certificate serial number. */
  readonly merchantPrivateKey: string;
  readonly merchantSerialNo: string;
  /** PEM (SPKI) of the platform's public key, which signs answers and callbacks. */
  readonly platformPublicKey: string;
  readonly platformSerialNo: string;
  /** The 32-character APIv3 key that encrypts callback resources. */
  readonly apiV3Key: string;
}

let keys: { merchant: KeyPair; platform: KeyPair } | undefined;

export function wechatCredentials(): WechatCredentials & {
  readonly merchantPublicKey: string;
  readonly platformPrivateKey: string;
} {
  keys ??= { merchant: rsaKeyPair(), platform: rsaKeyPair() };
  return {
    mchid: '1900000001',
    appid: 'wxpaysim0000000001',
    merchantPrivateKey: keys.merchant.privateKey,
    merchantPublicKey: keys.merchant.publicKey,
    merchantSerialNo: 'PAYSIM0MERCHANT0SERIAL',
    platformPublicKey: keys.platform.publicKey,
    platformPrivateKey: keys.platform.privateKey,
    platformSerialNo: 'PAYSIM0PLATFORM0SERIAL',
    apiV3Key: 'paysimApiV3KeyForTestsOnly000000',
  };
}

interface Answer {
  readonly status: number;
  readonly body?: object;
  /** The gateway ran the call and its answer was cut short on the way (`gateway.reply.malformed`). */
  readonly cutShort?: true;
}

interface Trade {
  /** The merchant's out_trade_no, and paysim's number for the same trade. */
  readonly merchantNo: string;
  readonly outTradeNo: string;
  readonly amount: number;
  readonly attach: string;
}

const error = (status: number, code: string, message: string): Answer => ({
  status,
  body: { code, message },
});

/** The process that asked died while it waited: its connection is gone, its answer with it. */
function lost(e: unknown): Answer {
  if (e instanceof ProcessCrashed) return { status: 0 };
  if (e instanceof MalformedReply) return { status: 200, cutShort: true };
  throw e;
}

/** One run's WeChat Pay merchant account. */
export class WechatApi implements ProviderWire {
  readonly notifyPath = '/notify/wechat';
  readonly host = 'api.mch.weixin.qq.com';

  private readonly trades = new Map<string, Trade>();
  private readonly attempts = new Map<string, number>();
  private readonly refunds = new Map<string, { trade: Trade; amount: number }>();
  private nonces = 0;

  constructor(
    private readonly gateway: () => GatewayClient,
    private readonly credentials: ReturnType<typeof wechatCredentials>,
    private readonly tell: (exchange: string, orderId: string | undefined) => void,
  ) {}

  handlers() {
    return [
      http.post(`${base}/v3/pay/transactions/:kind`, ({ request, params }) =>
        this.exchange(request, (body) => this.prepay(String(params.kind), body)),
      ),
      http.get(`${base}/v3/pay/transactions/out-trade-no/:no`, ({ request, params }) =>
        this.exchange(request, () => this.query(String(params.no))),
      ),
      http.post(`${base}/v3/pay/transactions/out-trade-no/:no/close`, ({ request, params }) =>
        this.exchange(request, () => this.close(String(params.no))),
      ),
      http.post(`${base}/v3/refund/domestic/refunds`, ({ request }) =>
        this.exchange(request, (body) => this.refund(body)),
      ),
      http.get(`${base}/v3/refund/domestic/refunds/:no`, ({ request, params }) =>
        this.exchange(request, () => this.refundStatus(String(params.no))),
      ),
    ];
  }

  /** paysim's trade for a merchant out_trade_no, a prepay_id or code_url it answered, or a transaction_id. */
  tradeOf(id: string): string | undefined {
    for (const trade of this.trades.values())
      if (
        trade.merchantNo === id ||
        id === this.prepayId(trade) ||
        id === this.codeUrl(trade) ||
        id === this.transactionId(trade)
      )
        return trade.outTradeNo;
    return undefined;
  }

  /** The callback for a gateway notification: its JSON body and signed headers. */
  callback(n: Notification, genuine: boolean): { body: string; headers: Record<string, string> } {
    const trade = [...this.trades.values()].find((t) => t.outTradeNo === n.outTradeNo);
    const transaction = {
      mchid: this.credentials.mchid,
      appid: this.credentials.appid,
      out_trade_no: trade?.merchantNo ?? n.outTradeNo,
      transaction_id: trade === undefined ? `4200${n.outTradeNo}` : this.transactionId(trade),
      trade_type: 'NATIVE',
      trade_state: n.status,
      trade_state_desc: '支付成功',
      attach: trade?.attach ?? orderIdOf(n.outTradeNo),
      success_time: new Date(n.timestampMs).toISOString(),
      amount: { total: n.amount, payer_total: n.amount, currency: 'CNY', payer_currency: 'CNY' },
    };
    const nonce = this.nonce();
    // A forger knows neither the platform's signing key nor the merchant's APIv3 key.
    const key = genuine ? this.credentials.apiV3Key : 'a-forger-does-not-know-the-key00';
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(key), Buffer.from(nonce));
    cipher.setAAD(Buffer.from('transaction'));
    const sealed = Buffer.concat([
      cipher.update(JSON.stringify(transaction)),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    const body = JSON.stringify({
      id: `EV-${n.outTradeNo}-${this.nonces}`,
      create_time: new Date(n.timestampMs).toISOString(),
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: sealed.toString('base64'),
        associated_data: 'transaction',
        nonce,
      },
    });
    // A forged or tampered callback is not signed with the platform's key.
    const headers = this.signed(body, Math.floor(n.timestampMs / 1000), genuine);
    return { body, headers };
  }

  private async prepay(kind: string, body: Record<string, unknown>): Promise<Answer> {
    const amount = (body.amount as { total?: unknown } | undefined)?.total;
    const merchantNo = body.out_trade_no;
    const attach = body.attach;
    if (kind !== 'native' && kind !== 'jsapi' && kind !== 'h5' && kind !== 'app')
      return error(404, 'RESOURCE_NOT_EXISTS', `no such API: ${kind}`);
    if (typeof merchantNo !== 'string' || !Number.isInteger(amount) || typeof body.notify_url !== 'string')
      return error(400, 'PARAM_ERROR', 'out_trade_no, amount.total and notify_url are required');
    if (body.mchid !== this.credentials.mchid || body.appid !== this.credentials.appid)
      return error(400, 'APPID_MCHID_NOT_MATCH', 'appid and mchid do not match');
    if (typeof attach !== 'string')
      return error(
        400,
        'PARAM_ERROR',
        "paysim's WeChat Pay needs attach: the order id paysim gave your service",
      );
    let trade = this.trades.get(merchantNo);
    if (trade === undefined) {
      const attempt = (this.attempts.get(attach) ?? 0) + 1;
      this.attempts.set(attach, attempt);
      trade = { merchantNo, outTradeNo: `${attach}~${attempt}`, amount: amount as number, attach };
      this.trades.set(merchantNo, trade);
    }
    const reply = (await this.gateway().prepay(trade.outTradeNo, amount as number)) as {
      ok: boolean;
      code?: string;
    };
    if (!reply.ok) return this.failure(reply.code);
    return {
      status: 200,
      body: kind === 'native' ? { code_url: this.codeUrl(trade) } : { prepay_id: this.prepayId(trade) },
    };
  }

  private async query(merchantNo: string): Promise<Answer> {
    const trade = this.trades.get(merchantNo);
    if (trade === undefined) return error(404, 'ORDER_NOT_EXIST', '订单不存在');
    const reply = (await this.gateway().query(trade.outTradeNo)) as {
      ok: boolean;
      status?: string;
      code?: string;
    };
    if (!reply.ok) return this.failure(reply.code);
    if (reply.status === 'ORDER_NOT_EXIST') return error(404, 'ORDER_NOT_EXIST', '订单不存在');
    return {
      status: 200,
      body: {
        mchid: this.credentials.mchid,
        appid: this.credentials.appid,
        out_trade_no: merchantNo,
        transaction_id:
          reply.status === 'SUCCESS' || reply.status === 'REFUND' ? this.transactionId(trade) : undefined,
        trade_state: reply.status,
        attach: trade.attach,
        amount: { total: trade.amount, currency: 'CNY' },
      },
    };
  }

  private async close(merchantNo: string): Promise<Answer> {
    const trade = this.trades.get(merchantNo);
    if (trade === undefined) return error(404, 'ORDER_NOT_EXIST', '订单不存在');
    const reply = (await this.gateway().close(trade.outTradeNo)) as {
      ok: boolean;
      result?: string;
      code?: string;
    };
    if (!reply.ok) return this.failure(reply.code);
    if (reply.result === 'paid') return error(400, 'ORDERPAID', '订单已支付');
    return { status: 204 };
  }

  private async refund(body: Record<string, unknown>): Promise<Answer> {
    const trade = this.trades.get(String(body.out_trade_no));
    const refundNo = body.out_refund_no;
    const amount = (body.amount as { refund?: unknown } | undefined)?.refund;
    if (trade === undefined) return error(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    if (typeof refundNo !== 'string' || !Number.isInteger(amount))
      return error(400, 'PARAM_ERROR', 'out_refund_no and amount.refund are required');
    this.refunds.set(refundNo, { trade, amount: amount as number });
    return this.askRefund(refundNo);
  }

  private async refundStatus(refundNo: string): Promise<Answer> {
    if (!this.refunds.has(refundNo)) return error(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    return this.askRefund(refundNo);
  }

  /** The model answers a refund number idempotently: asking again is how its status is read. */
  private async askRefund(refundNo: string): Promise<Answer> {
    const { trade, amount } = this.refunds.get(refundNo) as { trade: Trade; amount: number };
    const reply = await this.gateway().refund(trade.outTradeNo, refundNo, amount);
    if (!reply.ok) return this.failure(reply.code);
    return {
      status: 200,
      body: {
        refund_id: `5030${refundNo}`,
        out_refund_no: refundNo,
        out_trade_no: trade.merchantNo,
        status: reply.status,
        amount: { refund: amount, total: trade.amount, currency: 'CNY' },
      },
    };
  }

  /** A gateway error is WeChat's 500 SYSTEM_ERROR; a refusal its 400/403; no answer a network error. */
  private failure(code: string | undefined): Answer {
    if (code === undefined) return { status: 0 };
    if (code === 'SYSTEMERROR') return error(500, 'SYSTEM_ERROR', '系统错误');
    return error(code === 'OUT_TRADE_NO_USED' || code === 'ORDERPAID' ? 403 : 400, code, code);
  }

  /** Every call: the merchant's signature checked, then answered and signed, and told in the story. */
  private async exchange(
    request: Request,
    call: (body: Record<string, unknown>) => Promise<Answer>,
  ): Promise<Response> {
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.text();
    let answer: Answer;
    if (!this.signedByMerchant(request, `${url.pathname}${url.search}`, text))
      answer = error(401, 'SIGN_ERROR', '签名错误');
    else answer = await call(text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)).catch(lost);
    const no =
      /out-trade-no\/([^/]+)/.exec(url.pathname)?.[1] ??
      (text === '' ? undefined : (JSON.parse(text) as { out_trade_no?: string }).out_trade_no);
    const trade = no === undefined ? undefined : this.trades.get(decodeURIComponent(no));
    // A call refused before it made a trade is about the order its attach names.
    const attach = text === '' ? undefined : (JSON.parse(text) as { attach?: unknown }).attach;
    this.tell(
      `WeChat Pay ${request.method} ${url.pathname} → ${answer.status === 0 ? 'no answer (network error)' : answer.cutShort ? '200, its body cut short' : answer.status}`,
      trade === undefined ? (typeof attach === 'string' ? attach : undefined) : orderIdOf(trade.outTradeNo),
    );
    if (answer.status === 0) return HttpResponse.error();
    if (answer.cutShort) return malformedResponse();
    const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
    return new HttpResponse(body === '' ? null : body, {
      status: answer.status,
      headers: {
        'content-type': 'application/json',
        ...this.signed(body, Math.floor(Date.now() / 1000), true),
      },
    });
  }

  private signedByMerchant(request: Request, pathAndQuery: string, body: string): boolean {
    const header = request.headers.get('authorization') ?? '';
    if (!header.startsWith('WECHATPAY2-SHA256-RSA2048 ')) return false;
    const fields = Object.fromEntries(
      [...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    if (fields.mchid !== this.credentials.mchid || fields.signature === undefined) return false;
    const message = `${request.method}\n${pathAndQuery}\n${fields.timestamp}\n${fields.nonce_str}\n${body}\n`;
    return createVerify('RSA-SHA256')
      .update(message)
      .verify(this.credentials.merchantPublicKey, fields.signature, 'base64');
  }

  private signed(body: string, timestamp: number, genuine: boolean): Record<string, string> {
    const nonce = this.nonce();
    const key = genuine ? this.credentials.platformPrivateKey : this.credentials.merchantPrivateKey;
    const signature = createSign('RSA-SHA256')
      .update(`${timestamp}\n${nonce}\n${body}\n`)
      .sign(key, 'base64');
    return {
      'wechatpay-timestamp': String(timestamp),
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signature,
      'wechatpay-serial': this.credentials.platformSerialNo,
    };
  }

  private nonce(): string {
    return String(++this.nonces).padStart(12, '0');
  }

  private prepayId(trade: Trade): string {
    return `wx${trade.outTradeNo.replace(/[^\w]/g, '')}`;
  }

  private codeUrl(trade: Trade): string {
    return `weixin://wxpay/bizpayurl?pr=${trade.outTradeNo.replace(/[^\w]/g, '')}`;
  }

  private transactionId(trade: Trade): string {
    return `4200${trade.outTradeNo.replace(/[^\w]/g, '')}`;
  }
}
