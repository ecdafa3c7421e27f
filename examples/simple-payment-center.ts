// A small payment center written the way a team would write it: a plain class with async methods,
// a database, a gateway client and timers, and no XState. paysim drives it through the payment
// center port (src/adapters/payment-center-port.ts) in place of its own model, so the same
// properties check it. `plantedBug: 'non-idempotent-notify'` makes every callback forward the result
// again, the classic duplicate-fulfilment bug; the tests show paysim catches it.

import type { PaymentCenterHandlers, PaymentCenterPorts } from '../src/adapters/payment-center-port.ts';
import type { Notification } from '../src/domain/messages.ts';

interface Payment {
  orderId: string;
  amount: number;
  status: 'paying' | 'paid' | 'closed' | 'exception';
  attempt: string;
  paidBy?: string;
  reason?: string;
  outbox?: 'pending' | 'done';
  refundsPending: string[];
  refundsDone: string[];
  // Shape-compatible with the model's rows, so the same checkers read it.
  attempts: string[];
}

export interface SimplePaymentCenterOptions {
  readonly plantedBug?: 'non-idempotent-notify';
}

const queryAfterMs = 30_000;
const queryIntervalsMs = [10_000, 20_000, 30_000];
const forwardAttempts = 20;
const forwardIntervalMs = 5_000;

export class SimplePaymentCenter implements PaymentCenterHandlers {
  constructor(
    private readonly io: PaymentCenterPorts,
    private readonly options: SimplePaymentCenterOptions = {},
  ) {}

  async onCreatePayment({ orderId, amount }: { orderId: string; amount: number }): Promise<void> {
    const existing = this.load(orderId);
    if (existing?.status === 'paying') {
      // The lock: one live attempt per order; a second click gets the same pre-pay.
      this.io.businessApp.paymentCreated(orderId, existing.attempt);
      return;
    }
    if (existing) return;
    const attempt = `${orderId}~1`;
    this.save({
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
    const p = this.load(orderIdOf(n.outTradeNo));
    const fresh = Math.abs(this.io.now() - n.timestampMs) <= this.io.provider.timestampToleranceMs;
    const genuine = this.io.provider.verify(n) && fresh && n.merchant === this.io.provider.merchantId;
    if (
      !p ||
      !genuine ||
      n.status !== 'SUCCESS' ||
      n.amount !== p.amount ||
      !p.attempts.includes(n.outTradeNo)
    ) {
      return { httpStatus: 400, body: 'FAIL' };
    }
    if (this.options.plantedBug === 'non-idempotent-notify' && p.status === 'paid') {
      this.io.background(() => this.forward(p.orderId));
      return this.io.provider.ackReply;
    }
    await this.succeeded(p.orderId, n.outTradeNo);
    return this.io.provider.ackReply;
  }

  async onClose({ orderId }: { orderId: string }): Promise<void> {
    const p = this.load(orderId);
    if (!p || p.status === 'closed') return this.io.businessApp.paymentClosed(orderId);
    if (p.status === 'paid') return this.io.background(() => this.forward(orderId));
    await this.closeAtGateway(orderId, 'the gateway never answered the close');
  }

  async onQuery({ orderId }: { orderId: string }): Promise<void> {
    const p = this.load(orderId);
    this.io.businessApp.paymentStatus(orderId, p?.status ?? 'none');
    if (p?.status !== 'paying' && p?.status !== 'exception') return;
    const answer = await this.io.gateway.query(p.attempt);
    if (answer.ok && answer.status === 'SUCCESS') await this.succeeded(orderId, p.attempt);
  }

  async recover(): Promise<void> {
    for (const [orderId, p] of this.io.db.rows<Payment>('payments')) {
      if (p.status === 'paying') this.io.background(() => this.queryUntilKnown(orderId, 0));
      if (p.status === 'paid' && p.outbox === 'pending') this.io.background(() => this.forward(orderId));
      if (p.refundsPending.length > 0) this.io.background(() => this.refundPending(orderId));
    }
  }

  /** Records a verified success once (compare-and-set on the stored status), then forwards it. */
  private async succeeded(orderId: string, outTradeNo: string): Promise<void> {
    const p = this.load(orderId) as Payment;
    if (p.status === 'paid' && p.paidBy === outTradeNo) return;
    if (p.status === 'paid' || p.status === 'closed') {
      // A capture we must not keep: a late payment on a closed order.
      if (!p.refundsPending.includes(outTradeNo) && !p.refundsDone.includes(outTradeNo)) {
        this.save({ ...p, refundsPending: [...p.refundsPending, outTradeNo] });
        this.io.background(() => this.refundPending(orderId));
      }
      return;
    }
    // The outbox: "paid" and "tell the business app" are one write.
    this.save({ ...p, status: 'paid', paidBy: outTradeNo, outbox: 'pending' });
    this.io.background(() => this.forward(orderId));
  }

  private async forward(orderId: string): Promise<void> {
    for (let i = 0; i < forwardAttempts; i++) {
      const p = this.load(orderId) as Payment;
      if (await this.io.businessApp.publishResult(orderId, p.paidBy as string, p.amount)) {
        this.save({ ...(this.load(orderId) as Payment), outbox: 'done' });
        return;
      }
      await this.io.sleep(forwardIntervalMs);
    }
  }

  private async queryUntilKnown(orderId: string, round: number): Promise<void> {
    const p = this.load(orderId);
    if (p?.status !== 'paying') return;
    const answer = await this.io.gateway.query(p.attempt);
    if (answer.ok && answer.status === 'SUCCESS') return this.succeeded(orderId, p.attempt);
    const wait = queryIntervalsMs[round];
    if (wait === undefined)
      return this.closeAtGateway(orderId, 'no result from the gateway after every query');
    this.io.after(wait, () => this.queryUntilKnown(orderId, round + 1));
  }

  /** Closes the gateway order before giving up: "paid" there means paid here. */
  private async closeAtGateway(orderId: string, reason: string): Promise<void> {
    const p = this.load(orderId) as Payment;
    for (let i = 0; i < 3; i++) {
      const answer = await this.io.gateway.close(p.attempt);
      if (answer.ok && answer.result === 'paid') return this.succeeded(orderId, p.attempt);
      if (answer.ok) {
        const now = this.load(orderId) as Payment;
        if (now.status !== 'paying' && now.status !== 'exception') return;
        this.save({ ...now, status: 'closed' });
        return this.io.businessApp.paymentClosed(orderId);
      }
    }
    this.save({ ...p, status: 'exception', reason });
  }

  private async refundPending(orderId: string): Promise<void> {
    for (;;) {
      const p = this.load(orderId) as Payment;
      const next = p.refundsPending[0];
      if (next === undefined) return;
      const answer = await this.io.gateway.refund(next, `refund-${next}`, p.amount);
      if (answer.ok) {
        const now = this.load(orderId) as Payment;
        this.save({
          ...now,
          refundsPending: now.refundsPending.filter((o) => o !== next),
          refundsDone: [...now.refundsDone, next],
        });
      } else {
        await this.io.sleep(forwardIntervalMs);
      }
    }
  }

  private load(orderId: string): Payment | undefined {
    return this.io.db.get<Payment>('payments', orderId);
  }

  private save(p: Payment): void {
    this.io.db.put('payments', p.orderId, p);
  }
}

function orderIdOf(outTradeNo: string): string {
  return outTradeNo.slice(0, outTradeNo.lastIndexOf('~'));
}
