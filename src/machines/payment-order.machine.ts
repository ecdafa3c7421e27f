// The payment center's payment order for one business order. It asks the gateway for a pre-pay,
// waits for the signed callback, and forwards the result to the business app. The article's measures
// and the hardened extras are guards and delays read from the design; none is a second machine.
//
// Regions (parallel):
//   payment:  idle → creating → awaiting → querying ⇄ waitingToQuery → giving-up → closing → closed
//             │ every unpaid state (`open`) accepts a verified success → paid; exception keeps a reason
//   forward:  idle → sending (retry) → done; durable through the outbox when that is on
//   refunds:  idle → refunding (retry) → idle; for captures that must not be kept
//
// Assumes: the gateway answers requests or stays silent (never lies); the business app acknowledges
// forwarded results; the host routes messages by order id and rebuilds the actor from its row after
// a crash (volatile context and timers are lost, the row is kept).

import { and, assign, enqueueActions, not, raise, setup } from 'xstate';
import type { Design } from '../designs/design.ts';
import {
  type CloseResult,
  type GatewayStatus,
  type Notification,
  outTradeNoFor,
} from '../domain/messages.ts';
import type { PaymentRow, PaymentStatus } from '../domain/rows.ts';
import {
  isPaidState,
  type ProviderProfile,
  type RefundState,
  refundStateOf,
  stateOf,
} from '../fakes/providers/provider-profile.ts';
import { signatureValid } from '../fakes/signature.ts';
import { extend } from '../kernel/copy.ts';
import { type Effect, send } from '../kernel/machine-host.ts';

export interface PaymentOrderInput {
  readonly orderId: string;
  readonly amount: number;
  readonly design: Design;
  readonly profile: ProviderProfile;
  readonly restored?: PaymentRow;
}

interface Context extends PaymentRow {
  readonly design: Design;
  readonly profile: ProviderProfile;
  /** Volatile: counts for the request being retried, the query schedule, the forward retries. */
  readonly tries: number;
  readonly queryIndex: number;
  readonly forwardTries: number;
  readonly closePending: readonly string[];
  readonly prepayId?: string;
}

type Reply = { readonly replyTo: string };
export type PaymentOrderEvent =
  | ({ type: 'payment.create'; orderId: string; amount: number } & Reply)
  | ({ type: 'payment.close'; orderId: string } & Reply)
  | ({ type: 'payment.query'; orderId: string } & Reply)
  | ({ type: 'gateway.prepay.result'; outTradeNo: string; ok: boolean; prepayId?: string } & Reply)
  | ({ type: 'gateway.notify'; notification: Notification; atMs: number } & Reply)
  | ({ type: 'gateway.query.result'; outTradeNo: string; ok: boolean; status?: GatewayStatus } & Reply)
  | ({
      type: 'gateway.close.result';
      outTradeNo: string;
      ok: boolean;
      result?: CloseResult;
    } & Reply)
  | ({
      type: 'gateway.refund.result';
      outTradeNo: string;
      refundNo?: string;
      ok: boolean;
      status?: string;
      code?: string;
    } & Reply)
  | ({ type: 'gateway.refund.notify'; outTradeNo: string; refundNo: string; status: string } & Reply)
  | ({ type: 'payment.ack'; orderId: string } & Reply)
  | ({ type: 'mq.confirm'; messageId: string } & Reply)
  | { type: 'forward.start' }
  | { type: 'refund.start' };

const m = (c: Context) => c.design.mitigations;
const current = (c: Context) => c.attempts[c.attempts.length - 1] as string;

/** Whether a callback's status, in the provider's words, says paid (WeChat SUCCESS, Alipay TRADE_SUCCESS or TRADE_FINISHED, Stripe payment_intent.succeeded). */
function notifiesPaid(c: Context, n: Notification): boolean {
  return isPaidState(stateOf(c.profile.notifyNames, n.status));
}

/** Whether a callback this old (on our clock) is fresh enough: some providers' checks reject the future too. */
function fresh(profile: ProviderProfile, ageMs: number): boolean {
  const tolerance = profile.timestampToleranceMs;
  return profile.timestampCheck === 'too-old' ? ageMs <= tolerance : Math.abs(ageMs) <= tolerance;
}

