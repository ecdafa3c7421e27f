import { describe, expect, it } from 'vitest';
import {
  paymentCenter,
  SimplePaymentCenter,
  type SimplePaymentCenterOptions,
} from '../../examples/simple-payment-center.ts';
import { asyncPaymentCenter } from '../../src/adapters/async-payment-center.ts';
import type { PaymentCenterHandlers } from '../../src/adapters/payment-center-port.ts';
import { assertHolds, InvariantBroken } from '../../src/check/assert-holds.ts';
import { explore, replay } from '../../src/check/explore.ts';
import { formatReplayCommand } from '../../src/check/story.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import { traceHash } from '../../src/kernel/index.ts';

const hardened = presets.hardened as Design;
const plainClass = (options: SimplePaymentCenterOptions = {}) => paymentCenter(options);

// A world that makes duplicate callbacks visible: the business app ships on every result it gets.
const trustingApp: Design = {
  ...hardened,
  name: 'hardened-with-trusting-app',
  forwarding: 'direct',
  mitigations: { ...hardened.mitigations, idempotentConsumer: false },
};
const duplicateCallbacks = new Set(['notify.duplicated', 'notify.ack.lost', 'notify.delayed']);

describe.each(['memory', 'sql'] as const)(
  'a hand-written async payment center behind the port, its payments in %s',
  (store) => {
    const plainClass = (options: SimplePaymentCenterOptions = {}) => paymentCenter({ ...options, store });

    it('holds every invariant in 1,000 runs in place of the model, under every fault', async () => {
      const report = await explore({
        design: hardened,
        runs: 1000,
        seed: 5,
        maxOrders: 3,
        faults: new Set(allFaults),
        paymentCenter: plainClass(),
      });
      const c = report.counterexample;
      expect(c && `${c.violations[0]?.message}\n${formatReplayCommand(c.story)}`).toBeUndefined();
    });

    it('holds where duplicate callbacks would show, since it records a success only once', async () => {
      const report = await explore({
        design: trustingApp,
        runs: 300,
        seed: 3,
        maxOrders: 2,
        faults: duplicateCallbacks,
        paymentCenter: plainClass(),
      });
      expect(report.counterexample).toBeUndefined();
    });

    it('is caught when it checks the status, awaits, then writes with a plain UPDATE; the conditional UPDATE holds', async () => {
      // Two copies of a callback at once: both handlers read paying before either writes paid.
      const race = new Set(['notify.duplicated', 'pc.interleave']);
      const run = (options: SimplePaymentCenterOptions) =>
        explore({
          design: trustingApp,
          runs: 300,
          seed: 2,
          maxOrders: 2,
          faults: race,
          paymentCenter: plainClass(options),
        });
      const c = (await run({ plantedBug: 'check-then-act' })).counterexample;
      expect(c?.violations.map((v) => v.invariant)).toContain('exactly-once-fulfilment');
      expect((await run({})).counterexample).toBeUndefined();
    });

    it('is caught, with two instances, when it remembers handled callbacks in memory instead of the database', async () => {
      const twoInstances: Design = {
        ...trustingApp,
        paymentCenter: { ...trustingApp.paymentCenter, replicas: 2 },
      };
      const duplicatesAcrossInstances = new Set([...duplicateCallbacks, 'pc.replica']);
      const run = (design: Design) =>
        explore({
          design,
          runs: 300,
          seed: 4,
          maxOrders: 2,
          faults: duplicatesAcrossInstances,
          paymentCenter: plainClass({ plantedBug: 'memory-dedupe' }),
        });
      // Two instances: the copy reaches the other one, which has never seen it.
      const c = (await run(twoInstances)).counterexample;
      expect(c?.violations.map((v) => v.invariant)).toContain('exactly-once-fulfilment');
      expect(c?.story.picks.map((p) => p.label)).toContain('pc.replica');
    });

    it('holds with two instances sharing its database', async () => {
      const twoInstances: Design = { ...hardened, paymentCenter: { ...hardened.paymentCenter, replicas: 2 } };
      const report = await explore({
        design: twoInstances,
        runs: 400,
        seed: 6,
        maxOrders: 3,
        faults: new Set(allFaults),
        paymentCenter: plainClass(),
      });
      const c = report.counterexample;
      expect(c && `${c.violations[0]?.message}\n${formatReplayCommand(c.story)}`).toBeUndefined();
    });

    it('is caught with its invariant named when a bug is planted: non-idempotent callback handling', async () => {
      const buggy = plainClass({ plantedBug: 'non-idempotent-notify' });
      const report = await explore({
        design: trustingApp,
        runs: 300,
        seed: 3,
        maxOrders: 2,
        faults: duplicateCallbacks,
        paymentCenter: buggy,
      });
      const c = report.counterexample;
      expect(c?.violations.map((v) => v.invariant)).toContain('exactly-once-fulfilment');
      // The shrunk story replays exactly against the same implementation.
      const again = await replay(trustingApp, c?.story ?? { workload: { intents: [] }, picks: [] }, {
        faults: duplicateCallbacks,
        paymentCenter: buggy,
      });
      expect(traceHash(again.trace)).toBe(traceHash(c?.result.trace ?? []));
    });
  },
);

