// A design is data: which of the known mitigations are on, with which parameters, over which
// provider and forwarding channel. Machines read it through guards and delays; no mitigation is a
// second machine. Units are in the names (ms).

import type { WriteGuard } from '../kernel/machine-host.ts';

export type ProviderName = 'wechat' | 'alipay' | 'stripe';
export const providerNames: readonly ProviderName[] = ['wechat', 'alipay', 'stripe'];
export type Forwarding = 'direct' | 'mq';

/** Each mitigation is off (`false`) or on; `mitigation-help.ts` explains each in one line. */
export interface Mitigations {
  payingLock: boolean;
  timeoutQuery: false | { afterMs: number; intervalsMs: number[] };
  forwardRetry: false | { attempts: number; intervalMs: number };
  idempotentNotify: boolean;
  appQuery: false | { afterMs: number; intervalMs: number; attempts: number };
  dedupe: false | { mode: 'check-then-set' | 'set-nx'; ttlMs: number };
  verifyNotifications: boolean;
  closeBeforeGiveUp: boolean;
  refundUnmatched: boolean;
  outbox: boolean;
  recoveryJob: boolean;
  idempotentConsumer: boolean;
  dbUniqueGuard: boolean;
  reconciliation: false | { afterMs: number };
  monotoneState: boolean;
  giveUpWithOrder: boolean;
  checkNotifyStatus: boolean;
  renewClosedRefunds: boolean;
  watchProcessing: false | { intervalMs: number };
}

export type MitigationName = keyof Mitigations;

export interface Timing {
  /** The business app closes an unpaid order after this long. */
  orderTimeoutMs: number;
  /** A request to another service that got no reply by then is retried or given up. */
  requestTimeoutMs: number;
  /** How many times a request is sent before it is given up. */
  requestAttempts: number;
  /** The promise to the business: a kept capture becomes a paid order within this long. */
  paidWithinMs: number;
  /**
   * The longest wait between the business app's close retries: they start a request timeout
   * apart and double up to this (equal to the request timeout: no backoff, about a minute in all).
   */
  closeRetryMaxMs: number;
  /**
   * The expiry the payment center sets on each gateway order (WeChat `time_expire`, Alipay
   * `timeout_express`, a Stripe Checkout Session's `expires_at`): unpaid by then, it closes itself.
   */
  tradeExpiresAfterMs: number;
}

/** A service's deployment: how many instances share its database, and how its updates are guarded. */
export interface Deployment {
  replicas: number;
  /** How a handler's status update is guarded against another handler's write since its read. */
  writes: WriteGuard;
}

export interface Design {
  name: string;
  description: string;
  provider: ProviderName;
  forwarding: Forwarding;
  mitigations: Mitigations;
  timing: Timing;
  paymentCenter: Deployment;
  businessApp: Deployment;
}

export type { WriteGuard };
