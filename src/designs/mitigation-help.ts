// One line per mitigation: what it does, in the words a payment engineer would use.

import type { MitigationName } from './design.ts';

export const mitigationHelp: Readonly<Record<MitigationName, string>> = {
  payingLock:
    'article measure 1: a paying state with a lock, so an order has one live gateway attempt; a second pay click reuses it',
  timeoutQuery:
    'article measure 2: no callback within afterMs → query the gateway after each of intervalsMs, then give up',
  forwardRetry:
    'article measure 3: re-send the result to the business app (direct call or MQ publish) until acknowledged',
  idempotentNotify: 'article measure 4: a repeated callback is only acknowledged; it takes effect once',
  appQuery:
    'article measure 5: the business app asks the payment center (which asks the gateway) after afterMs',
  dedupe:
    'article measure 6: a Redis key per submission; check-then-set is the literal GET-then-SET, set-nx is atomic',
  verifyNotifications:
    "verify a callback's signature, timestamp, amount, merchant and out_trade_no before believing it",
  closeBeforeGiveUp: 'close the gateway order before giving up or closing; ORDERPAID means paid',
  refundUnmatched: 'refund a capture that lands on a closed order or on a second attempt of a paid one',
  outbox: 'write the result for the business app in the same transaction as paid, so a crash cannot lose it',
  recoveryJob: 'after a restart, re-drive orders stuck in paying or closing, and pending refunds',
  idempotentConsumer: 'the business app fulfils on the first result and only acknowledges repeats',
  dbUniqueGuard: 'a unique constraint on (user, submission) behind the Redis key',
  monotoneState:
    'a late or stale answer (NOTPAY after SUCCESS) never moves a paid order back; without it the last answer wins',
  giveUpWithOrder:
    'the payment center gives a payment up only when the business app closes the order; after its queries it waits in exception, still accepting callbacks',
  checkNotifyStatus:
    'a callback counts as paid only if its status says paid (SUCCESS, TRADE_SUCCESS/TRADE_FINISHED, payment_intent.succeeded); others are acknowledged and ignored',
  renewClosedRefunds:
    'a refund the provider closed is issued again under a new refund number; an abnormal one is re-submitted under its own',
  watchProcessing:
    'a payment the provider reports processing (Stripe delayed methods) is queried every intervalMs until it succeeds or fails, instead of being given up; a close from the business app ends the watch unless closeBeforeGiveUp keeps the payment open when the cancel fails',
  reconciliation:
    "afterMs after the payment center starts, compare with the provider's bill; record or refund every capture it missed",
};
