// WeChat Pay v3 (JSAPI/Native). Sources, by page name in WeChat Pay's merchant documentation:
// - "Payment notification" (支付通知): only successful payments are notified, at 15s, 15s, 30s, 3m,
//   10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h, until answered with HTTP 200/204 within 5 s;
//   a slower answer counts as failed. Callbacks older than 5 minutes are to be rejected.
// - "Close an order" (关闭订单): an order cannot be closed within 5 minutes of its creation.
// - "JSAPI order" (JSAPI下单): an order already paid answers ORDERPAID; time_expire sets the expiry;
//   the same out_trade_no with other parameters answers OUT_TRADE_NO_USED.
// - "Query an order" (查询订单): trade_state NOTPAY until the merchant closes it or it passes
//   time_expire; the callback may come before the query agrees (query again when they disagree).
// - "Error codes" (错误码): SYSTEMERROR/5xx means the outcome is unknown: query, or retry.
// - "Refund" / "Refund notification" (申请退款 / 退款结果通知): a refund is PROCESSING, then SUCCESS,
//   CLOSED or ABNORMAL (the card cannot take it; the merchant re-submits it as an abnormal refund);
//   the same out_refund_no is idempotent, a new one refunds again; partial refunds up to the amount.

import type { ProviderProfile } from './provider-profile.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;

export const wechat: ProviderProfile = {
  name: 'wechat',
  statusNames: {
    NOTPAY: 'NOTPAY',
    PROCESSING: 'USERPAYING',
    SUCCESS: 'SUCCESS',
    FINISHED: 'SUCCESS',
    CLOSED: 'CLOSED',
    REFUND: 'REFUND',
    NOT_EXIST: 'ORDER_NOT_EXIST',
  },
  notifyNames: { SUCCESS: 'SUCCESS' },
  refundNames: { PROCESSING: 'PROCESSING', SUCCESS: 'SUCCESS', CLOSED: 'CLOSED', ABNORMAL: 'ABNORMAL' },
  notifyRetryScheduleMs: [
    15 * s,
    15 * s,
    30 * s,
    3 * m,
    10 * m,
    20 * m,
    30 * m,
    30 * m,
    30 * m,
    h,
    3 * h,
    3 * h,
    3 * h,
    6 * h,
    6 * h,
  ],
  ackReply: { httpStatus: 204, body: '' },
  isAck: (reply) => (reply.httpStatus === 200 || reply.httpStatus === 204) && reply.body === '',
  answerWithinMs: [5 * s],
  timestampToleranceMs: 5 * m,
  timestampCheck: 'either-way',
  stateBeforeBuyerActs: 'NOTPAY',
  closeBeforeBuyerActsCloses: true,
  closeNotBeforeMs: 5 * m,
  closeOfPaidTrade: 'paid',
  closeOfPaidCode: 'ORDERPAID',
  reusedKeyCode: 'OUT_TRADE_NO_USED',
  queryLagMs: 5 * s,
  refundSettlesAfterMs: m,
  refundWindowMs: 0,
  asyncPayments: false,
  merchantId: 'wx-mch-1900000001',
  signingKey: 'wechat-platform-key',
};
