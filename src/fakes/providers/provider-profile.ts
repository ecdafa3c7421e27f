// What distinguishes one payment provider from another, as the fake gateway and the payment center
// see it. Values come from the providers' public documentation (see ../../../README.md, "Providers").

export interface ProviderProfile {
  readonly name: string;
  /** Delay before each re-notification after the first, until acked (ms). */
  readonly notifyRetryScheduleMs: readonly number[];
  /** The reply a merchant must give for the provider to stop re-notifying. */
  readonly ackReply: { readonly httpStatus: number; readonly body: string };
  isAck(reply: { readonly httpStatus: number; readonly body: string }): boolean;
  /** Notifications older than this are to be rejected by a verifying merchant. */
  readonly timestampToleranceMs: number;
  /** How a query answers before the buyer has acted on the pre-pay. */
  readonly statusBeforeBuyerActs: 'NOTPAY' | 'NOT_EXIST';
  /** Whether closing a trade the buyer has not opened yet really closes it. */
  readonly closeBeforeBuyerActsCloses: boolean;
  /** An unpaid trade expires on its own after this long (the expiry the merchant sets). */
  readonly tradeExpiresAfterMs: number;
  /** A close sent sooner than this after the trade was created fails (an error answer). */
  readonly closeNotBeforeMs: number;
  /**
   * How a close of a paid trade is answered: WeChat says ORDERPAID ("paid", treat it as paid);
   * Alipay says ACQ.TRADE_STATUS_ERROR ("status-error"), which does not say what the status is.
   */
  readonly closeOfPaidTrade: 'paid' | 'status-error';
  /** Whether a close that takes is followed by a notification of the closed trade (Alipay TRADE_CLOSED). */
  readonly notifiesClose: boolean;
  /** For this long after a payment, a query may still answer the status from before it (a choice). */
  readonly queryLagMs: number;
  readonly merchantId: string;
  readonly signingKey: string;
}
