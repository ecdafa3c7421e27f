// Alipay (precreate / page pay). Notifies at 4m, 10m, 10m, 1h, 2h, 6h, 15h after the first, until
// answered with the body exactly `success`. Before the buyer scans, a query answers TRADE_NOT_EXIST
// and a close does not take (the trade does not exist yet), so the buyer can still pay afterwards;
// close works only in WAIT_BUYER_PAY: on a paid trade it answers ACQ.TRADE_STATUS_ERROR, which does
// not mean paid; a close that takes is notified as TRADE_CLOSED ("alipay.trade.close", "Async
// notification": notifications are sent for other statuses than success too). Notifications are
// RSA2-signed; check amount, seller and app.

import type { ProviderProfile } from './provider-profile.ts';

const m = 60 * 1000;
const h = 60 * m;

export const alipay: ProviderProfile = {
  name: 'alipay',
  notifyRetryScheduleMs: [4 * m, 10 * m, 10 * m, h, 2 * h, 6 * h, 15 * h],
  ackReply: { httpStatus: 200, body: 'success' },
  isAck: (reply) => reply.httpStatus === 200 && reply.body === 'success',
  timestampToleranceMs: 5 * m,
  statusBeforeBuyerActs: 'NOT_EXIST',
  closeBeforeBuyerActsCloses: false,
  tradeExpiresAfterMs: 2 * h,
  closeNotBeforeMs: 0,
  closeOfPaidTrade: 'status-error',
  notifiesClose: true,
  queryLagMs: 5 * 1000,
  merchantId: '2088102146225135',
  signingKey: 'alipay-public-key',
};
