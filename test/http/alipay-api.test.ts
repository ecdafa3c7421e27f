// paysim's Alipay gateway as the official alipay-sdk (v4) meets it: requests signed by
// `sdkExecute()` are accepted and answered with signatures `checkResponseSign` accepts; requests
// signed with another key or for another app are refused; notifications pass `checkNotifySign`
// unless forged; and the gateway model's answers reach the merchant as Alipay's codes.
// The SDK's own `exec()` sends through undici's dispatcher, which msw does not intercept: requests
// here are the SDK's signed string POSTed with fetch.

import { generateKeyPairSync } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayClient } from '../../src/adapters/payment-center-port.ts';
import { ProcessCrashed } from '../../src/adapters/service-ports.ts';
import type { Notification } from '../../src/domain/messages.ts';
import { AlipayApi, alipayCredentials } from '../../src/http/alipay-api.ts';

const gatewayUrl = 'https://openapi.alipay.com/gateway.do';
const credentials = alipayCredentials();

const sdkFor = (appId = credentials.appId, privateKey = credentials.appPrivateKey) =>
  new AlipaySdk({
    appId,
    privateKey,
    alipayPublicKey: credentials.alipayPublicKey,
    keyType: 'PKCS8',
    gateway: gatewayUrl,
  });

type Reply = { ok: boolean; [field: string]: unknown };
/** What the stub gateway answers next, per call; a function may throw (a crashed caller). */
let next: Record<'prepay' | 'query' | 'close' | 'refund', () => Reply>;
const asked: string[] = [];
const gateway = {
  prepay: async (no: string, amount: number) => {
    asked.push(`prepay ${no} ${amount}`);
    return next.prepay();
  },
  query: async (no: string) => {
    asked.push(`query ${no}`);
    return next.query();
  },
  close: async (no: string) => {
    asked.push(`close ${no}`);
    return next.close();
  },
  refund: async (no: string, refundNo: string, amount: number) => {
    asked.push(`refund ${no} ${refundNo} ${amount}`);
    return next.refund();
  },
} as GatewayClient;

const story: Array<[string, string | undefined]> = [];
const api = new AlipayApi(
  () => gateway,
  credentials,
  (exchange, orderId) => story.push([exchange, orderId]),
);
const server = setupServer(...api.handlers());
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  next = {
    prepay: () => ({ ok: true, prepayId: 'p' }),
    query: () => ({ ok: true, status: 'WAIT_BUYER_PAY' }),
    close: () => ({ ok: true, result: 'closed' }),
    refund: () => ({ ok: true, status: 'fund_change=Y' }),
  };
  asked.length = 0;
  story.length = 0;
});

