// A hostile callback changes no state: no fact (order or payment) comes of it. A row that states
// none, such as an audit log of every callback received, is not a change anyone could tell.

import { describe, expect, it } from 'vitest';
import { SimplePaymentCenter } from '../../examples/simple-payment-center.ts';
import { asyncPaymentCenter } from '../../src/adapters/async-payment-center.ts';
import type { PaymentCenterPorts } from '../../src/adapters/payment-center-port.ts';
import { type ExploreOptions, explore } from '../../src/check/explore.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import type { Notification } from '../../src/domain/messages.ts';

const hostile = new Set(['notify.forged', 'notify.tampered', 'notify.replayed', 'clock.skew']);

/** Logs every callback it receives, hostile or not, in a table its projection does not read. */
class AuditingPaymentCenter extends SimplePaymentCenter {
  constructor(private readonly ports: PaymentCenterPorts) {
    super(ports);
  }
  override async onNotify(n: Notification): Promise<{ httpStatus: number; body: string }> {
    await this.ports.db.put('audit', `${n.outTradeNo}/${n.nonce}`, { status: n.status });
    return super.onNotify(n);
  }
}

/** 300 runs of hardened with `create`'s payment center, under hostile callbacks. */
const search = (
  create: (ports: PaymentCenterPorts) => SimplePaymentCenter,
  onRun?: ExploreOptions['onRun'],
) =>
  explore({
    design: presets.hardened as Design,
    runs: 300,
    seed: 1,
    maxOrders: 2,
    faults: hostile,
    paymentCenter: asyncPaymentCenter(create),
    onRun,
  });

describe('inert-bad-input with your own payment center', () => {
  it('holds when a hostile callback only leaves an audit row, which states no fact', async () => {
    let auditedHostile = 0;
    const report = await search(
      (ports) => new AuditingPaymentCenter(ports),
      (_, result) => {
        const hostileIds = new Set(
          result.trace.flatMap((e) =>
            e.kind === 'deliver' && e.env.tag?.startsWith('notify.') ? [e.env.id] : [],
          ),
        );
        if (
          result.trace.some((e) => e.kind === 'write' && e.table === 'audit' && hostileIds.has(e.cause ?? -1))
        )
          auditedHostile++;
      },
    );
    expect(report.counterexample?.violations[0]?.message).toBeUndefined();
    // The search did deliver hostile callbacks that wrote their audit rows: the rule was put to the test.
    expect(auditedHostile).toBeGreaterThan(10);
  });

  it('breaks when a hostile callback writes a row your projection reads (a payment)', async () => {
    /** Stamps the payment row with the last callback received, hostile or not. */
    class StampingPaymentCenter extends SimplePaymentCenter {
      constructor(private readonly ports: PaymentCenterPorts) {
        super(ports);
      }
      override async onNotify(n: Notification): Promise<{ httpStatus: number; body: string }> {
        const orderId = n.outTradeNo.split('~')[0] as string;
        const payment = await this.ports.db.get<object>('payments', orderId);
        if (payment) await this.ports.db.put('payments', orderId, { ...payment, lastNonce: n.nonce });
        return super.onNotify(n);
      }
    }
    const report = await search((ports) => new StampingPaymentCenter(ports));
    expect(report.counterexample?.violations[0]?.invariant).toBe('inert-bad-input');
    expect(report.counterexample?.violations[0]?.message).toMatch(/made pc write payments\/o1\.1/);
  });
});
