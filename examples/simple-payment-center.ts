// A small payment center written the way a team would write it: a plain class with async methods,
// a database, a gateway client and timers, and no XState. paysim drives it through the payment
// center port (src/adapters/payment-center-port.ts) in place of its own model, so the same
// properties check it. Planted bugs, each a classic, each caught by the tests:
//   non-idempotent-notify  every callback forwards the result again;
//   check-then-act         reads the status, awaits, then writes paid with a plain UPDATE, so two
//                          callbacks (or a callback and a query) both pass the check;
//   memory-dedupe          remembers handled callbacks in the process's memory instead of the
//                          database: fine with one instance, wrong with two.

import { asyncPaymentCenter } from '../src/adapters/async-payment-center.ts';
import type { PaymentCenterHandlers, PaymentCenterPorts } from '../src/adapters/payment-center-port.ts';
import type { PaymentCenterFactory } from '../src/check/simulate.ts';
import type { Notification } from '../src/domain/messages.ts';
import {
  type Payment,
  type PaymentStore,
  type PaymentStoreKind,
  paymentSql,
  paymentStore,
} from './payment-store.ts';

export interface SimplePaymentCenterOptions {
  readonly plantedBug?: 'non-idempotent-notify' | 'check-then-act' | 'memory-dedupe';
  /** Where its payments live: paysim's in-memory tables (the default) or PostgreSQL. */
  readonly store?: PaymentStoreKind;
}

const queryAfterMs = 30_000;
const queryIntervalsMs = [10_000, 20_000, 30_000];
const forwardAttempts = 20;
const forwardIntervalMs = 5_000;

export class SimplePaymentCenter implements PaymentCenterHandlers {
  /** Only with `memory-dedupe`: the callbacks this process has handled. */
  private readonly handled = new Set<string>();
  private readonly payments: PaymentStore;

  constructor(
    private readonly io: PaymentCenterPorts,
    private readonly options: SimplePaymentCenterOptions = {},
  ) {
    this.payments = paymentStore(options.store ?? 'memory', io);
  }

  async onCreatePayment({ orderId, amount }: { orderId: string; amount: number }): Promise<void> {
    const existing = await this.load(orderId);
    if (existing?.status === 'paying') {
      // The lock: one live attempt per order; a second click gets the same pre-pay.
      this.io.businessApp.paymentCreated(orderId, existing.attempt);
      return;
    }
    if (existing) return;
    const attempt = `${orderId}~1`;
    await this.save({
      orderId,
      amount,
      status: 'paying',
      attempt,
      attempts: [attempt],
      refundsPending: [],
      refundsDone: [],
    });
    for (let i = 0; i < 3; i++) {
      const answer = await this.io.gateway.prepay(attempt, amount);
      if (answer.ok) {
        this.io.businessApp.paymentCreated(orderId, attempt, answer.prepayId);
        this.io.after(queryAfterMs, () => this.queryUntilKnown(orderId, 0));
        return;
      }
    }
    await this.closeAtGateway(orderId, 'the gateway never accepted the pre-pay');
  }

  async onNotify(n: Notification): Promise<{ httpStatus: number; body: string }> {
    const p = await this.load(orderIdOf(n.outTradeNo));
    const fresh = Math.abs(this.io.now() - n.timestampMs) <= this.io.provider.timestampToleranceMs;
    const genuine = this.io.provider.verify(n) && fresh && n.merchant === this.io.provider.merchantId;
    if (
      !p ||
      !genuine ||
      !paid(this.io.provider.tradeState(n.status)) ||
      n.amount !== p.amount ||
      !p.attempts.includes(n.outTradeNo)
    ) {
      return { httpStatus: 400, body: 'FAIL' };
    }
    if (this.options.plantedBug === 'non-idempotent-notify' && p.status === 'paid') {
      this.io.background(() => this.forward(p.orderId));
      return this.io.provider.ackReply;
    }
    if (this.options.plantedBug === 'memory-dedupe') {
      // Claimed in memory before the first await, so one process never handles a callback twice.
      if (this.handled.has(n.outTradeNo)) return this.io.provider.ackReply;
      this.handled.add(n.outTradeNo);
      if (p.status !== 'paid') {
        await this.save({ ...p, status: 'paid', paidBy: n.outTradeNo, outbox: 'pending' });
        this.io.background(() => this.forward(p.orderId));
      }
      return this.io.provider.ackReply;
    }
    await this.succeeded(p.orderId, n.outTradeNo);
    return this.io.provider.ackReply;
  }

