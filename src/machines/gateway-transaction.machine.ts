// One trade at the payment provider (WeChat Pay, Alipay, Stripe), keyed by out_trade_no, as its
// public documentation describes it; the provider profile supplies the differences and the names.
//
// States: notPaid ─pay→ paid(notifying → acked | exhausted) ─refunds→ refunded
//            │  └─pay (delayed method)→ processing ─→ paid, or back to notPaid (failed)
//            └─ close / expiry → closed                paid ─refund window→ finished
//
// A paid trade notifies the merchant on the profile's retry schedule until a reply passes the
// profile's ack rule; other states are notified once where the provider does (Alipay TRADE_CLOSED,
// Stripe's payment_intent.* events). Queries answer the state under the provider's name; closing a
// paid trade answers the profile's code (WeChat ORDERPAID, Alipay ACQ.TRADE_STATUS_ERROR, Stripe
// payment_intent_unexpected_state). A close sooner after creation than the profile allows fails
// (WeChat: 5 minutes); a pre-pay for a paid trade answers ORDERPAID; a pre-pay reusing the
// out_trade_no with another amount is refused (the idempotency key's parameters must match).
// Refunds: each refund number is one refund, idempotent; a new number refunds again, up to the
// amount (counting refunds still processing or abnormal); each is PROCESSING until its outcome
// (decided by the gateway service when it is asked, a choice) settles it, and the merchant hears it
// by a refund callback or by asking again with the same number.
// The provider is honest: it never reports a state the trade is not in.

import { assign, enqueueActions, setup } from 'xstate';
import type { Notification } from '../domain/messages.ts';
import type { TradeRow } from '../domain/rows.ts';
import type { ProviderProfile, RefundState, TradeState } from '../fakes/providers/provider-profile.ts';
import { signNotification } from '../fakes/signature.ts';
import { extend } from '../kernel/copy.ts';
import { type Effect, send } from '../kernel/machine-host.ts';

export interface GatewayTransactionInput {
  readonly outTradeNo: string;
  readonly orderId: string;
  readonly amount: number;
  readonly merchant: string;
  readonly profile: ProviderProfile;
  /** The expiry the merchant set on the pre-pay: unpaid by then, the trade closes itself. */
  readonly expiresAfterMs: number;
  /** The world's virtual clock, read to timestamp notifications. */
  readonly now: () => number;
}

interface Refund {
  readonly amount: number;
  readonly state: RefundState;
  /** How it will end, decided when it was asked for. */
  readonly outcome: RefundState;
}

interface Context extends GatewayTransactionInput {
  readonly notifications: number;
  /** Notifications sent before the success one: each event has its own retry schedule. */
  readonly beforeSuccess: number;
  /** The buyer has scanned or paid: on Alipay the trade exists only from then on. */
  readonly buyerActed: boolean;
  readonly createdAtMs: number;
  readonly refunds: Readonly<Record<string, Refund>>;
  /** A delayed payment method's outcome, while the trade is processing. */
  readonly settling?: 'succeeds' | 'fails';
}

/** How a delayed payment method ends and after how long (Stripe's bank debits); absent: at once. */
export interface Settlement {
  readonly outcome: 'succeeds' | 'fails';
  readonly afterMs: number;
}

type Reply = { readonly replyTo: string };
export type GatewayTransactionEvent =
  | ({ type: 'gateway.prepay'; outTradeNo: string; amount: number; expiresAfterMs: number } & Reply)
  | ({
      type: 'user.pay';
      outTradeNo: string;
      userId: string;
      intentId: string;
      settlement?: Settlement;
    } & Reply)
  | ({ type: 'gateway.query'; outTradeNo: string } & Reply)
  | ({ type: 'user.scan'; outTradeNo: string } & Reply)
  | ({ type: 'gateway.close'; outTradeNo: string } & Reply)
  | ({
      type: 'gateway.refund';
      outTradeNo: string;
      refundNo: string;
      amount: number;
      /** How this refund will end if it is a new one: SUCCESS unless the `refund.outcome` choice says otherwise. */
      outcome?: RefundState;
    } & Reply)
  | ({ type: 'gateway.notify.ack'; outTradeNo: string; httpStatus: number; body: string } & Reply)
  | { type: 'payment.settle' }
  | { type: 'refund.settle'; refundNo: string };

