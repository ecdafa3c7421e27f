// A shopper with one purchase intent. How they submit and when they pay are drawn from the choices
// seam by the host (the default is one submit and a prompt payment), so shrinking a failing run
// also shrinks the user's behaviour towards the plainest one.
//
// States: submitting → ordered → awaitingPrepay → paying → done
//
// Assumes: the business app answers a submission with order.created or order.rejected, and a pay
// request with pay.ready; the user pays at the gateway directly, as with a wallet app.

import { assign, enqueueActions, setup } from 'xstate';
import { extend } from '../kernel/copy.ts';
import { type Effect, send } from '../kernel/machine-host.ts';

export const submitBehaviours = ['once', 'double-click', 'retry-after-timeout'] as const;
// New behaviours go at the end: stories name behaviours by their index.
export const payBehaviours = [
  'prompt',
  'slow',
  'after-query-window',
  'after-close',
  'twice',
  'never',
  'after-timeout',
  'clicks-pay-again',
] as const;
export type SubmitBehaviour = (typeof submitBehaviours)[number];
export type PayBehaviour = (typeof payBehaviours)[number];

const s = 1000;
/** When the user pays at the gateway after receiving the pre-pay, per behaviour. */
const payDelayMs: Record<PayBehaviour, number> = {
  prompt: 2 * s,
  slow: 25 * s,
  // Past the payment center's timeout-query window (30 s + 10/20/30 s) in the presets.
  'after-query-window': 3 * 60 * s,
  // Past the business app's order timeout (15 min) in the presets.
  'after-close': 20 * 60 * s,
  twice: 2 * s,
  never: 0,
  // Past the payment center's 30 s callback timeout, inside its query window.
  'after-timeout': 35 * s,
  'clicks-pay-again': 2 * s,
};
const clientRetryAfterMs = 20 * s;
/** A user who sees no pay page this long after clicking pay clicks again. */
const payAgainAfterMs = 3 * s;

/** How long after the pay page opens a user with `pay` pays. */
export function payDelayFor(pay: PayBehaviour): number {
  return payDelayMs[pay];
}

/** How each non-default behaviour reads in a story. */
export const behaviourStory: Record<
  Exclude<SubmitBehaviour | PayBehaviour, 'once' | 'prompt'> | 'timed',
  string
> = {
  'double-click': 'double-clicks submit',
  'retry-after-timeout': `'s client resubmits if it hears nothing within ${clientRetryAfterMs / 1000} s`,
  slow: `will pay ${payDelayMs.slow / 1000} s after the pay page opens`,
  'after-query-window': `will pay ${payDelayMs['after-query-window'] / 60_000} min after the pay page opens, past the payment center's query window`,
  'after-close': `will pay ${payDelayMs['after-close'] / 60_000} min after the pay page opens, after the order times out`,
  twice: 'will open the pay page twice and pay both',
  never: 'will never pay',
  'after-timeout': `will pay ${payDelayMs['after-timeout'] / 1000} s after the pay page opens, after the payment center's callback timeout`,
  'clicks-pay-again': `clicks pay again if no pay page appears within ${payAgainAfterMs / 1000} s`,
  timed: 'pays at a moment set by the design',
};

export interface UserInput {
  readonly userId: string;
  readonly intentId: string;
  readonly amount: number;
  readonly submit: SubmitBehaviour;
  readonly pay: PayBehaviour | 'timed';
  /** How long after the pay page opens the user pays (unless they never do). */
  readonly payDelayMs: number;
  /** Opens the pay page and scans its QR code (or starts the checkout), then leaves without paying. */
  readonly abandons: boolean;
  readonly startAfterMs: number;
}

interface Context extends UserInput {
  readonly orderId?: string;
  readonly prepays: readonly string[];
}

type UserEvent =
  | { type: 'order.created'; orderId: string }
  | { type: 'order.rejected'; orderId: string }
  | { type: 'pay.ready'; orderId: string; outTradeNo: string }
  | { type: 'pay.result'; outTradeNo: string; ok: boolean };

/** Each submission carries the id the order will have if it is created. */
function submission(c: Context, n: number): Effect {
  return send('app', {
    type: 'order.submit',
    intentId: c.intentId,
    orderId: `${c.intentId}.${n}`,
    amount: c.amount,
    userId: c.userId,
  });
}

export const userMachine = setup({
  types: {} as { context: Context; events: UserEvent; input: UserInput; emitted: Effect },
  delays: {
    clientRetry: clientRetryAfterMs,
    startDelay: ({ context }) => context.startAfterMs,
    payDelay: ({ context }) => context.payDelayMs,
    payAgain: payAgainAfterMs,
  },
  guards: {
    retries: ({ context }) => context.submit === 'retry-after-timeout',
    neverPays: ({ context }) => context.pay === 'never',
    wantsSecondAttempt: ({ context }) => context.pay === 'twice' && context.prepays.length === 0,
    clicksAgain: ({ context }) => context.pay === 'clicks-pay-again',
    abandons: ({ context }) => context.abandons,
  },
  actions: {
    submit: enqueueActions(({ context, enqueue }, n: number) => enqueue.emit(submission(context, n))),
    submitFirst: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(submission(context, 1));
      // A double click: the second submit leaves before any answer to the first.
      if (context.submit === 'double-click') enqueue.emit(submission(context, 2));
    }),
    rememberOrder: assign(({ event }) => ({ orderId: 'orderId' in event ? event.orderId : undefined })),
    requestPay: enqueueActions(({ context, enqueue }) => {
      enqueue.emit(send('app', { type: 'pay.requested', orderId: context.orderId }));
    }),
    rememberPrepay: assign(({ context, event }) => ({
      prepays: event.type === 'pay.ready' ? [...context.prepays, event.outTradeNo] : context.prepays,
    })),
    scan: enqueueActions(({ context, enqueue }) => {
      for (const outTradeNo of new Set(context.prepays))
        enqueue.emit(send('gateway', { type: 'user.scan', outTradeNo, intentId: context.intentId }));
    }),
    pay: enqueueActions(({ context, enqueue }) => {
      // The same pre-pay shown twice is one payment page: the user pays it once.
      for (const outTradeNo of new Set(context.prepays)) {
        enqueue.emit(
          send('gateway', {
            type: 'user.pay',
            outTradeNo,
            userId: context.userId,
            intentId: context.intentId,
          }),
        );
      }
    }),
  },
}).createMachine({
  id: 'user',
  context: ({ input }) => extend(input, { prepays: [] as Context['prepays'] }),
  initial: 'browsing',
  states: {
    browsing: { after: { startDelay: 'submitting' } },
    submitting: {
      entry: 'submitFirst',
      on: {
        'order.created': { target: 'ordered', actions: 'rememberOrder' },
        'order.rejected': {},
      },
      after: { clientRetry: { guard: 'retries', actions: { type: 'submit', params: 2 } } },
    },
    ordered: {
      always: [
        { guard: 'neverPays', target: 'done' },
        { target: 'awaitingPrepay', actions: 'requestPay' },
      ],
    },
    awaitingPrepay: {
      after: { payAgain: { guard: 'clicksAgain', actions: 'requestPay' } },
      on: {
        'pay.ready': [
          { guard: 'wantsSecondAttempt', actions: ['rememberPrepay', 'requestPay'] },
          { target: 'paying', actions: 'rememberPrepay' },
        ],
      },
    },
    paying: {
      always: { guard: 'abandons', target: 'done', actions: 'scan' },
      after: { payDelay: { target: 'done', actions: 'pay' } },
    },
    done: {},
  },
});
