// One trade at the payment provider (WeChat Pay / Alipay), keyed by out_trade_no, as its public
// documentation describes it; the provider profile supplies the differences.
//
// States: notPaid → paid(notifying → acked | exhausted) → refunded
//                 ↘ closed (by the merchant, or expired)
//
// A paid trade notifies the merchant on the profile's retry schedule until a reply passes the
// profile's ack rule. Queries answer the trade status; closing a paid trade answers "paid"
// (WeChat ORDERPAID, Alipay TRADE_STATUS_ERROR); refunds are idempotent per refund number. A close
// sooner after creation than the profile allows fails (WeChat: 5 minutes), and a pre-pay for a
// paid trade answers ORDERPAID instead of a pre-pay id.
// The provider is honest: it never reports a state the trade is not in.

import { enqueueActions, setup } from 'xstate';
import type { Notification } from '../domain/messages.ts';
import type { TradeRow } from '../domain/rows.ts';
import type { ProviderProfile } from '../fakes/providers/provider-profile.ts';
import { signNotification } from '../fakes/signature.ts';
import { type Effect, send } from '../kernel/machine-host.ts';

export interface GatewayTransactionInput {
  readonly outTradeNo: string;
  readonly orderId: string;
  readonly amount: number;
  readonly merchant: string;
  readonly profile: ProviderProfile;
  /** The world's virtual clock, read to timestamp notifications. */
  readonly now: () => number;
}

interface Context extends GatewayTransactionInput {
  readonly notifications: number;
  readonly createdAtMs: number;
}

type Reply = { readonly replyTo: string };
export type GatewayTransactionEvent =
  | ({ type: 'gateway.prepay'; outTradeNo: string } & Reply)
  | ({ type: 'user.pay'; outTradeNo: string; userId: string; intentId: string } & Reply)
  | ({ type: 'gateway.query'; outTradeNo: string } & Reply)
  | ({ type: 'gateway.close'; outTradeNo: string } & Reply)
  | ({ type: 'gateway.refund'; outTradeNo: string; refundNo: string } & Reply)
  | ({ type: 'gateway.notify.ack'; outTradeNo: string; httpStatus: number; body: string } & Reply);

function trade(c: Context, status: TradeRow['status'], capturedAtMs?: number): Effect {
  const row: TradeRow = {
    outTradeNo: c.outTradeNo,
    orderId: c.orderId,
    amount: c.amount,
    status,
    ...(capturedAtMs === undefined ? {} : { capturedAtMs }),
  };
  return { type: 'write', table: 'trades', key: c.outTradeNo, row };
}

