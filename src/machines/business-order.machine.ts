// The business app's order for one submission: dedupe, create, wait for payment, fulfil or close.
//
// States: deduping → creating → open → paid
//                     ↘ rejected    ↘ closing → closed (or paid, if the payment center says so)
//         dormant: restored after a crash with nothing to re-drive it (no recovery job)
//
// Assumes: results arrive from the payment center by MQ or direct call, each carrying how to
// acknowledge it (`ack`); the payment center answers `payment.close` with closed or succeeded;
// Redis answers every command. Shipping is recorded in the order row itself, in the same write
// as `paid`, so a crash cannot leave an order paid but unshipped; the exactly-once checker counts it.

import { and, assign, enqueueActions, not, setup } from 'xstate';
import type { Design } from '../designs/design.ts';
import type { OrderRow, OrderStatus } from '../domain/rows.ts';
import { extend } from '../kernel/copy.ts';
import { type Effect, send } from '../kernel/machine-host.ts';
import { formatDuration } from '../kernel/time-format.ts';
import type { Message } from '../kernel/trace.ts';

export interface BusinessOrderInput {
  readonly orderId: string;
  readonly intentId: string;
  readonly amount: number;
  readonly user: string;
  readonly design: Design;
  readonly restored?: OrderRow;
}

interface Context extends OrderRow {
  readonly design: Design;
  readonly queries: number;
  readonly closeTries: number;
  /** Volatile: this transition ships, so its write records the fulfilment in the same transaction. */
  readonly shipping: boolean;
}

type Ack = { readonly to: string; readonly msg: Message };
type Reply = { readonly replyTo: string };
export type BusinessOrderEvent =
  | ({ type: 'order.submit'; intentId: string; orderId: string; amount: number } & Reply)
  | ({ type: 'redis.reply'; value: string | null } & Reply)
  | { type: 'db.written' }
  | { type: 'db.conflict' }
  | ({ type: 'pay.requested'; orderId: string } & Reply)
  | ({ type: 'payment.created'; orderId: string; outTradeNo: string } & Reply)
  | ({ type: 'payment.succeeded'; orderId: string; outTradeNo: string; amount: number; ack: Ack } & Reply)
  | ({ type: 'payment.status'; orderId: string; status: string } & Reply)
  | ({ type: 'payment.closed'; orderId: string } & Reply);

const m = (c: Context) => c.design.mitigations;
const dedupeKey = (c: Context) => `submit:${c.user}:${c.intentId}`;

function row(c: Context): OrderRow {
  return {
    orderId: c.orderId,
    intentId: c.intentId,
    user: c.user,
    amount: c.amount,
    status: c.status,
    reason: c.reason,
    shipments: c.shipments,
  };
}