  async onClose({ orderId }: { orderId: string }): Promise<void> {
    const p = await this.load(orderId);
    if (!p || p.status === 'closed') return this.io.businessApp.paymentClosed(orderId);
    if (p.status === 'paid') return this.io.background(() => this.forward(orderId));
    await this.closeAtGateway(orderId, 'the gateway never answered the close');
  }

  async onQuery({ orderId }: { orderId: string }): Promise<void> {
    const p = await this.load(orderId);
    this.io.businessApp.paymentStatus(orderId, p?.status ?? 'none');
    if (p?.status !== 'paying' && p?.status !== 'exception') return;
    const answer = await this.io.gateway.query(p.attempt);
    if (answer.ok && paid(this.io.provider.tradeState(answer.status ?? '')))
      await this.succeeded(orderId, p.attempt);
  }

  async recover(): Promise<void> {
    for (const p of await this.payments.all()) {
      const orderId = p.orderId;
      if (p.status === 'paying') this.io.background(() => this.queryUntilKnown(orderId, 0));
      if (p.status === 'paid' && p.outbox === 'pending') this.io.background(() => this.forward(orderId));
      if (p.refundsPending.length > 0) this.io.background(() => this.refundPending(orderId));
    }
  }

  /**
   * Records a verified success once, then forwards it. The check and the write are one conditional
   * UPDATE … WHERE status = <the status read>: if another handler wrote first, read again.
   */
  private async succeeded(orderId: string, outTradeNo: string): Promise<void> {
    const p = (await this.load(orderId)) as Payment;
    if (p.status === 'paid' && p.paidBy === outTradeNo) return;
    if (p.status === 'paid' || p.status === 'closed') {
      // A capture we must not keep: a late payment on a closed order.
      if (p.refundsPending.includes(outTradeNo) || p.refundsDone.includes(outTradeNo)) return;
      const refund = { ...p, refundsPending: [...p.refundsPending, outTradeNo] };
      if (!(await this.payments.update(refund, { status: p.status })))
        return this.succeeded(orderId, outTradeNo);
      this.io.background(() => this.refundPending(orderId));
      return;
    }
    // The outbox: "paid" and "tell the business app" are one write.
    const paid: Payment = { ...p, status: 'paid', paidBy: outTradeNo, outbox: 'pending' };
    if (this.options.plantedBug === 'check-then-act') await this.save(paid);
    else if (!(await this.payments.update(paid, { status: p.status })))
      return this.succeeded(orderId, outTradeNo);
    this.io.background(() => this.forward(orderId));
  }

  private async forward(orderId: string): Promise<void> {
    for (let i = 0; i < forwardAttempts; i++) {
      const p = (await this.load(orderId)) as Payment;
      if (await this.io.businessApp.publishResult(orderId, p.paidBy as string, p.amount)) {
        const now = (await this.load(orderId)) as Payment;
        await this.payments.update({ ...now, outbox: 'done' }, { status: now.status });
        return;
      }
      await this.io.sleep(forwardIntervalMs);
    }
  }

  private async queryUntilKnown(orderId: string, round: number): Promise<void> {
    const p = await this.load(orderId);
    if (p?.status !== 'paying') return;
    const answer = await this.io.gateway.query(p.attempt);
    if (answer.ok && paid(this.io.provider.tradeState(answer.status ?? '')))
      return this.succeeded(orderId, p.attempt);
    const wait = queryIntervalsMs[round];
    if (wait === undefined)
      return this.closeAtGateway(orderId, 'no result from the gateway after every query');
    this.io.after(wait, () => this.queryUntilKnown(orderId, round + 1));
  }