export const gatewayTransactionMachine = setup({
  types: {} as {
    context: Context;
    events: GatewayTransactionEvent;
    input: GatewayTransactionInput;
    emitted: Effect;
  },
  delays: {
    notifyRetry: ({ context }) => context.profile.notifyRetryScheduleMs[context.notifications - 1] ?? 0,
    tradeExpiry: ({ context }) => context.profile.tradeExpiresAfterMs,
  },
  guards: {
    retriesLeft: ({ context }) => context.notifications <= context.profile.notifyRetryScheduleMs.length,
    isAck: ({ context, event }) => event.type === 'gateway.notify.ack' && context.profile.isAck(event),
    closeTakesBeforeBuyerActs: ({ context }) => context.profile.closeBeforeBuyerActsCloses,
    tooSoonToClose: ({ context }) => context.now() - context.createdAtMs < context.profile.closeNotBeforeMs,
  },
  actions: {
    answerPrepay: enqueueActions(({ context, event, enqueue }) => {
      enqueue.emit(
        send(event.replyTo, {
          type: 'gateway.prepay.result',
          outTradeNo: context.outTradeNo,
          ok: true,
          prepayId: `prepay-${context.outTradeNo}`,
        }),
      );
    }),
    /** Answers a query; `before-payment` is what this provider says before the buyer acts. */
    answerStatus: enqueueActions(({ context, event, enqueue }, status: string) => {
      const answer = status === 'before-payment' ? context.profile.statusBeforeBuyerActs : status;
      enqueue.emit(
        send(event.replyTo, {
          type: 'gateway.query.result',
          outTradeNo: context.outTradeNo,
          ok: true,
          status: answer,
        }),
      );
    }),
    refuseClose: enqueueActions(({ context, event, enqueue }) => {
      enqueue.emit(
        send(event.replyTo, {
          type: 'gateway.close.result',
          outTradeNo: context.outTradeNo,
          ok: false,
          code: 'TOO_SOON_TO_CLOSE',
        }),
      );
    }),
    answerOrderPaid: enqueueActions(({ context, event, enqueue }) => {
      enqueue.emit(
        send(event.replyTo, {
          type: 'gateway.prepay.result',
          outTradeNo: context.outTradeNo,
          ok: false,
          code: 'ORDERPAID',
        }),
      );
    }),
    answerCloseOfPaid: enqueueActions(({ context, event, enqueue }) => {
      enqueue.emit(
        send(event.replyTo, {
          type: 'gateway.close.result',
          outTradeNo: context.outTradeNo,
          ok: true,
          result: context.profile.closeOfPaidTrade,
        }),
      );
    }),
    answerClose: enqueueActions(({ context, event, enqueue }, result: 'closed' | 'paid' | 'not-exist') => {
      // Alipay answers TRADE_NOT_EXIST to a close before the buyer acts; the trade stays payable.
      enqueue.emit(
        send(event.replyTo, {
          type: 'gateway.close.result',
          outTradeNo: context.outTradeNo,
          ok: true,
          result,
        }),
      );
    }),
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
    capture: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(trade(context, 'SUCCESS', context.now()));
      enqueue.emit({
        type: 'write',
        table: 'captures',
        key: context.outTradeNo,
        row: { orderId: context.orderId, amount: context.amount },
      });
    }),
    markClosed: enqueueActions(({ context, enqueue }) => enqueue.emit(trade(context, 'CLOSED'))),
    notify: enqueueActions(({ context, enqueue }, status: 'SUCCESS' | 'CLOSED' = 'SUCCESS') => {
      const unsigned: Omit<Notification, 'signature'> = {
        outTradeNo: context.outTradeNo,
        amount: context.amount,
        merchant: context.merchant,
        status,
        timestampMs: context.now(),
        nonce: `${context.outTradeNo}/${context.notifications}`,
      };
      const notification: Notification = {
        ...unsigned,
        signature: signNotification(context.profile.signingKey, unsigned),
      };
      enqueue.assign({ notifications: context.notifications + 1 });
      enqueue.emit(send('pc', { type: 'gateway.notify', notification }));
    }),
    refund: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'gateway.refund') return;
      enqueue.emit(trade(context, 'REFUND'));
      enqueue.emit({
        type: 'write',
        table: 'refunds',
        key: event.refundNo,
        row: { orderId: context.orderId, outTradeNo: context.outTradeNo, amount: context.amount },
      });
    }),
    answerRefund: enqueueActions(({ context, event, enqueue }) => {
      enqueue.emit(
        send(event.replyTo, { type: 'gateway.refund.result', outTradeNo: context.outTradeNo, ok: true }),
      );
    }),
  },
}).createMachine({
  id: 'gatewayTransaction',
  context: ({ input }) => ({ ...input, notifications: 0, createdAtMs: input.now() }),
  initial: 'notPaid',
  entry: enqueueActions(({ context, enqueue }) => enqueue.emit(trade(context, 'NOTPAY'))),
  states: {
    notPaid: {
      on: {
        'gateway.prepay': { actions: 'answerPrepay' },
        'user.pay': { target: 'paid', actions: ['capture', { type: 'answerPay', params: true }] },
        'gateway.query': { actions: { type: 'answerStatus', params: 'before-payment' } },
        'gateway.close': [
          { guard: 'tooSoonToClose', actions: 'refuseClose' },
          {
            guard: 'closeTakesBeforeBuyerActs',
            target: 'closed',
            actions: ['markClosed', { type: 'answerClose', params: 'closed' as const }],
          },
          { actions: { type: 'answerClose', params: 'not-exist' as const } },
        ],
        'gateway.refund': {},
      },
      after: { tradeExpiry: { target: 'closed', actions: 'markClosed' } },
    },
    paid: {
      initial: 'notifying',
      on: {
        'gateway.prepay': { actions: 'answerOrderPaid' },
        'user.pay': { actions: { type: 'answerPay', params: false } },
        'gateway.query': { actions: { type: 'answerStatus', params: 'SUCCESS' } },
        'gateway.close': { actions: 'answerCloseOfPaid' },
        'gateway.refund': { target: 'refunded', actions: ['refund', 'answerRefund'] },
      },
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
    // Alipay notifies a closed trade (TRADE_CLOSED) once; a merchant must not read it as paid.
    closed: {
      entry: enqueueActions(({ context, enqueue }) => {
        if (context.profile.notifiesClose) enqueue({ type: 'notify', params: 'CLOSED' });
      }),
      on: {
        'user.pay': { actions: { type: 'answerPay', params: false } },
        'gateway.query': { actions: { type: 'answerStatus', params: 'CLOSED' } },
        'gateway.close': { actions: { type: 'answerClose', params: 'closed' as const } },
        'gateway.prepay': {},
        'gateway.refund': {},
      },
    },
    refunded: {
      on: {
        'user.pay': { actions: { type: 'answerPay', params: false } },
        'gateway.query': { actions: { type: 'answerStatus', params: 'REFUND' } },
        'gateway.close': { actions: 'answerCloseOfPaid' },
        'gateway.refund': { actions: 'answerRefund' },
      },
    },
  },
});