const post = (body: string, query = '') =>
  fetch(`${gatewayUrl}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body,
  });

/** Calls a method as the SDK signs it; checks the answer's signature; answers the response object. */
async function call(
  method: string,
  bizContent: Record<string, unknown>,
  sdk = sdkFor(),
): Promise<Record<string, string>> {
  const raw = await (await post(sdk.sdkExecute(method, { bizContent }))).text();
  const key = `${method.replaceAll('.', '_')}_response`;
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  sdkFor().checkResponseSign(raw, key, String(parsed.sign), '');
  return parsed[key] as Record<string, string>;
}

const precreate = {
  out_trade_no: 'M-9-1',
  total_amount: '1.00',
  subject: 'order o9.1',
  passback_params: 'o9.1',
};

describe("paysim's Alipay, as the official SDK meets it", () => {
  it('answers a request signed by sdkExecute with a signed answer, and refuses another key or app', async () => {
    const created = await call('alipay.trade.precreate', precreate);
    expect(created).toMatchObject({ code: '10000', msg: 'Success', out_trade_no: 'M-9-1' });
    expect(created.qr_code).toMatch(/^https:\/\/qr\.alipay\.com\//);
    expect(asked).toEqual(['prepay o9.1~1 100']);
    expect(story).toEqual([['Alipay alipay.trade.precreate → 10000', 'o9.1']]);
    expect(api.tradeOf('M-9-1')).toBe('o9.1~1');
    expect(api.tradeOf(created.qr_code as string)).toBe('o9.1~1');

    // Common parameters in the query string and biz_content in the body, as the SDK's exec() sends them.
    const signed = new URLSearchParams(
      sdkFor().sdkExecute('alipay.trade.query', { bizContent: { out_trade_no: 'M-9-1' } }),
    );
    const body = new URLSearchParams({ biz_content: signed.get('biz_content') ?? '' });
    signed.delete('biz_content');
    const raw = await (await post(body.toString(), `?${signed}`)).text();
    const state = (JSON.parse(raw) as { alipay_trade_query_response: Record<string, string> })
      .alipay_trade_query_response;
    expect(state).toMatchObject({ code: '10000', trade_status: 'WAIT_BUYER_PAY', total_amount: '1.00' });
    expect(api.tradeOf(state.trade_no as string)).toBe('o9.1~1');

    const other = String(
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    expect(await call('alipay.trade.precreate', precreate, sdkFor(credentials.appId, other))).toEqual({
      code: '40002',
      msg: 'Invalid Arguments',
      sub_code: 'isv.invalid-signature',
      sub_msg: '验签出错',
    });
    expect(await call('alipay.trade.precreate', precreate, sdkFor('2021000999999999'))).toMatchObject({
      code: '40002',
      sub_code: 'isv.invalid-app-id',
    });
    expect(asked).toEqual(['prepay o9.1~1 100', 'query o9.1~1']);
  });

  it('refuses a precreate without passback_params, saying why', async () => {
    const { passback_params: _, ...bare } = precreate;
    const refused = await call('alipay.trade.precreate', { ...bare, out_trade_no: 'M-bare' });
    expect(refused).toMatchObject({ code: '40004', msg: 'Business Failed' });
    expect(refused.sub_msg).toMatch(/passback_params.*order id/);
    expect(asked).toEqual([]);
  });

  it('signs notifications so that checkNotifySign accepts them, and a forged one fails it', () => {
    const n: Notification = {
      outTradeNo: 'o9.1~1',
      amount: 100,
      merchant: credentials.sellerId,
      status: 'TRADE_SUCCESS',
      timestampMs: Date.UTC(2026, 0, 1, 4, 30, 0),
      nonce: 'n',
      signature: 's',
    };
    const sdk = sdkFor();
    const genuine = api.callback(n, true);
    expect(genuine.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    const fields = Object.fromEntries(new URLSearchParams(genuine.body));
    expect(fields).toMatchObject({
      notify_type: 'trade_status_sync',
      app_id: credentials.appId,
      out_trade_no: 'M-9-1',
      trade_status: 'TRADE_SUCCESS',
      total_amount: '1.00',
      seller_id: '2088102146225135',
      passback_params: 'o9.1',
      gmt_payment: '2026-01-01 12:30:00',
    });
    expect(api.tradeOf(fields.trade_no as string)).toBe('o9.1~1');
    expect(sdk.checkNotifySign(fields)).toBe(true);
    const forged = Object.fromEntries(new URLSearchParams(api.callback(n, false).body));
    expect(sdk.checkNotifySign(forged)).toBe(false);
    expect(sdk.checkNotifySign({ ...fields, total_amount: '0.01' })).toBe(false);
  });

  const crashed = () => {
    throw new ProcessCrashed();
  };
  /** Each method, and the gateway call it makes. */
  const stubOf = {
    'alipay.trade.precreate': 'prepay',
    'alipay.trade.query': 'query',
    'alipay.trade.close': 'close',
    'alipay.trade.refund': 'refund',
  } as const;
  type Row = [
    method: keyof typeof stubOf,
    reply: Record<string, unknown>,
    code: string,
    subCode: string | undefined,
    fields?: Record<string, string>,
  ];
  const refusal = (code: string) => ({ ok: false, code });
  const rows: Row[] = [
    ['alipay.trade.query', { status: 'ACQ.TRADE_NOT_EXIST' }, '40004', 'ACQ.TRADE_NOT_EXIST'],
    [
      'alipay.trade.query',
      { status: 'TRADE_SUCCESS' },
      '10000',
      undefined,
      { trade_status: 'TRADE_SUCCESS' },
    ],
    ['alipay.trade.query', { status: 'TRADE_CLOSED' }, '10000', undefined, { trade_status: 'TRADE_CLOSED' }],
    ['alipay.trade.query', refusal('SYSTEMERROR'), '20000', 'isp.unknow-error'],
    ['alipay.trade.close', { result: 'closed' }, '10000', undefined, { out_trade_no: 'M-9-1' }],
    ['alipay.trade.close', { result: 'not-exist' }, '40004', 'ACQ.TRADE_NOT_EXIST'],
    ['alipay.trade.close', { result: 'status-error' }, '40004', 'ACQ.TRADE_STATUS_ERROR'],
    ['alipay.trade.close', refusal('SYSTEMERROR'), '20000', 'isp.unknow-error'],
    [
      'alipay.trade.refund',
      { status: 'fund_change=Y' },
      '10000',
      undefined,
      { fund_change: 'Y', refund_fee: '1.00' },
    ],
    [
      'alipay.trade.refund',
      refusal('REFUND_AMOUNT_EXCEEDS_REFUNDABLE'),
      '40004',
      'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
    ],
    ['alipay.trade.refund', refusal('TRADE_NOT_PAID'), '40004', 'ACQ.TRADE_STATUS_ERROR'],
    ['alipay.trade.refund', refusal('TRADE_NOT_EXIST'), '40004', 'ACQ.TRADE_NOT_EXIST'],
    ['alipay.trade.refund', refusal('ACQ.TRADE_HAS_FINISHED'), '40004', 'ACQ.TRADE_HAS_FINISHED'],
    ['alipay.trade.refund', refusal('SYSTEMERROR'), '20000', 'isp.unknow-error'],
    ['alipay.trade.precreate', refusal('ORDERPAID'), '40004', 'ACQ.TRADE_HAS_SUCCESS'],
    ['alipay.trade.precreate', refusal('ACQ.CONTEXT_INCONSISTENT'), '40004', 'ACQ.CONTEXT_INCONSISTENT'],
    ['alipay.trade.precreate', refusal('SYSTEMERROR'), '20000', 'isp.unknow-error'],
  ];
  it.each(rows)('%s: the model answering %j is %s %s', async (method, reply, code, subCode, fields = {}) => {
    const stub = stubOf[method];
    next[stub] = () => ({ ok: true, ...reply });
    const biz =
      stub === 'prepay' ? precreate : { out_trade_no: 'M-9-1', refund_amount: '1.00', out_request_no: 'R1' };
    const answer = await call(method, biz);
    expect(answer).toMatchObject({ code, ...fields });
    expect(answer.sub_code).toBe(subCode);
    const args = { prepay: 'o9.1~1 100', query: 'o9.1~1', close: 'o9.1~1', refund: 'o9.1~1 R1 100' };
    expect(asked).toEqual([`${stub} ${args[stub]}`]);
    expect(story).toEqual([
      [`Alipay ${method} → ${code}${subCode === undefined ? '' : ` ${subCode}`}`, 'o9.1'],
    ]);
  });

  it.each([
    ['no answer in time', () => ({ ok: false })],
    ['a crashed caller', crashed],
  ])('%s is a network error, told as no answer', async (_, reply) => {
    next.query = reply;
    await expect(
      post(sdkFor().sdkExecute('alipay.trade.query', { bizContent: { out_trade_no: 'M-9-1' } })),
    ).rejects.toThrow();
    expect(story).toEqual([['Alipay alipay.trade.query → no answer (network error)', 'o9.1']]);
  });

  it('answers a trade it never made ACQ.TRADE_NOT_EXIST without asking the model', async () => {
    for (const method of ['alipay.trade.query', 'alipay.trade.close', 'alipay.trade.refund'])
      expect(
        await call(method, { out_trade_no: 'M-unknown', refund_amount: '1.00', out_request_no: 'R9' }),
      ).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });
    expect(asked).toEqual([]);
  });
});
