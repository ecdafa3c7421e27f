// A design is data: which of the known mitigations are on, with which parameters, over which
// provider and forwarding channel. Machines read it through guards and delays; no mitigation is a
// second machine. Units are in the names (ms).

export type ProviderName = 'wechat' | 'alipay';
export type Forwarding = 'direct' | 'mq';

export interface Mitigations {
  /** Article measure 1: a `paying` state and a lock, so one order has one live gateway attempt. */
  payingLock: boolean;
  /** Article measure 2: no callback within `afterMs` → query the gateway after each interval. */
  timeoutQuery: false | { afterMs: number; intervalsMs: number[] };
  /** Article measure 3: re-send the result to the business app until it acknowledges. */
  forwardRetry: false | { attempts: number; intervalMs: number };
  /** Article measure 4: a notification takes effect once; repeats are only acknowledged. */
  idempotentNotify: boolean;
  /** Article measure 5: the business app asks the payment center after a while, which asks the gateway. */
  appQuery: false | { afterMs: number; intervalMs: number; attempts: number };
  /** Article measure 6: a Redis key per submission; `check-then-set` is the article's literal GET then SET. */
  dedupe: false | { mode: 'check-then-set' | 'set-nx'; ttlMs: number };
  /** Verify the callback's signature, timestamp, amount and merchant before believing it. */
  verifyNotifications: boolean;
  /** Before giving up on a payment, close the gateway order; ORDERPAID means paid. */
  closeBeforeGiveUp: boolean;
  /** Refund a capture that lands on a closed order or on a second attempt of a paid one. */
  refundUnmatched: boolean;
  /** Write the forward intent in the same transaction as `paid`, so a crash cannot lose it. */
  outbox: boolean;
  /** After a restart, re-drive orders stuck in paying or closing, and pending refunds. */
  recoveryJob: boolean;
  /** The business app fulfils on the first result for an order and only acknowledges repeats. */
  idempotentConsumer: boolean;
  /** A unique constraint on the submission token behind the Redis key. */
  dbUniqueGuard: boolean;
}

export type MitigationName = keyof Mitigations;

export interface Timing {
  /** The business app closes an unpaid order after this long. */
  orderTimeoutMs: number;
  /** A request to another service that got no reply by then is retried or given up. */
  requestTimeoutMs: number;
  /** How many times a request is sent before it is given up. */
  requestAttempts: number;
}

export interface Design {
  name: string;
  description: string;
  provider: ProviderName;
  forwarding: Forwarding;
  mitigations: Mitigations;
  timing: Timing;
}