function authentic(c: Context, e: PaymentOrderEvent): boolean {
  if (e.type !== 'gateway.notify') return false;
  const n = e.notification;
  // Without the status check, any callback that gets through is read as "paid".
  if (m(c).checkNotifyStatus && !notifiesPaid(c, n)) return false;
  if (!m(c).verifyNotifications) return true;
  return (
    signatureValid(c.profile.signingKey, n) &&
    fresh(c.profile, e.atMs - n.timestampMs) &&
    n.amount === c.amount &&
    n.merchant === c.profile.merchantId &&
    c.attempts.includes(n.outTradeNo)
  );
}

/** A refund answer or callback's outcome, in paysim's words. */
function refundState(c: Context, e: PaymentOrderEvent): RefundState | undefined {
  if (e.type !== 'gateway.refund.result' && e.type !== 'gateway.refund.notify') return undefined;
  if (e.type === 'gateway.refund.result' && !e.ok) return undefined;
  return refundStateOf(c.profile, e.status);
}

/** The refund number in use for a trade's refund: a new one only after the provider closed the last. */
function refundNo(c: Context, outTradeNo: string): string {
  return c.refundNumbers?.[outTradeNo] ?? `refund-${outTradeNo}`;
}

function successOutTradeNo(e: PaymentOrderEvent): string {
  if (e.type === 'gateway.notify') return e.notification.outTradeNo;
  if ('outTradeNo' in e) return e.outTradeNo;
  throw new Error(`${e.type} carries no out_trade_no`);
}

/** The answer to a callback the payment center cannot verify: a failure, so the gateway notifies again. */
const rejectReply = { httpStatus: 400, body: 'FAIL' };

/** The HTTP answer to the gateway's callback `event`, with `reply`'s status and body. */
function answerNotification(
  event: PaymentOrderEvent & { type: 'gateway.notify' },
  reply: { readonly httpStatus: number; readonly body: string },
): Effect {
  return send(event.replyTo, {
    type: 'gateway.notify.ack',
    outTradeNo: event.notification.outTradeNo,
    notifiedAtMs: event.notification.timestampMs,
    ...reply,
  });
}

function row(c: Context): PaymentRow {
  return {
    orderId: c.orderId,
    amount: c.amount,
    status: c.status,
    attempts: c.attempts,
    paidBy: c.paidBy,
    reason: c.reason,
    outbox: c.outbox,
    refundsPending: c.refundsPending,
    refundsDone: c.refundsDone,
    ...(c.refundNumbers === undefined ? {} : { refundNumbers: c.refundNumbers }),
  };
}

/**
 * A refund's outcome, from the answer to a refund request or from the refund callback. A closed
 * refund never pays out: with `renewClosedRefunds` the next request carries a new refund number; an
 * abnormal one (the card could not take it) is re-submitted under its own number by the next
 * request either way. Without it, a closed refund is left for a person.
 */
const refundOutcome = [
  { guard: { type: 'refundIs', params: 'SUCCESS' as const }, actions: ['refundDone', 'persist'] },
  {
    guard: and([{ type: 'refundIs', params: 'CLOSED' as const }, 'renewClosedRefunds']),
    actions: ['renewRefundNo', 'persist'],
  },
  // Closed, and nothing issues it again: the customer is not refunded until a person does it.
  { guard: { type: 'refundIs', params: 'CLOSED' as const }, actions: ['giveUpRefund', 'persist'] },
  // Refused for good (nothing captured, already refunded, past the refund window): a person's job.
  { guard: 'refundRefused', actions: ['giveUpRefund', 'persist'] },
] as const;

/** Commit paid, then acknowledge the callback (if one brought the news), then forward the result. */
const recordPaid = ['markPaid', 'persist', 'ackNotification', 'startForward'] as const;
/** Record the capture as one to give back, acknowledge the callback (if any), start refunding. */
const refundCapture = ['queueRefund', 'persist', 'ackNotification', 'startRefund'] as const;

