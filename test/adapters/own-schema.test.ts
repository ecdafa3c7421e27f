// A payment center written from the port file alone: its own table (`pay_orders`), its own column
// names and status words. It tells the checkers what they need through a projection, or through
// `ports.report`, and works on its first run: no hidden contract with the model's tables.

import { describe, expect, it } from 'vitest';
import { asyncPaymentCenter } from '../../src/adapters/async-payment-center.ts';
import type { PaymentCenterHandlers, PaymentCenterPorts } from '../../src/adapters/payment-center-port.ts';
import { assertHolds } from '../../src/check/assert-holds.ts';
import type { PaymentFact } from '../../src/domain/facts.ts';
import type { Notification } from '../../src/domain/messages.ts';

interface PayOrder {
  order_no: string;
  total: number;
  state: 'PAYING' | 'PAID' | 'CLOSED';
  trade_no: string;
  paid_trade?: string;
}

const words: Record<PayOrder['state'], PaymentFact['status']> = {
  PAYING: 'paying',
  PAID: 'paid',
  CLOSED: 'closed',
};

/** Our schema, in paysim's words. */
function projection(table: string, key: string, row: object): PaymentFact | undefined {
  if (table !== 'pay_orders') return undefined;
  const o = row as PayOrder;
  return { kind: 'payment', orderId: key, status: words[o.state], paidBy: o.paid_trade };
}

class OwnSchemaPaymentCenter implements PaymentCenterHandlers {
  constructor(
    private readonly io: PaymentCenterPorts,
    private readonly reportOutright = false,
  ) {}

  async onCreatePayment({ orderId, amount }: { orderId: string; amount: number }): Promise<void> {
    const existing = await this.io.db.get<PayOrder>('pay_orders', orderId);
    if (existing) return this.io.businessApp.paymentCreated(orderId, existing.trade_no);
    const order: PayOrder = { order_no: orderId, total: amount, state: 'PAYING', trade_no: `${orderId}~1` };
    await this.io.db.put('pay_orders', orderId, order);
    this.tell(order);
    const answer = await this.io.gateway.prepay(order.trade_no, amount);
    if (answer.ok) this.io.businessApp.paymentCreated(orderId, order.trade_no, answer.prepayId);
  }

  async onNotify(n: Notification): Promise<{ httpStatus: number; body: string }> {
    const orderId = n.outTradeNo.slice(0, n.outTradeNo.lastIndexOf('~'));
    const order = await this.io.db.get<PayOrder>('pay_orders', orderId);
    const paid = this.io.provider.tradeState(n.status);
    if (!order || !this.io.provider.verify(n) || n.amount !== order.total || paid !== 'SUCCESS')
      return { httpStatus: 400, body: 'FAIL' };
    const done: PayOrder = { ...order, state: 'PAID', paid_trade: n.outTradeNo };
    // Only the handler whose UPDATE … WHERE state = 'PAYING' matches forwards the result.
    if (
      order.state === 'PAYING' &&
      (await this.io.db.update('pay_orders', orderId, done, { state: 'PAYING' }))
    ) {
      this.tell(done);
      this.io.background(async () => {
        for (
          let i = 0;
          i < 20 && !(await this.io.businessApp.publishResult(orderId, n.outTradeNo, order.total));
          i++
        )
          await this.io.sleep(5_000);
      });
    }
    return this.io.provider.ackReply;
  }

  async onClose({ orderId }: { orderId: string }): Promise<void> {
    const order = await this.io.db.get<PayOrder>('pay_orders', orderId);
    if (order?.state === 'PAYING') {
      const closed: PayOrder = { ...order, state: 'CLOSED' };
      if (await this.io.db.update('pay_orders', orderId, closed, { state: 'PAYING' })) this.tell(closed);
    }
    const now = await this.io.db.get<PayOrder>('pay_orders', orderId);
    if (now?.state !== 'PAID') this.io.businessApp.paymentClosed(orderId);
  }

  async onQuery({ orderId }: { orderId: string }): Promise<void> {
    const order = await this.io.db.get<PayOrder>('pay_orders', orderId);
    this.io.businessApp.paymentStatus(orderId, order ? words[order.state] : 'none');
  }

  async recover(): Promise<void> {}

  /** With `reportOutright`, the facts go out by `report`; otherwise the projection reads them off the writes. */
  private tell(order: PayOrder): void {
    if (this.reportOutright) this.io.report(projection('pay_orders', order.order_no, order) as PaymentFact);
  }
}

describe('a payment center written from the port alone, with its own schema', () => {
  const design = 'hardened,forwarding=direct';

  it('holds on its first run, its rows read through its projection', async () => {
    const report = await assertHolds({
      design,
      runs: 1,
      faults: [],
      paymentCenter: asyncPaymentCenter((io) => new OwnSchemaPaymentCenter(io), { project: projection }),
    });
    expect(report.runs).toBe(1);
  });

  it('holds under duplicate callbacks, reporting its facts outright instead', async () => {
    await assertHolds({
      design,
      runs: 200,
      faults: ['notify.duplicated', 'notify.delayed', 'pc.interleave'],
      paymentCenter: asyncPaymentCenter((io) => new OwnSchemaPaymentCenter(io, true), {
        project: () => undefined,
      }),
    });
  });

  it('is refused, saying what to fix, when it neither projects nor reports', async () => {
    await expect(
      assertHolds({
        design,
        runs: 1,
        faults: [],
        paymentCenter: asyncPaymentCenter((io) => new OwnSchemaPaymentCenter(io), {
          project: () => undefined,
        }),
      }),
    ).rejects.toThrow(
      /handled payment.create but stated no payment fact: give asyncPaymentCenter\(create, \{ project \}\)/,
    );
  });
});