describe('assertHolds with a payment center of your own', () => {
  it('throws InvariantBroken whose message is the story and how to replay it against the same class', async () => {
    const attempt = assertHolds({
      design: trustingApp,
      runs: 300,
      seed: 3,
      maxOrders: 2,
      faults: duplicateCallbacks,
      paymentCenter: plainClass({ plantedBug: 'non-idempotent-notify' }),
    });
    await expect(attempt).rejects.toBeInstanceOf(InvariantBroken);
    await expect(attempt).rejects.toThrow(
      /breaks exactly-once-fulfilment[\s\S]*ships o1\.1[\s\S]*replay\(design, \{"workload".*\}, \{ faults: \["notify\.duplicated","notify\.ack\.lost","notify\.delayed"\], paymentCenter \}\), with the design and services you passed/,
    );
  });

  it('resolves with the report when the class holds', async () => {
    const report = await assertHolds({
      design: trustingApp,
      runs: 100,
      seed: 3,
      maxOrders: 2,
      faults: duplicateCallbacks,
      paymentCenter: plainClass(),
    });
    expect(report.counterexample).toBeUndefined();
    expect(report.runs).toBe(100);
  });
});

describe('a payment center that cannot be built', () => {
  it('is refused before any run when a handler the port requires is missing, naming it', async () => {
    const incomplete = asyncPaymentCenter(
      () =>
        ({ onCreatePayment: async () => {}, recover: async () => {} }) as unknown as PaymentCenterHandlers,
    );
    await expect(assertHolds({ design: 'hardened', runs: 3, paymentCenter: incomplete })).rejects.toThrow(
      'your payment center: the handlers given to asyncPaymentCenter have no onClose, onQuery, onNotify; it needs a method for each of onCreatePayment, onClose, onQuery, onNotify, recover',
    );
  });

  it('is refused when the function that builds it throws, with what it threw', async () => {
    const throwing = asyncPaymentCenter((): PaymentCenterHandlers => {
      throw new Error('PAYMENTS_DB is not set');
    });
    await expect(assertHolds({ design: 'hardened', runs: 3, paymentCenter: throwing })).rejects.toThrow(
      /^your payment center: the function that builds its handlers \(given to asyncPaymentCenter\) threw Error: PAYMENTS_DB is not set$/,
    );
  });
  it('is refused when it names a trade in a form paysim cannot read the order back from', async () => {
    const ownNumbers = asyncPaymentCenter(
      (ports): PaymentCenterHandlers => ({
        async onCreatePayment({ orderId, amount }) {
          await ports.gateway.prepay(`PAY-${orderId}`, amount);
        },
        async onClose() {},
        async onQuery() {},
        async onNotify() {
          return ports.provider.ackReply;
        },
        async recover() {},
      }),
    );
    await expect(
      assertHolds({ design: 'hardened', runs: 3, faults: [], paymentCenter: ownNumbers }),
    ).rejects.toThrow(
      /^your payment center's gateway\.prepay\("PAY-o1\.1"\): an out_trade_no must be the order id, ~ and the attempt \(o1\.1~1\)/,
    );
  });
  it("is refused when it answers a query in the provider's words (SUCCESS), which would read as not paid", async () => {
    // WeChat Pay's trade_state words, passed on as they came.
    const wechatWords: Record<string, string> = { paying: 'NOTPAY', paid: 'SUCCESS', closed: 'CLOSED' };
    const providerWords = asyncPaymentCenter(
      (ports) =>
        new SimplePaymentCenter({
          ...ports,
          businessApp: {
            ...ports.businessApp,
            paymentStatus: (orderId, status) =>
              ports.businessApp.paymentStatus(orderId, wechatWords[status] ?? status),
          },
        }),
    );
    // A query comes when the order service has heard nothing in time: a lost callback and its retries.
    await expect(
      assertHolds({ design: 'hardened', runs: 300, paymentCenter: providerWords }),
    ).rejects.toThrow(
      /^your payment center's businessApp\.paymentStatus\("o\d\.1", "(NOTPAY|SUCCESS|CLOSED)"\): expected one of paying, closing, paid, closed, exception, none/,
    );
  });

  it('is refused when onNotify returns another shape than { httpStatus, body }', async () => {
    const wrongShape = asyncPaymentCenter((ports) => {
      const inner = new SimplePaymentCenter(ports);
      return Object.assign(Object.create(inner) as PaymentCenterHandlers, {
        async onNotify(n: Parameters<PaymentCenterHandlers['onNotify']>[0]) {
          await inner.onNotify(n);
          return { status: 200 } as never;
        },
      });
    });
    await expect(
      assertHolds({ design: 'hardened', runs: 3, faults: [], paymentCenter: wrongShape }),
    ).rejects.toThrow(
      `your payment center's onNotify returned {"status":200}: expected { httpStatus: number, body: string } with an HTTP status from 100 to 599`,
    );
  });

  it('is refused when the happy path, where the user pays at once, never gets a payment paid', async () => {
    // Opens the payment and reports it, but acknowledges every callback without recording it.
    const neverPaid = asyncPaymentCenter(
      (ports): PaymentCenterHandlers => ({
        async onCreatePayment({ orderId, amount }) {
          ports.report({ kind: 'payment', orderId, status: 'paying' });
          const prepaid = await ports.gateway.prepay(`${orderId}~1`, amount);
          if (prepaid.ok) ports.businessApp.paymentCreated(orderId, `${orderId}~1`, prepaid.prepayId);
        },
        async onClose({ orderId }) {
          ports.report({ kind: 'payment', orderId, status: 'closed' });
          ports.businessApp.paymentClosed(orderId);
        },
        async onQuery({ orderId }) {
          ports.businessApp.paymentStatus(orderId, 'paying');
        },
        async onNotify() {
          return ports.provider.ackReply;
        },
        async recover() {},
      }),
    );
    await expect(assertHolds({ design: 'hardened', runs: 20, paymentCenter: neverPaid })).rejects.toThrow(
      /^your payment center took payment\.create in a run with no fault, where the user pays at once, but no payment it stated ever became paid: the happy path must end paid\. See it: npx paysim replay --design hardened --workload o1:\d+@0, with your --app config$/,
    );
  });
});
