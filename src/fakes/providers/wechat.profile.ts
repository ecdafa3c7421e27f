// WeChat Pay v3 (JSAPI/Native). Notifies successful payments only, at 15s, 15s, 30s, 3m, 10m, 20m,
// 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h until answered with HTTP 200/204 and no body. A NOTPAY
// order stays payable until closed or expired (time_expire, 2 h here); closing a paid order answers
// ORDERPAID. Callbacks older than 5 minutes are to be rejected. Sources: "Close an order" (an order
// cannot be closed within 5 minutes of its creation), "JSAPI order" (an order already paid answers
// ORDERPAID), "Callback notification" (answer within 5 s), "Query an order" (NOTPAY until closed
// or past time_expire), "Error codes" (SYSTEMERROR: the outcome is unknown; query or retry).

import type { ProviderProfile } from './provider-profile.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;

export const wechat: ProviderProfile = {
  name: 'wechat',
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
  timestampToleranceMs: 5 * m,
  statusBeforeBuyerActs: 'NOTPAY',
  closeBeforeBuyerActsCloses: true,
  tradeExpiresAfterMs: 2 * h,
  closeNotBeforeMs: 5 * m,
  closeOfPaidTrade: 'paid',
  notifiesClose: false,
  // The callback can be sent while the order query still answers NOTPAY ("Query an order": query
  // after the callback, or retry, when they disagree).
  queryLagMs: 5 * s,
  merchantId: 'wx-mch-1900000001',
  signingKey: 'wechat-platform-key',
};