function trade(c: Context, state: TradeRow['state'], capturedAtMs?: number): Effect {
  const row: TradeRow = {
    outTradeNo: c.outTradeNo,
    orderId: c.orderId,
    amount: c.amount,
    state,
    status: c.profile.statusNames[state],
    ...(capturedAtMs === undefined ? {} : { capturedAtMs }),
  };
  return { type: 'write', table: 'trades', key: c.outTradeNo, row };
}

/** Money the trade can still give back: refunds processing, done or stuck as abnormal count against it. */
function refundable(c: Context): number {
  const held = Object.values(c.refunds).filter((r) => r.state !== 'CLOSED');
  return c.amount - held.reduce((sum, r) => sum + r.amount, 0);
}

function refundedInFull(c: Context): boolean {
  const done = Object.values(c.refunds).filter((r) => r.state === 'SUCCESS');
  return done.reduce((sum, r) => sum + r.amount, 0) >= c.amount;
}

/** The sender of a request; internal events (a settlement) have none and answer nothing. */
function replyTo(event: GatewayTransactionEvent): string {
  return (event as Partial<Reply>).replyTo ?? '';
}

type RefundEvent = Extract<GatewayTransactionEvent, { type: 'gateway.refund' }>;

export const gatewayTransactionMachine = setup({
  types: {} as {
    context: Context;
    events: GatewayTransactionEvent;
    input: GatewayTransactionInput;
    emitted: Effect;
  },
  delays: {
    notifyRetry: ({ context }) =>
      context.profile.notifyRetryScheduleMs[context.notifications - context.beforeSuccess - 1] ?? 0,
    tradeExpiry: ({ context }) => context.expiresAfterMs,
    refundWindow: ({ context }) => context.profile.refundWindowMs,
  },
  guards: {
    retriesLeft: ({ context }) =>
      context.notifications - context.beforeSuccess <= context.profile.notifyRetryScheduleMs.length,
    isAck: ({ context, event }) => event.type === 'gateway.notify.ack' && context.profile.isAck(event),
    closeTakes: ({ context }) => context.profile.closeBeforeBuyerActsCloses || context.buyerActed,
    existsOnlyOnceScanned: ({ context }) => context.profile.stateBeforeBuyerActs === 'NOT_EXIST',
    tooSoonToClose: ({ context }) => context.now() - context.createdAtMs < context.profile.closeNotBeforeMs,
    otherAmount: ({ context, event }) => event.type === 'gateway.prepay' && event.amount !== context.amount,
    delayedMethod: ({ event }) => event.type === 'user.pay' && event.settlement !== undefined,
    settlesPaid: ({ context }) => context.settling === 'succeeds',
    refundsEnd: ({ context }) => context.profile.refundWindowMs > 0,
    refundedInFull: ({ context }) => refundedInFull(context),
  },
  actions: {
    answerPrepay: enqueueActions(({ context, event, enqueue }) => {
      enqueue.emit(
        send(replyTo(event), {
          type: 'gateway.prepay.result',
          outTradeNo: context.outTradeNo,
          ok: true,
          prepayId: `prepay-${context.outTradeNo}`,
        }),
      );
    }),
    refusePrepay: enqueueActions(({ context, event, enqueue }, code: 'ORDERPAID' | 'reused-key') => {
      enqueue.emit(
        send(replyTo(event), {
          type: 'gateway.prepay.result',
          outTradeNo: context.outTradeNo,
          ok: false,
          code: code === 'reused-key' ? context.profile.reusedKeyCode : code,
        }),
      );
    }),
    /** Answers a query with the state under this provider's name. */
    answerStatus: enqueueActions(({ context, event, enqueue }, state: TradeState | 'before-payment') => {
      const before = context.buyerActed ? 'NOTPAY' : context.profile.stateBeforeBuyerActs;
      const answer = state === 'before-payment' ? before : state;
      enqueue.emit(
        send(replyTo(event), {
          type: 'gateway.query.result',
          outTradeNo: context.outTradeNo,
          ok: true,
          status: context.profile.statusNames[answer],
        }),
      );
    }),
    refuseClose: enqueueActions(({ context, event, enqueue }) => {
      enqueue.emit(
        send(replyTo(event), {
          type: 'gateway.close.result',
          outTradeNo: context.outTradeNo,
          ok: false,
          code: 'TOO_SOON_TO_CLOSE',
        }),
      );
    }),
    answerCloseOfPaid: enqueueActions(({ context, event, enqueue }) => {
      enqueue.emit(
        send(replyTo(event), {
          type: 'gateway.close.result',
          outTradeNo: context.outTradeNo,
          ok: true,
          result: context.profile.closeOfPaidTrade,
          code: context.profile.closeOfPaidCode,
        }),
      );
    }),
    answerClose: enqueueActions(
      ({ context, event, enqueue }, result: 'closed' | 'not-exist' | 'status-error') => {
        // Alipay answers TRADE_NOT_EXIST to a close before the buyer acts; the trade stays payable.
        enqueue.emit(
          send(replyTo(event), {
            type: 'gateway.close.result',
            outTradeNo: context.outTradeNo,
            ok: true,
            result,
          }),
        );
      },
    ),
    answerPay: enqueueActions(({ context, event, enqueue }, ok: boolean) => {
      if (event.type !== 'user.pay') return;
      enqueue.emit(
        send(event.replyTo, {
          type: 'pay.result',
          outTradeNo: context.outTradeNo,
          intentId: event.intentId,
          ok,
        }),
      );
    }),
    startSettling: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'user.pay' || event.settlement === undefined) return;
      enqueue.assign({ settling: event.settlement.outcome });
      enqueue.raise({ type: 'payment.settle' }, { delay: event.settlement.afterMs });
    }),
    capture: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(trade(context, 'SUCCESS', context.now()));
      enqueue.emit({
        type: 'write',
        table: 'captures',
        key: context.outTradeNo,
        row: { orderId: context.orderId, amount: context.amount },
      });
    }),
    markState: enqueueActions(({ context, enqueue }, state: TradeRow['state']) =>
      enqueue.emit(trade(context, state)),
    ),
    /** Tells the merchant the trade's new state, if this provider notifies it. */
    notify: enqueueActions(({ context, enqueue }, state: TradeState) => {
      const status = context.profile.notifyNames[state];
      if (status === undefined) return;
      const unsigned: Omit<Notification, 'signature'> = {
        outTradeNo: context.outTradeNo,
        amount: context.amount,
        merchant: context.merchant,
        status,
        timestampMs: context.now(),
        nonce: `${context.outTradeNo}/${context.notifications}`,
      };
      const notification: Notification = extend(unsigned, {
        signature: signNotification(context.profile.signingKey, unsigned),
      });
      enqueue.assign({ notifications: context.notifications + 1 });
      enqueue.emit(send('pc', { type: 'gateway.notify', notification }));
    }),
    /** A refund request: the same number is the same refund; a new one, if the amount allows, starts. */
    refund: enqueueActions(({ context, event, enqueue }) => {
      const request = event as RefundEvent;
      const known = context.refunds[request.refundNo];
      const answer = (extra: Record<string, unknown>) =>
        enqueue.emit(
          send(request.replyTo, {
            type: 'gateway.refund.result',
            outTradeNo: context.outTradeNo,
            refundNo: request.refundNo,
            ...extra,
          }),
        );
      if (known !== undefined) {
        // An abnormal refund (the card could not take it) is re-submitted under its own number.
        if (known.state === 'ABNORMAL') {
          enqueue.assign({
            refunds: extend(context.refunds, {
              [request.refundNo]: extend(known, {
                state: 'PROCESSING' as const,
                outcome: 'SUCCESS' as const,
              }),
            }),
          });
          enqueue.raise(
            { type: 'refund.settle', refundNo: request.refundNo },
            { delay: context.profile.refundSettlesAfterMs },
          );
          answer({ ok: true, status: context.profile.refundNames.PROCESSING ?? 'PROCESSING' });
          return;
        }
        answer({ ok: true, status: context.profile.refundNames[known.state] ?? known.state });
        return;
      }
      if (request.amount > refundable(context)) {
        answer({ ok: false, code: 'REFUND_AMOUNT_EXCEEDS_REFUNDABLE' });
        return;
      }
      const refund: Refund = {
        amount: request.amount,
        state: 'PROCESSING',
        outcome: request.outcome ?? 'SUCCESS',
      };
      enqueue.assign({ refunds: extend(context.refunds, { [request.refundNo]: refund }) });
      if (context.profile.refundSettlesAfterMs === 0) {
        // A synchronous refund (Alipay): settled before the answer, which says how it ended.
        enqueue.raise({ type: 'refund.settle', refundNo: request.refundNo });
        answer({ ok: true, status: context.profile.refundNames[refund.outcome] ?? refund.outcome });
        return;
      }
      enqueue.raise(
        { type: 'refund.settle', refundNo: request.refundNo },
        { delay: context.profile.refundSettlesAfterMs },
      );
      answer({ ok: true, status: context.profile.refundNames.PROCESSING ?? 'PROCESSING' });
    }),
    refuseRefund: enqueueActions(({ context, event, enqueue }, code: string) => {
      if (event.type !== 'gateway.refund') return;
      enqueue.emit(
        send(event.replyTo, {
          type: 'gateway.refund.result',
          outTradeNo: context.outTradeNo,
          refundNo: event.refundNo,
          ok: false,
          code,
        }),
      );
    }),
    /** A refund reaches its outcome: money goes back on SUCCESS; the merchant hears of it by callback. */
    settleRefund: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'refund.settle') return;
      const refund = context.refunds[event.refundNo];
      if (refund === undefined || refund.state !== 'PROCESSING') return;
      const settled: Refund = extend(refund, { state: refund.outcome });
      const refunds = extend(context.refunds, { [event.refundNo]: settled });
      enqueue.assign({ refunds });
      if (settled.state === 'SUCCESS') {
        enqueue.emit({
          type: 'write',
          table: 'refunds',
          key: event.refundNo,
          row: { orderId: context.orderId, outTradeNo: context.outTradeNo, amount: refund.amount },
        });
      }
      const name = context.profile.refundNames[settled.state];
      if (context.profile.refundNames.PROCESSING === undefined || name === undefined) return;
      enqueue.emit(
        send('pc', {
          type: 'gateway.refund.notify',
          outTradeNo: context.outTradeNo,
          refundNo: event.refundNo,
          status: name,
        }),
      );
    }),
  },
}).createMachine({
  id: 'gatewayTransaction',
  // extend: `{ ...input, notifications: 0, … }`, without V8's cost for keys after a spread.
  context: ({ input }) =>
    extend(input, {
      notifications: 0,
      beforeSuccess: 0,
      buyerActed: false,
      createdAtMs: input.now(),
      refunds: {},
    }),
  initial: 'notPaid',
  // On Alipay a pre-created trade does not exist for queries until the buyer scans it.
  entry: enqueueActions(({ context, enqueue }) =>
    enqueue.emit(
      trade(context, context.profile.stateBeforeBuyerActs === 'NOT_EXIST' ? 'NOT_EXIST' : 'NOTPAY'),
    ),
  ),
  states: {
    notPaid: {
      on: {
        'gateway.prepay': [
          { guard: 'otherAmount', actions: { type: 'refusePrepay', params: 'reused-key' } },
          { actions: 'answerPrepay' },
        ],
        'user.scan': {
          guard: 'existsOnlyOnceScanned',
          actions: [assign({ buyerActed: true }), { type: 'markState', params: 'NOTPAY' }],
        },
        'user.pay': [
          {
            guard: 'delayedMethod',
            target: 'processing',
            actions: [
              { type: 'markState', params: 'PROCESSING' },
              'startSettling',
              { type: 'answerPay', params: true },
            ],
          },
          { target: 'paid', actions: ['capture', { type: 'answerPay', params: true }] },
        ],
        'gateway.query': { actions: { type: 'answerStatus', params: 'before-payment' } },
        'gateway.close': [
          { guard: 'tooSoonToClose', actions: 'refuseClose' },
          {
            guard: 'closeTakes',
            target: 'closed',
            actions: [
              { type: 'markState', params: 'CLOSED' },
              { type: 'answerClose', params: 'closed' as const },
            ],
          },
          { actions: { type: 'answerClose', params: 'not-exist' as const } },
        ],
        'gateway.refund': { actions: { type: 'refuseRefund', params: 'TRADE_NOT_PAID' } },
      },
      after: { tradeExpiry: { target: 'closed', actions: { type: 'markState', params: 'CLOSED' } } },
    },
    // A delayed payment method (Stripe): the buyer has paid, the money has not moved yet. It cannot be
    // canceled any more, and it succeeds or fails on its own.
    processing: {
      entry: [assign({ buyerActed: true }), { type: 'notify', params: 'PROCESSING' as const }],
      on: {
        'gateway.prepay': { actions: 'answerPrepay' },
        'user.pay': { actions: { type: 'answerPay', params: false } },
        'gateway.query': { actions: { type: 'answerStatus', params: 'PROCESSING' } },
        'gateway.close': { actions: { type: 'answerClose', params: 'status-error' as const } },
        'gateway.refund': { actions: { type: 'refuseRefund', params: 'TRADE_NOT_PAID' } },
        'payment.settle': [
          { guard: 'settlesPaid', target: 'paid', actions: 'capture' },
          {
            target: 'notPaid',
            actions: [
              { type: 'markState', params: 'NOTPAY' },
              { type: 'notify', params: 'NOTPAY' },
            ],
          },
        ],
      },
    },
    paid: {
      initial: 'notifying',
      entry: assign(({ context }) => ({ beforeSuccess: context.notifications })),
      on: {
        'gateway.prepay': { actions: { type: 'refusePrepay', params: 'ORDERPAID' } },
        'user.pay': { actions: { type: 'answerPay', params: false } },
        'gateway.query': { actions: { type: 'answerStatus', params: 'SUCCESS' } },
        'gateway.close': { actions: 'answerCloseOfPaid' },
        'gateway.refund': { actions: 'refund' },
        'refund.settle': [
          {
            target: 'refunded',
            actions: [
              'settleRefund',
              { type: 'markState', params: 'REFUND' },
              { type: 'notify', params: 'REFUND' },
            ],
            guard: ({ context, event }) => {
              // Whether this settlement completes the refund of the whole amount.
              const refund = context.refunds[event.refundNo];
              if (refund?.state !== 'PROCESSING' || refund.outcome !== 'SUCCESS') return false;
              const after = extend(context.refunds, {
                [event.refundNo]: extend(refund, { state: 'SUCCESS' as const }),
              });
              return refundedInFull(extend(context, { refunds: after }));
            },
          },
          { actions: 'settleRefund' },
        ],
      },
      after: { refundWindow: { guard: 'refundsEnd', target: 'finished' } },
      states: {
        notifying: {
          entry: { type: 'notify', params: 'SUCCESS' as const },
          on: { 'gateway.notify.ack': { guard: 'isAck', target: 'acked' } },
          after: {
            notifyRetry: [
              { guard: 'retriesLeft', target: 'notifying', reenter: true },
              { target: 'exhausted' },
            ],
          },
        },
        acked: {},
        exhausted: {},
      },
    },
    // Past the refund window (Alipay TRADE_FINISHED): still paid, no refund any more.
    finished: {
      entry: [
        { type: 'markState', params: 'FINISHED' },
        { type: 'notify', params: 'FINISHED' },
      ],
      on: {
        'gateway.prepay': { actions: { type: 'refusePrepay', params: 'ORDERPAID' } },
        'user.pay': { actions: { type: 'answerPay', params: false } },
        'gateway.query': { actions: { type: 'answerStatus', params: 'FINISHED' } },
        'gateway.close': { actions: 'answerCloseOfPaid' },
        'gateway.refund': { actions: { type: 'refuseRefund', params: 'ACQ.TRADE_HAS_FINISHED' } },
        'refund.settle': { actions: 'settleRefund' },
      },
    },
    // Alipay notifies a closed trade (TRADE_CLOSED), Stripe payment_intent.canceled; a merchant must
    // not read either as paid. An Alipay trade the buyer never scanned never existed there: nothing
    // to notify.
    closed: {
      entry: enqueueActions(({ context, enqueue }) => {
        if (context.buyerActed || context.profile.stateBeforeBuyerActs !== 'NOT_EXIST')
          enqueue({ type: 'notify', params: 'CLOSED' });
      }),
      on: {
        'user.pay': { actions: { type: 'answerPay', params: false } },
        'gateway.query': { actions: { type: 'answerStatus', params: 'CLOSED' } },
        'gateway.close': { actions: { type: 'answerClose', params: 'closed' as const } },
        'gateway.prepay': {},
        'gateway.refund': { actions: { type: 'refuseRefund', params: 'TRADE_NOT_PAID' } },
      },
    },
    refunded: {
      on: {
        'user.pay': { actions: { type: 'answerPay', params: false } },
        'gateway.query': { actions: { type: 'answerStatus', params: 'REFUND' } },
        'gateway.close': { actions: 'answerCloseOfPaid' },
        'gateway.refund': { actions: 'refund' },
        'refund.settle': { actions: 'settleRefund' },
      },
    },
  },
});
