// The built-in designs. `seed` is the article's six measures exactly as written and nothing more;
// `hardened` is what it takes to hold every invariant in DOMAIN.md under every fault in the catalogue.

import type { Deployment, Design, Mitigations, Timing } from './design.ts';

const timing: Timing = {
  orderTimeoutMs: 15 * 60_000,
  requestTimeoutMs: 5_000,
  requestAttempts: 3,
  // A customer who paid should not wait for the provider's 24-hour retry schedule to get the order.
  paidWithinMs: 30 * 60_000,
  closeRetryMaxMs: 5_000,
  // Past the order timeout (15 min) and the close retries: the order's own close ends the trade first.
  tradeExpiresAfterMs: 2 * 60 * 60_000,
};

// "Check the status, then update" written as two statements, as the article describes it.
const plainWrites: Deployment = { replicas: 1, writes: 'plain' };
// `UPDATE … WHERE status = 'paying'`: a handler that lost the race writes nothing and reads again.
const conditionalWrites: Deployment = { replicas: 1, writes: 'conditional' };

const none: Mitigations = {
  payingLock: false,
  timeoutQuery: false,
  forwardRetry: false,
  idempotentNotify: false,
  appQuery: false,
  dedupe: false,
  verifyNotifications: false,
  closeBeforeGiveUp: false,
  refundUnmatched: false,
  outbox: false,
  recoveryJob: false,
  idempotentConsumer: false,
  dbUniqueGuard: false,
  reconciliation: false,
  monotoneState: false,
  giveUpWithOrder: false,
  checkNotifyStatus: false,
  renewClosedRefunds: false,
  watchProcessing: false,
};

export const naive: Design = {
  name: 'naive',
  description: 'No mitigation: create, pre-pay, trust the first callback, forward once.',
  provider: 'wechat',
  forwarding: 'direct',
  mitigations: none,
  timing,
  paymentCenter: plainWrites,
  businessApp: plainWrites,
};

export const seed: Design = {
  name: 'seed',
  description:
    "The article's six measures as written: paying lock, timeout query (30 s; 10/20/30 s), forwarding with retry, idempotent notify, business-side query, Redis check-then-set.",
  provider: 'wechat',
  forwarding: 'direct',
  mitigations: {
    ...none,
    payingLock: true,
    timeoutQuery: { afterMs: 30_000, intervalsMs: [10_000, 20_000, 30_000] },
    forwardRetry: { attempts: 3, intervalMs: 1_000 },
    idempotentNotify: true,
    appQuery: { afterMs: 60_000, intervalMs: 60_000, attempts: 3 },
    dedupe: { mode: 'check-then-set', ttlMs: 10_000 },
    // "On a success callback": the article handles the payment-success notification only.
    checkNotifyStatus: true,
  },
  timing,
  paymentCenter: plainWrites,
  businessApp: plainWrites,
};

export const hardened: Design = {
  name: 'hardened',
  description:
    'Every mitigation: the seed measures made atomic and durable, plus verification, close-before-give-up, refunds, outbox, recovery, idempotent consumer, unique guard, reconciliation against the bill.',
  provider: 'wechat',
  forwarding: 'mq',
  mitigations: {
    payingLock: true,
    timeoutQuery: { afterMs: 30_000, intervalsMs: [10_000, 20_000, 30_000] },
    forwardRetry: { attempts: 20, intervalMs: 5_000 },
    idempotentNotify: true,
    appQuery: { afterMs: 60_000, intervalMs: 60_000, attempts: 5 },
    dedupe: { mode: 'set-nx', ttlMs: 10_000 },
    verifyNotifications: true,
    closeBeforeGiveUp: true,
    refundUnmatched: true,
    outbox: true,
    recoveryJob: true,
    idempotentConsumer: true,
    dbUniqueGuard: true,
    reconciliation: { afterMs: 12 * 60 * 60_000 },
    monotoneState: true,
    giveUpWithOrder: true,
    checkNotifyStatus: true,
    renewClosedRefunds: true,
    // Stripe's delayed methods stay processing for days; a webhook lost meanwhile must not cost the order.
    watchProcessing: { intervalMs: 10 * 60_000 },
  },
  // Its business app keeps asking to close for about 25 minutes, outlasting a partition.
  timing: { ...timing, closeRetryMaxMs: 5 * 60_000 },
  paymentCenter: conditionalWrites,
  businessApp: conditionalWrites,
};

export const presets: Readonly<Record<string, Design>> = { naive, seed, hardened };
