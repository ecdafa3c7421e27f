// Stripe PaymentIntents. Sources, by page name in Stripe's documentation:
// - "How PaymentIntents work": requires_payment_method → requires_action (3-D Secure) → processing →
//   succeeded, or back to requires_payment_method when the payment fails; canceled. Card payments
//   succeed at once; delayed methods (bank debits) stay processing for days.
// - "Cancel a PaymentIntent": only before it succeeded; on a succeeded intent the error
//   payment_intent_unexpected_state carries the intent, so the caller learns it succeeded.
// - "Receive Stripe events in your webhook endpoint": events at least once and in no guaranteed
//   order (payment_intent.succeeded may come before payment_intent.processing); any 2xx answers;
//   retried "for up to three days with an exponential back off" (the intervals are not published:
//   5m, 30m, 2h, 4h, 8h, 16h, then daily to 72h, as observed by third parties, is modelled); answer
//   "quickly": third-party write-ups give 3 s to 30 s, so both are modelled (a choice in between).
// - "Check the webhook signatures": Stripe-Signature with a timestamp, 5 minutes' tolerance; the
//   official libraries reject a timestamp older than that, not one in the future.
// - "Idempotent requests": keys are kept 24 hours; the same key with other parameters is an
//   idempotency_error. The merchant's out_trade_no is the key of the create call here.
// - "Refunds": pending, then succeeded or failed (final: a new refund is needed; canceled only by the
//   merchant); the same idempotency key is the same refund, a new key refunds again, up to the amount.
// A Checkout Session expires after 24 hours by default and cancels its intent: that is the expiry.

import type { ProviderProfile } from './provider-profile.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;

export const stripe: ProviderProfile = {
  name: 'stripe',
  statusNames: {
    NOTPAY: 'requires_payment_method',
    PROCESSING: 'processing',
    SUCCESS: 'succeeded',
    FINISHED: 'succeeded',
    CLOSED: 'canceled',
    // A refund does not change the intent: it stays succeeded (the charge is refunded).
    REFUND: 'succeeded',
    NOT_EXIST: 'resource_missing',
  },
  notifyNames: {
    NOTPAY: 'payment_intent.payment_failed',
    PROCESSING: 'payment_intent.processing',
    SUCCESS: 'payment_intent.succeeded',
    CLOSED: 'payment_intent.canceled',
  },
  // A failed refund is final: money back needs a new refund (paysim's CLOSED). Only the merchant
  // cancels one, and nothing like WeChat's ABNORMAL exists.
  refundNames: { PROCESSING: 'pending', SUCCESS: 'succeeded', CLOSED: 'failed' },
  notifyRetryScheduleMs: [5 * m, 25 * m, 90 * m, 2 * h, 4 * h, 8 * h, 24 * h, 24 * h, 8 * h],
  ackReply: { httpStatus: 200, body: '' },
  isAck: (reply) => reply.httpStatus >= 200 && reply.httpStatus < 300,
  answerWithinMs: [3 * s, 30 * s],
  timestampToleranceMs: 5 * m,
  timestampCheck: 'too-old',
  stateBeforeBuyerActs: 'NOTPAY',
  closeBeforeBuyerActsCloses: true,
  closeNotBeforeMs: 0,
  closeOfPaidTrade: 'paid',
  closeOfPaidCode: 'payment_intent_unexpected_state',
  reusedKeyCode: 'idempotency_error',
  queryLagMs: 0,
  refundSettlesAfterMs: 30 * s,
  refundWindowMs: 0,
  asyncPayments: true,
  merchantId: 'acct_1PaysimTestMerchant',
  signingKey: 'whsec_paysim_test',
};