export const businessOrderMachine = setup({
  types: {} as { context: Context; events: BusinessOrderEvent; input: BusinessOrderInput; emitted: Effect },
  delays: {
    orderTimeout: ({ context }) => context.design.timing.orderTimeoutMs,
    requestTimeout: ({ context }) => context.design.timing.requestTimeoutMs,
    // Each close retry waits twice as long as the last, up to the design's cap: a partition lasting
    // minutes outlives retries a request timeout apart.
    closeRetry: ({ context }) =>
      Math.min(
        context.design.timing.requestTimeoutMs * 2 ** Math.max(0, context.closeTries - 1),
        Math.max(context.design.timing.requestTimeoutMs, context.design.timing.closeRetryMaxMs),
      ),
    firstQuery: ({ context }) => (m(context).appQuery || { afterMs: 0 }).afterMs,
    nextQuery: ({ context }) => (m(context).appQuery || { intervalMs: 0 }).intervalMs,
  },
  guards: {
    restoredAs: ({ context }, status: OrderStatus) => context.status === status,
    restored: ({ context }) => context.status !== undefined,
    recoveryJob: ({ context }) => m(context).recoveryJob,
    noDedupe: ({ context }) => m(context).dedupe === false,
    checkThenSet: ({ context }) => {
      const d = m(context).dedupe;
      return d !== false && d.mode === 'check-then-set';
    },
    // GET answers null when no one holds the key; SET NX answers OK when this submission claimed it.
    keyClaimed: ({ context, event }) => {
      const d = m(context).dedupe;
      return (
        event.type === 'redis.reply' && event.value === (d !== false && d.mode === 'set-nx' ? 'OK' : null)
      );
    },
    dbUniqueGuard: ({ context }) => m(context).dbUniqueGuard,
    appQuery: ({ context }) => m(context).appQuery !== false,
    queriesLeft: ({ context }) => {
      const q = m(context).appQuery;
      return q !== false && context.queries < q.attempts;
    },
    idempotentConsumer: ({ context }) => m(context).idempotentConsumer,
    saysPaid: ({ event }) => event.type === 'payment.status' && event.status === 'paid',
    closeTriesLeft: ({ context }) => context.closeTries < 10,
  },
  actions: {
    persist: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({
        type: 'write',
        table: 'orders',
        key: context.orderId,
        row: row(context),
        fulfils: context.shipping,
      });
      if (context.shipping) enqueue.assign({ shipping: false });
    }),
    claimKey: enqueueActions(({ context, enqueue }) => {
      const d = m(context).dedupe;
      if (d === false) return;
      const key = dedupeKey(context);
      // The article's measure read literally: look first, set later (after creating the order).
      if (d.mode === 'check-then-set')
        enqueue.emit(send('redis', { type: 'redis.get', key, replyKey: context.orderId }));
      else
        enqueue.emit(
          send('redis', {
            type: 'redis.set',
            key,
            value: context.orderId,
            nx: true,
            ttlMs: d.ttlMs,
            replyKey: context.orderId,
          }),
        );
    }),
    noteRedisSilent: enqueueActions(({ context, enqueue }) => {
      enqueue.emit({
        type: 'note',
        text: `heard nothing from Redis about ${context.orderId}'s duplicate-submission key in ${formatDuration(context.design.timing.requestTimeoutMs)}: creates the order without it (fail open)`,
      });
    }),
    setKeyAfterCreate: enqueueActions(({ context, enqueue }) => {
      const d = m(context).dedupe;
      if (d === false || d.mode !== 'check-then-set') return;
      enqueue.emit(
        send('redis', {
          type: 'redis.set',
          key: dedupeKey(context),
          value: context.orderId,
          ttlMs: d.ttlMs,
          replyKey: context.orderId,
        }),
      );
    }),
    insertOrder: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ status: 'created' });
      enqueue.emit({
        type: 'write',
        table: 'orders',
        key: context.orderId,
        row: extend(row(context), { status: 'created' as const }),
        uniqueBy: m(context).dbUniqueGuard ? `${context.user}:${context.intentId}` : undefined,
      });
    }),
    tellUserCreated: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(
        send('users', { type: 'order.created', orderId: context.orderId, intentId: context.intentId }),
      );
    }),
    tellUserRejected: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(
        send('users', { type: 'order.rejected', orderId: context.orderId, intentId: context.intentId }),
      );
    }),
    requestPayment: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(send('pc', { type: 'payment.create', orderId: context.orderId, amount: context.amount }));
    }),
    tellUserPayReady: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'payment.created') return;
      enqueue.emit(
        send('users', {
          type: 'pay.ready',
          orderId: context.orderId,
          intentId: context.intentId,
          outTradeNo: event.outTradeNo,
        }),
      );
    }),
    queryPayment: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ queries: context.queries + 1 });
      enqueue.emit(send('pc', { type: 'payment.query', orderId: context.orderId }));
    }),
    markPaid: assign({ status: 'paid' as const }),
    ship: assign(({ context }) => ({ shipments: context.shipments + 1, shipping: true })),
    ack: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'payment.succeeded') enqueue.emit(send(event.ack.to, event.ack.msg));
    }),
    markClosing: assign(({ context }) => ({
      status: 'closing' as const,
      closeTries: context.closeTries + 1,
    })),
    requestClose: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(send('pc', { type: 'payment.close', orderId: context.orderId }));
    }),
    markClosed: assign({ status: 'closed' as const }),
    markException: assign({
      status: 'exception' as const,
      reason: 'the payment center never confirmed the close',
    }),
  },
}).createMachine({
  id: 'businessOrder',
  context: ({ input }) => ({
    orderId: input.orderId,
    intentId: input.intentId,
    amount: input.amount,
    user: input.user,
    status: undefined as unknown as OrderStatus,
    shipments: 0,
    ...input.restored,
    design: input.design,
    queries: 0,
    closeTries: 0,
    shipping: false,
  }),
  initial: 'restoring',
  states: {
    restoring: {
      always: [
        { guard: not('restored'), target: 'deduping' },
        { guard: { type: 'restoredAs', params: 'paid' as const }, target: 'paid' },
        { guard: { type: 'restoredAs', params: 'closed' as const }, target: 'closed' },
        { guard: { type: 'restoredAs', params: 'exception' as const }, target: 'exception' },
        {
          guard: and([{ type: 'restoredAs', params: 'closing' as const }, 'recoveryJob']),
          target: 'closing',
        },
        { guard: 'recoveryJob', target: 'open' },
        { target: 'dormant' },
      ],
    },
    deduping: {
      entry: 'claimKey',
      always: { guard: 'noDedupe', target: 'creating' },
      on: {
        'redis.reply': [{ guard: 'keyClaimed', target: 'creating' }, { target: 'rejected' }],
      },
      // Redis down or its reply lost: the order is not refused for it (fail open); only a guard
      // in the database then stands between a double click and two orders.
      after: { requestTimeout: { target: 'creating', actions: 'noteRedisSilent' } },
    },
    creating: {
      entry: 'insertOrder',
      always: {
        guard: not('dbUniqueGuard'),
        target: 'open',
        actions: ['tellUserCreated', 'setKeyAfterCreate'],
      },
      on: {
        'db.written': { target: 'open', actions: ['tellUserCreated', 'setKeyAfterCreate'] },
        'db.conflict': 'rejected',
      },
    },
    rejected: { entry: 'tellUserRejected', type: 'final' },
    open: {
      on: {
        'pay.requested': { actions: 'requestPayment' },
        'payment.created': { actions: 'tellUserPayReady' },
      },
      after: {
        orderTimeout: { target: 'closing' },
        firstQuery: { guard: 'appQuery', target: '.querying' },
      },
      initial: 'waiting',
      states: {
        waiting: {},
        querying: {
          entry: 'queryPayment',
          after: { nextQuery: { guard: 'queriesLeft', target: 'querying', reenter: true } },
        },
      },
    },
    closing: {
      entry: ['markClosing', 'persist', 'requestClose'],
      on: { 'payment.closed': { target: 'closed', actions: ['markClosed', 'persist'] } },
      after: {
        closeRetry: [
          { guard: 'closeTriesLeft', target: 'closing', reenter: true },
          { target: 'exception', actions: ['markException', 'persist'] },
        ],
      },
    },
    // Restored after a crash with no recovery job: no timers, but results still land.
    dormant: {},
    exception: {},
    paid: {
      on: {
        'payment.succeeded': [
          { guard: 'idempotentConsumer', actions: 'ack' },
          { actions: ['ship', 'persist', 'ack'] },
        ],
        'payment.status': {},
      },
    },
    closed: {
      // A late result for a closed order: acknowledge it; refunding is the payment center's job.
      on: { 'payment.succeeded': { actions: 'ack' }, 'payment.status': {} },
    },
  },
  on: {
    'payment.succeeded': { target: '.paid', actions: ['markPaid', 'ship', 'persist', 'ack'] },
    'payment.status': { guard: 'saysPaid', target: '.paid', actions: ['markPaid', 'ship', 'persist'] },
  },
});
