// What distinguishes one payment provider from another, as the fake gateway and the payment center
// see it. Values come from the providers' public documentation; each profile names its sources.
//
// paysim's machines think in one vocabulary of trade states (`TradeState`); every provider keeps its
// own names on the wire (WeChat trade_state, Alipay trade_status, Stripe PaymentIntent status and
// event types). The profile maps one to the other, both ways.

/** A trade's state in paysim's own words. */
export type TradeState = 'NOTPAY' | 'PROCESSING' | 'SUCCESS' | 'FINISHED' | 'CLOSED' | 'REFUND' | 'NOT_EXIST';

/** Where two states share a wire name (Alipay: closed and refunded are both TRADE_CLOSED), the earlier reads. */
const readingOrder: readonly TradeState[] = [
  'NOTPAY',
  'PROCESSING',
  'SUCCESS',
  'FINISHED',
  'CLOSED',
  'REFUND',
  'NOT_EXIST',
];

/** A refund's state, from request to outcome (WeChat: PROCESSING, then SUCCESS, CLOSED or ABNORMAL). */
export type RefundState = 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';

export interface ProviderProfile {
  readonly name: string;
  /** What a query answers for each state. */
  readonly statusNames: Readonly<Record<TradeState, string>>;
  /** Which states are notified to the merchant, under which name (event type or trade status). */
  readonly notifyNames: Readonly<Partial<Record<TradeState, string>>>;
  /** A refund's states on the wire; a provider whose refunds are synchronous names SUCCESS only. */
  readonly refundNames: Readonly<Partial<Record<RefundState, string>>>;
  /** Delay before each re-notification after the first, until acked (ms). */
  readonly notifyRetryScheduleMs: readonly number[];
  /** The reply a merchant must give for the provider to stop re-notifying. */
  readonly ackReply: { readonly httpStatus: number; readonly body: string };
  isAck(reply: { readonly httpStatus: number; readonly body: string }): boolean;
  /**
   * A callback not answered within the first limit may count as failed, past the last it does
   * (ms). Two limits where sources disagree: an answer between them is a choice.
   */
  readonly answerWithinMs: readonly [number, ...number[]];
  /** Notifications older than this are to be rejected by a verifying merchant. */
  readonly timestampToleranceMs: number;
  /**
   * `either-way`: a timestamp further than the tolerance from the merchant's clock, past or future,
   * is rejected (WeChat, Alipay). `too-old`: only one older than that (Stripe's libraries).
   */
  readonly timestampCheck: 'either-way' | 'too-old';
  /** The state a query reports before the buyer has acted on the pre-pay. */
  readonly stateBeforeBuyerActs: TradeState;
  /** Whether closing a trade the buyer has not opened yet really closes it. */
  readonly closeBeforeBuyerActsCloses: boolean;
  /** A close sent sooner than this after the trade was created fails (an error answer). */
  readonly closeNotBeforeMs: number;
  /**
   * How a close of a paid trade is answered: WeChat says ORDERPAID and Stripe's error carries the
   * succeeded intent ("paid", treat it as paid); Alipay says ACQ.TRADE_STATUS_ERROR ("status-error"),
   * which does not say what the status is.
   */
  readonly closeOfPaidTrade: 'paid' | 'status-error';
  /** The provider's error code for that answer. */
  readonly closeOfPaidCode: string;
  /** The error code for a pre-pay that reuses an out_trade_no (idempotency key) with other parameters. */
  readonly reusedKeyCode: string;
  /** For this long after a payment, a query may still answer the status from before it (a choice; 0: never). */
  readonly queryLagMs: number;
  /** A refund stays PROCESSING this long before its outcome (ms). */
  readonly refundSettlesAfterMs: number;
  /** After this long a paid trade is finished: no more refunds (Alipay TRADE_FINISHED); 0: never. */
  readonly refundWindowMs: number;
  /** Whether a payment may stay `processing` before it succeeds or fails (Stripe's delayed methods). */
  readonly asyncPayments: boolean;
  readonly merchantId: string;
  readonly signingKey: string;
}

/** The state a wire name stands for, or undefined for a name this provider does not use. */
export function stateOf(
  names: Readonly<Partial<Record<TradeState, string>>>,
  wire: string,
): TradeState | undefined {
  return readingOrder.find((state) => names[state] === wire);
}

/** The refund state a wire name stands for in this profile, or undefined. */
export function refundStateOf(profile: ProviderProfile, wire: string | undefined): RefundState | undefined {
  const names = profile.refundNames;
  return (Object.keys(names) as RefundState[]).find((state) => names[state] === wire);
}

/** Whether a state means the buyer has paid (Alipay's TRADE_FINISHED is paid and past its refund window). */
export function isPaidState(state: TradeState | undefined): boolean {
  return state === 'SUCCESS' || state === 'FINISHED';
}
