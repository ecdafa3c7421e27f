// Alipay (precreate / page pay). Sources, by page name in Alipay's open platform documentation:
// - "Async notification" (异步通知说明): notifies at 4m, 10m, 10m, 1h, 2h, 6h, 15h after the first,
//   until answered with the body exactly `success`; notifications are sent for other statuses than
//   success too (TRADE_CLOSED when a trade is closed or fully refunded, TRADE_FINISHED when the
//   refund window ends); RSA2-signed; check amount, seller and app. The page gives no answer time
//   limit; 15 s is assumed.
// - "alipay.trade.query": before the buyer scans, ACQ.TRADE_NOT_EXIST; then WAIT_BUYER_PAY,
//   TRADE_SUCCESS, TRADE_FINISHED, TRADE_CLOSED (closed unpaid, or fully refunded).
// - "alipay.trade.close": works only in WAIT_BUYER_PAY; before the buyer scans it answers
//   ACQ.TRADE_NOT_EXIST and the trade stays payable; on a paid trade ACQ.TRADE_STATUS_ERROR, which
//   does not say paid.
// - "alipay.trade.refund": synchronous (fund_change=Y); the same out_request_no is idempotent; no
//   refund once the trade is TRADE_FINISHED (past the refund window set when signing, 3 months here).
// - "alipay.trade.precreate": the same out_trade_no with other parameters: ACQ.CONTEXT_INCONSISTENT.

import type { ProviderProfile } from './provider-profile.ts';

const m = 60 * 1000;
const h = 60 * m;

export const alipay: ProviderProfile = {
  name: 'alipay',
  statusNames: {
    NOTPAY: 'WAIT_BUYER_PAY',
    PROCESSING: 'WAIT_BUYER_PAY',
    SUCCESS: 'TRADE_SUCCESS',
    FINISHED: 'TRADE_FINISHED',
    CLOSED: 'TRADE_CLOSED',
    REFUND: 'TRADE_CLOSED',
    NOT_EXIST: 'ACQ.TRADE_NOT_EXIST',
  },
  notifyNames: {
    SUCCESS: 'TRADE_SUCCESS',
    FINISHED: 'TRADE_FINISHED',
    CLOSED: 'TRADE_CLOSED',
    REFUND: 'TRADE_CLOSED',
  },
  refundNames: { SUCCESS: 'fund_change=Y' },
  notifyRetryScheduleMs: [4 * m, 10 * m, 10 * m, h, 2 * h, 6 * h, 15 * h],
  ackReply: { httpStatus: 200, body: 'success' },
  isAck: (reply) => reply.httpStatus === 200 && reply.body === 'success',
  answerWithinMs: [15 * 1000],
  timestampToleranceMs: 5 * m,
  timestampCheck: 'either-way',
  stateBeforeBuyerActs: 'NOT_EXIST',
  closeBeforeBuyerActsCloses: false,
  closeNotBeforeMs: 0,
  closeOfPaidTrade: 'status-error',
  closeOfPaidCode: 'ACQ.TRADE_STATUS_ERROR',
  reusedKeyCode: 'ACQ.CONTEXT_INCONSISTENT',
  queryLagMs: 5 * 1000,
  refundSettlesAfterMs: 0,
  refundWindowMs: 90 * 24 * h,
  asyncPayments: false,
  merchantId: '2088102146225135',
  signingKey: 'alipay-public-key',
};