export const paymentOrderMachine = setup({
  types: {} as {
    context: Context;
    events: PaymentOrderEvent;
    input: PaymentOrderInput;
    emitted: Effect;
  },
  delays: {
    requestTimeout: ({ context }) => context.design.timing.requestTimeoutMs,
    notifyTimeout: ({ context }) => (m(context).timeoutQuery || { afterMs: 0 }).afterMs,
    queryInterval: ({ context }) => {
      const q = m(context).timeoutQuery;
      return q ? (q.intervalsMs[context.queryIndex] ?? 0) : 0;
    },
    forwardInterval: ({ context }) => (m(context).forwardRetry || { intervalMs: 0 }).intervalMs,
    refundPoll: 60_000,
    watchInterval: ({ context }) => (m(context).watchProcessing || { intervalMs: 0 }).intervalMs,
  },
  guards: {
    restoredAs: ({ context }, status: PaymentStatus) => context.status === status,
    recoveryJob: ({ context }) => m(context).recoveryJob,
    payingLock: ({ context }) => m(context).payingLock,
    timeoutQuery: ({ context }) => m(context).timeoutQuery !== false,
    closeBeforeGiveUp: ({ context }) => m(context).closeBeforeGiveUp,
    idempotentNotify: ({ context }) => m(context).idempotentNotify,
    refundUnmatched: ({ context }) => m(context).refundUnmatched,
    outbox: ({ context }) => m(context).outbox,
    outboxPending: ({ context }) => m(context).outbox && context.outbox === 'pending',
    refundsPending: ({ context }) => context.refundsPending.length > 0,
    monotoneState: ({ context }) => m(context).monotoneState,
    giveUpWithOrder: ({ context }) => m(context).giveUpWithOrder,
    renewClosedRefunds: ({ context }) => m(context).renewClosedRefunds,
    watchProcessing: ({ context }) => m(context).watchProcessing !== false,
    queryProcessing: ({ context, event }) =>
      event.type === 'gateway.query.result' &&
      event.ok &&
      event.status !== undefined &&
      stateOf(context.profile.statusNames, event.status) === 'PROCESSING',
    refundIs: ({ context, event }, state: RefundState) => refundState(context, event) === state,
    refundRefused: ({ event }) =>
      event.type === 'gateway.refund.result' &&
      !event.ok &&
      event.code !== undefined &&
      event.code !== 'SYSTEMERROR',
    staleAnswer: ({ context, event }) =>
      event.type === 'gateway.query.result' &&
      event.ok &&
      event.status !== undefined &&
      !isPaidState(stateOf(context.profile.statusNames, event.status)) &&
      event.outTradeNo === context.paidBy,
    triesLeft: ({ context }) => context.tries < context.design.timing.requestAttempts,
    queriesLeft: ({ context }) => {
      const q = m(context).timeoutQuery;
      return q !== false && context.queryIndex < q.intervalsMs.length;
    },
    forwardTriesLeft: ({ context }) => {
      const r = m(context).forwardRetry;
      return r !== false && context.forwardTries < r.attempts;
    },
    authentic: ({ context, event }) => authentic(context, event),
    repeatOfPaidAttempt: ({ context, event }) =>
      (event.type === 'gateway.notify' || event.type === 'gateway.query.result') &&
      successOutTradeNo(event) === context.paidBy,
    prepayOk: ({ event }) => event.type === 'gateway.prepay.result' && event.ok,
    queryAnswer: ({ context, event }) =>
      event.type === 'gateway.query.result' && event.ok && event.outTradeNo === current(context),
    querySuccess: ({ context, event }) =>
      event.type === 'gateway.query.result' &&
      event.ok &&
      event.status !== undefined &&
      isPaidState(stateOf(context.profile.statusNames, event.status)),
    // Alipay's ACQ.TRADE_STATUS_ERROR: the trade is not waiting for payment, and only a query says what it is.
    closeSaysStatusError: ({ event }) =>
      event.type === 'gateway.close.result' && event.ok && event.result === 'status-error',
    verifiedNotSuccess: ({ context, event }) =>
      event.type === 'gateway.notify' &&
      !notifiesPaid(context, event.notification) &&
      signatureValid(context.profile.signingKey, event.notification),
    closeSaysPaid: ({ event }) =>
      event.type === 'gateway.close.result' && event.ok && event.result === 'paid',
    // Alipay's TRADE_NOT_EXIST on a close is commonly read as "nothing to close", i.e. closed.
    closeSaysClosed: ({ event }) =>
      event.type === 'gateway.close.result' &&
      event.ok &&
      (event.result === 'closed' || event.result === 'not-exist'),
    lastClose: ({ context, event }) =>
      event.type === 'gateway.close.result' &&
      context.closePending.length === 1 &&
      context.closePending[0] === event.outTradeNo,
  },
  actions: {
    persist: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({ type: 'write', table: 'payments', key: context.orderId, row: row(context) });
    }),
    newAttempt: assign(({ context }) => ({
      status: 'paying' as const,
      attempts: [...context.attempts, outTradeNoFor(context.orderId, context.attempts.length + 1)],
      tries: 0,
      queryIndex: 0,
      prepayId: undefined,
    })),
    sendPrepay: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ tries: context.tries + 1 });
      enqueue.emit(
        send('gateway', {
          type: 'gateway.prepay',
          outTradeNo: current(context),
          amount: context.amount,
          expiresAfterMs: context.design.timing.tradeExpiresAfterMs,
        }),
      );
    }),
    rememberPrepay: assign(({ event }) => ({
      prepayId: event.type === 'gateway.prepay.result' ? event.prepayId : undefined,
    })),
    tellAppPrepay: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(
        send('app', {
          type: 'payment.created',
          orderId: context.orderId,
          outTradeNo: current(context),
          prepayId: context.prepayId,
        }),
      );
    }),
    sendQuery: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(send('gateway', { type: 'gateway.query', outTradeNo: current(context) }));
    }),
    nextQuery: assign(({ context }) => ({ queryIndex: context.queryIndex + 1 })),
    startClosing: assign(({ context }) => ({
      status: 'closing' as const,
      reason: undefined,
      closePending: context.attempts,
      tries: 0,
    })),
    sendCloses: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ tries: context.tries + 1 });
      for (const outTradeNo of context.closePending) {
        enqueue.emit(send('gateway', { type: 'gateway.close', outTradeNo }));
      }
    }),
    closeAnswered: assign(({ context, event }) => ({
      closePending: context.closePending.filter(
        (o) => event.type !== 'gateway.close.result' || o !== event.outTradeNo,
      ),
    })),
    markClosed: assign({ status: 'closed' as const, reason: undefined }),
    markPaying: assign({ status: 'paying' as const, paidBy: undefined, reason: undefined }),
    tellAppClosed: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(send('app', { type: 'payment.closed', orderId: context.orderId }));
    }),
    markException: assign((_, reason: string) => ({ status: 'exception' as const, reason })),
    markPaid: assign(({ context, event }) => ({
      status: 'paid' as const,
      reason: undefined,
      paidBy: successOutTradeNo(event),
      outbox: m(context).outbox ? ('pending' as const) : undefined,
      forwardTries: 0,
    })),
    ackNotification: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'gateway.notify') enqueue.emit(answerNotification(event, context.profile.ackReply));
    }),
    rejectNotification: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'gateway.notify') enqueue.emit(answerNotification(event, rejectReply));
    }),
    replyStatus: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'payment.query') return;
      enqueue.emit(
        send(event.replyTo, { type: 'payment.status', orderId: context.orderId, status: context.status }),
      );
    }),
    sendForward: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ forwardTries: context.forwardTries + 1 });
      const result = {
        type: 'payment.succeeded',
        orderId: context.orderId,
        outTradeNo: context.paidBy,
        amount: context.amount,
      };
      if (context.design.forwarding === 'mq') {
        enqueue.emit(
          send('mq', {
            type: 'mq.publish',
            messageId: `${context.orderId}/paid`,
            to: 'app',
            payload: result,
          }),
        );
      } else {
        enqueue.emit(
          send(
            'app',
            extend(result, { ack: { to: 'pc', msg: { type: 'payment.ack', orderId: context.orderId } } }),
          ),
        );
      }
    }),
    startForward: raise({ type: 'forward.start' }),
    startRefund: raise({ type: 'refund.start' }),
    markForwarded: enqueueActions(({ context, enqueue }) => {
      if (!m(context).outbox) return;
      enqueue.assign({ outbox: 'done' });
      enqueue.emit({
        type: 'write',
        table: 'payments',
        key: context.orderId,
        row: extend(row(context), { outbox: 'done' as const }),
      });
    }),
    queueRefund: assign(({ context, event }) => {
      const outTradeNo = successOutTradeNo(event);
      if (context.refundsPending.includes(outTradeNo) || context.refundsDone.includes(outTradeNo)) return {};
      return { refundsPending: [...context.refundsPending, outTradeNo], tries: 0 };
    }),
    sendRefunds: enqueueActions(({ context, enqueue }) => {
      for (const outTradeNo of context.refundsPending) {
        enqueue.emit(
          send('gateway', {
            type: 'gateway.refund',
            outTradeNo,
            refundNo: refundNo(context, outTradeNo),
            amount: context.amount,
          }),
        );
      }
    }),
    refundDone: assign(({ context, event }) => {
      if (
        (event.type !== 'gateway.refund.result' && event.type !== 'gateway.refund.notify') ||
        !context.refundsPending.includes(event.outTradeNo)
      )
        return {};
      return {
        refundsPending: context.refundsPending.filter((o) => o !== event.outTradeNo),
        refundsDone: [...context.refundsDone, event.outTradeNo],
      };
    }),
    giveUpRefund: assign(({ context, event }) => {
      if (event.type !== 'gateway.refund.result' && event.type !== 'gateway.refund.notify') return {};
      const why =
        event.type === 'gateway.refund.result' && !event.ok
          ? `refused (${event.code})`
          : `closed (${event.status})`;
      return {
        refundsPending: context.refundsPending.filter((o) => o !== event.outTradeNo),
        reason: `the refund of ${event.outTradeNo} was ${why}: for a person to look at`,
      };
    }),
    /** The provider closed the refund: it will never pay out, so the next one needs a new number. */
    renewRefundNo: assign(({ context, event }) => {
      if (event.type !== 'gateway.refund.result' && event.type !== 'gateway.refund.notify') return {};
      const current = refundNo(context, event.outTradeNo);
      if (event.refundNo !== undefined && event.refundNo !== current) return {};
      // refund-<trade>, then refund-<trade>-2, -3, …
      const issued = /-(\d+)$/.exec(current.slice(`refund-${event.outTradeNo}`.length))?.[1];
      const next = `refund-${event.outTradeNo}-${Number(issued ?? 1) + 1}`;
      return { refundNumbers: { ...context.refundNumbers, [event.outTradeNo]: next } };
    }),
  },
}).createMachine({
  id: 'paymentOrder',
  type: 'parallel',
  context: ({ input }) => ({
    orderId: input.orderId,
    amount: input.amount,
    status: 'paying',
    attempts: [],
    refundsPending: [],
    refundsDone: [],
    ...input.restored,
    design: input.design,
    profile: input.profile,
    tries: 0,
    queryIndex: 0,
    forwardTries: 0,
    closePending: [],
  }),
  // Fallback for a notification no state accepts: unverifiable or not a success. It changes nothing.
  on: {
    // A verified notification of another status (Alipay TRADE_CLOSED) is acknowledged and ignored.
    'gateway.notify': [
      { guard: 'verifiedNotSuccess', actions: 'ackNotification' },
      { actions: 'rejectNotification' },
    ],
    'payment.query': { actions: 'replyStatus' },
  },
  states: {
    payment: {
      initial: 'restoring',
      states: {
        restoring: {
          always: [
            { guard: ({ context }) => context.attempts.length === 0, target: 'idle' },
            { guard: { type: 'restoredAs', params: 'paid' }, target: 'paid' },
            { guard: { type: 'restoredAs', params: 'closed' }, target: 'closed' },
            { guard: { type: 'restoredAs', params: 'exception' }, target: 'open.exception' },
            {
              guard: and([{ type: 'restoredAs', params: 'closing' as const }, 'recoveryJob']),
              target: 'open.closing',
            },
            { guard: 'recoveryJob', target: 'open.querying' },
            { target: 'open.dormant' },
          ],
        },
        idle: {
          on: {
            'payment.create': { target: 'open.creating', actions: ['newAttempt', 'persist'] },
            'payment.close': { target: 'closed', actions: ['markClosed', 'persist', 'tellAppClosed'] },
          },
        },
        open: {
          initial: 'creating',
          on: {
            'gateway.notify': {
              guard: 'authentic',
              target: 'paid',
              actions: recordPaid,
            },
            'gateway.query.result': {
              guard: 'querySuccess',
              target: 'paid',
              actions: recordPaid,
            },
            'gateway.close.result': {
              guard: 'closeSaysPaid',
              target: 'paid',
              actions: recordPaid,
            },
            'payment.query': { actions: ['replyStatus', 'sendQuery'] },
            'payment.create': [
              { guard: 'payingLock', actions: 'tellAppPrepay' },
              { target: '.creating', actions: ['newAttempt', 'persist'] },
            ],
            'payment.close': [
              { guard: 'closeBeforeGiveUp', target: '.closing' },
              { target: 'closed', actions: ['markClosed', 'persist', 'tellAppClosed'] },
            ],
          },
          states: {
            creating: {
              entry: 'sendPrepay',
              on: {
                'gateway.prepay.result': [
                  { guard: 'prepayOk', target: 'awaiting', actions: ['rememberPrepay', 'tellAppPrepay'] },
                ],
              },
              after: {
                requestTimeout: [
                  { guard: 'triesLeft', target: 'creating', reenter: true },
                  { target: 'givingUp' },
                ],
              },
            },
            awaiting: {
              after: { notifyTimeout: { guard: 'timeoutQuery', target: 'querying' } },
            },
            querying: {
              entry: 'sendQuery',
              on: {
                'gateway.query.result': [
                  { guard: and(['queryAnswer', 'queryProcessing', 'watchProcessing']), target: 'watching' },
                  { guard: and(['queryAnswer', not('querySuccess')]), target: 'waitingToQuery' },
                ],
              },
              after: { requestTimeout: { target: 'waitingToQuery' } },
            },
            // The payment is on its way (Stripe processing): it can neither be closed nor given up.
            watching: {
              after: { watchInterval: { target: 'querying' } },
            },
            waitingToQuery: {
              always: { guard: not('queriesLeft'), target: 'givingUp' },
              after: { queryInterval: { target: 'querying', actions: 'nextQuery' } },
            },
            givingUp: {
              always: [
                // While the business order is open its pay page is too: a customer may still pay.
                {
                  guard: 'giveUpWithOrder',
                  target: 'exception',
                  actions: [
                    {
                      type: 'markException',
                      params:
                        'no result from the gateway after every query; waiting for the business app to close the order',
                    },
                    'persist',
                  ],
                },
                { guard: 'closeBeforeGiveUp', target: 'closing' },
                {
                  target: 'exception',
                  actions: [
                    { type: 'markException', params: 'no result from the gateway after every query' },
                    'persist',
                  ],
                },
              ],
            },
            closing: {
              entry: ['startClosing', 'persist'],
              initial: 'attempt',
              states: {
                // One round of close requests; re-entered while tries are left.
                attempt: {
                  entry: 'sendCloses',
                  after: {
                    requestTimeout: [
                      { guard: 'triesLeft', target: 'attempt', reenter: true },
                      {
                        target: '#paymentOrder.payment.open.exception',
                        actions: [
                          { type: 'markException', params: 'no close at the gateway took' },
                          'persist',
                        ],
                      },
                    ],
                  },
                },
              },
              on: {
                'gateway.close.result': [
                  {
                    guard: and(['closeSaysClosed', 'lastClose']),
                    target: '#paymentOrder.payment.closed',
                    actions: ['markClosed', 'persist', 'tellAppClosed'],
                  },
                  { guard: 'closeSaysClosed', actions: 'closeAnswered' },
                  { guard: 'closeSaysStatusError', actions: 'sendQuery' },
                ],
                'gateway.query.result': [
                  {
                    guard: and(['queryAnswer', 'queryProcessing', 'watchProcessing']),
                    target: '#paymentOrder.payment.open.watching',
                  },
                ],
              },
            },
            exception: {},
            // Restored after a crash without a recovery job: nothing re-drives it, but it still listens.
            dormant: {},
          },
        },
        // Entered from a recorded success, or restored after a crash (then nothing is re-sent
        // unless the outbox says the business app has not confirmed the result).
        paid: {
          on: {
            'gateway.notify': [
              {
                guard: and(['authentic', 'repeatOfPaidAttempt', 'idempotentNotify']),
                actions: 'ackNotification',
              },
              {
                guard: and(['authentic', 'refundUnmatched', not('repeatOfPaidAttempt')]),
                actions: refundCapture,
              },
              { guard: and(['authentic', 'idempotentNotify']), actions: 'ackNotification' },
              {
                guard: 'authentic',
                target: 'paid',
                reenter: true,
                actions: recordPaid,
              },
            ],
            'gateway.query.result': [
              {
                guard: and(['querySuccess', 'refundUnmatched', not('repeatOfPaidAttempt')]),
                actions: refundCapture,
              },
              // Without a monotone state the last answer wins, even a stale NOTPAY for the paying trade.
              {
                guard: and(['staleAnswer', not('monotoneState')]),
                target: '#paymentOrder.payment.open.awaiting',
                actions: ['markPaying', 'persist'],
              },
            ],
            // The business app is closing an order we hold as paid: tell it again.
            'payment.close': { actions: 'startForward' },
          },
        },
        closed: {
          on: {
            'gateway.notify': [
              {
                guard: and(['authentic', 'refundUnmatched']),
                actions: refundCapture,
              },
              { guard: and(['authentic', 'idempotentNotify']), actions: 'ackNotification' },
              { guard: 'authentic', target: 'paid', actions: recordPaid },
            ],
            'gateway.query.result': {
              guard: and(['querySuccess', 'refundUnmatched']),
              actions: refundCapture,
            },
            'payment.close': { actions: 'tellAppClosed' },
            // The order is still open at the business app (this payment was closed on our side, e.g.
            // after the pre-pay failed): a new pay click starts a new attempt.
            'payment.create': { target: 'open.creating', actions: ['newAttempt', 'persist'] },
          },
        },
      },
    },
    forward: {
      initial: 'restoring',
      states: {
        restoring: {
          always: [{ guard: 'outboxPending', target: 'sending' }, { target: 'idle' }],
        },
        idle: { on: { 'forward.start': 'sending' } },
        sending: {
          entry: 'sendForward',
          on: {
            'forward.start': { target: 'sending', reenter: true },
            'payment.ack': { target: 'done', actions: 'markForwarded' },
            'mq.confirm': { target: 'done', actions: 'markForwarded' },
          },
          after: {
            forwardInterval: [
              { guard: 'forwardTriesLeft', target: 'sending', reenter: true },
              { target: 'done' },
            ],
          },
        },
        done: { on: { 'forward.start': 'sending' } },
      },
    },
    refunds: {
      initial: 'restoring',
      states: {
        restoring: {
          always: [
            { guard: and(['refundsPending', 'recoveryJob']), target: 'refunding' },
            { target: 'idle' },
          ],
        },
        idle: { on: { 'refund.start': 'refunding' } },
        // Refund requests go out again, with the same numbers, until each has an outcome; a refund
        // still PROCESSING is asked about again a minute later, unless its callback comes first.
        refunding: {
          initial: 'sending',
          // A repeated callback for a capture already refunded queues nothing: nothing to retry.
          always: { guard: not('refundsPending'), target: 'idle' },
          on: {
            'gateway.refund.result': refundOutcome,
            'gateway.refund.notify': refundOutcome,
            'refund.start': { target: 'refunding', reenter: true },
          },
          states: {
            sending: {
              entry: 'sendRefunds',
              on: {
                'gateway.refund.result': {
                  guard: { type: 'refundIs', params: 'PROCESSING' as const },
                  target: 'waiting',
                },
              },
              after: { requestTimeout: { target: 'sending', reenter: true } },
            },
            waiting: { after: { refundPoll: 'sending' } },
          },
        },
      },
    },
  },
});