  /** Closes the gateway order before giving up: "paid" there means paid here. */
  private async closeAtGateway(orderId: string, reason: string): Promise<void> {
    const p = (await this.load(orderId)) as Payment;
    for (let i = 0; i < 3; i++) {
      const answer = await this.io.gateway.close(p.attempt);
      if (answer.ok && answer.result === 'paid') return this.succeeded(orderId, p.attempt);
      if (answer.ok && answer.result === 'status-error') {
        // Alipay: not waiting for payment. Only a query says whether it was paid.
        const status = await this.io.gateway.query(p.attempt);
        if (status.ok && paid(this.io.provider.tradeState(status.status ?? '')))
          return this.succeeded(orderId, p.attempt);
        continue;
      }
      if (answer.ok) {
        const now = (await this.load(orderId)) as Payment;
        if (now.status !== 'paying' && now.status !== 'exception') return;
        // A callback may have marked it paid since the read: close only what is still unpaid.
        if (!(await this.payments.update({ ...now, status: 'closed' }, { status: now.status })))
          return this.closeAtGateway(orderId, reason);
        return this.io.businessApp.paymentClosed(orderId);
      }
    }
    const now = (await this.load(orderId)) as Payment;
    if (now.status === 'paying')
      await this.payments.update({ ...now, status: 'exception', reason }, { status: 'paying' });
  }

  /**
   * Refunds each capture that must not be kept, one at a time. A refund may stay PROCESSING: ask
   * again with the same number until it says SUCCESS; a CLOSED one gave nothing back, so the next
   * try takes a new number; one refused for good is left for a person.
   */
  private async refundPending(orderId: string): Promise<void> {
    let tries = 1;
    for (;;) {
      const p = (await this.load(orderId)) as Payment;
      const next = p.refundsPending[0];
      if (next === undefined) return;
      const refundNo = tries === 1 ? `refund-${next}` : `refund-${next}-${tries}`;
      const answer = await this.io.gateway.refund(next, refundNo, p.amount);
      const state = this.io.provider.refundState(answer.status);
      const settled =
        state === 'SUCCESS' || (!answer.ok && answer.code !== undefined && answer.code !== 'SYSTEMERROR');
      if (settled) {
        const now = (await this.load(orderId)) as Payment;
        await this.payments.update(
          {
            ...now,
            refundsPending: now.refundsPending.filter((o) => o !== next),
            refundsDone: state === 'SUCCESS' ? [...now.refundsDone, next] : now.refundsDone,
          },
          { refundsPending: now.refundsPending },
        );
        tries = 1;
      } else {
        if (state === 'CLOSED') tries++;
        await this.io.sleep(forwardIntervalMs);
      }
    }
  }

  private load(orderId: string): Promise<Payment | undefined> {
    return this.payments.load(orderId);
  }

  private save(p: Payment): Promise<void> {
    return this.payments.save(p);
  }
}

function orderIdOf(outTradeNo: string): string {
  return outTradeNo.slice(0, outTradeNo.lastIndexOf('~'));
}

/** Whether a trade state means paid (Alipay's TRADE_FINISHED is paid too). */
function paid(state: string | undefined): boolean {
  return state === 'SUCCESS' || state === 'FINISHED';
}

/** The payment center as paysim checks it: `assertHolds({ paymentCenter: paymentCenter({ store: 'sql' }) })`. */
export function paymentCenter(options: SimplePaymentCenterOptions = {}): PaymentCenterFactory {
  return asyncPaymentCenter(
    (ports) => new SimplePaymentCenter(ports, options),
    options.store === 'sql' ? { sql: paymentSql } : {},
  );
}
