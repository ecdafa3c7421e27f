// The example order service behind the port: it holds where the model holds, and each of its
// planted bugs is caught with its invariant named and a story that replays exactly.

import { describe, expect, it } from 'vitest';
import { orderFacts } from '../../examples/order-store.ts';
import {
  type OrderServiceBug,
  orderService,
  SimpleOrderService,
} from '../../examples/simple-order-service.ts';
import { asyncBusinessApp } from '../../src/adapters/async-business-app.ts';
import { explore, replay } from '../../src/check/explore.ts';
import { formatReplayCommand } from '../../src/check/story.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import { traceHash } from '../../src/kernel/index.ts';

const hardened = presets.hardened as Design;
const faults = new Set(allFaults);
describe.each(['memory', 'sql'] as const)(
  'a hand-written order service behind the port, its orders in %s',
  (store) => {
    const service = (plantedBug?: OrderServiceBug) => orderService({ plantedBug, store });

    it('holds every invariant in 1,000 runs with every fault, in place of the model', async () => {
      const report = await explore({
        design: hardened,
        runs: 1000,
        seed: 1,
        maxOrders: 3,
        faults,
        businessApp: service(),
      });
      const c = report.counterexample;
      expect(c && `${c.violations[0]?.message}\n${formatReplayCommand(c.story)}`).toBeUndefined();
    });

    it('holds as two instances sharing its database and Redis', async () => {
      const twoEach: Design = { ...hardened, businessApp: { ...hardened.businessApp, replicas: 2 } };
      const report = await explore({
        design: twoEach,
        runs: 500,
        seed: 5,
        maxOrders: 3,
        faults,
        businessApp: service(),
      });
      expect(report.counterexample?.violations[0]?.message).toBeUndefined();
    });

    it.each([
      ['ships-every-delivery', ['exactly-once-fulfilment']],
      ['get-then-set', ['no-duplicate-orders']],
      // The insert committed, the key is gone and nothing watches the order; a retry would add a second.
      ['release-key-on-timeout', ['closed-loop', 'no-duplicate-orders']],
    ] as const)(
      'is caught when a bug is planted: %s, breaking %j, and the story replays exactly',
      async (bug, broken) => {
        const buggy = service(bug);
        const report = await explore({
          design: hardened,
          runs: 500,
          seed: 1,
          maxOrders: 3,
          faults,
          businessApp: buggy,
        });
        const c = report.counterexample;
        expect(broken).toContain(c?.violations[0]?.invariant);
        const again = await replay(hardened, c?.story ?? { workload: { intents: [] }, picks: [] }, {
          faults,
          businessApp: buggy,
        });
        expect(traceHash(again.trace)).toBe(traceHash(c?.result.trace ?? []));
      },
    );
  },
);

describe('a hand-written order service whose handler throws', () => {
  it('tells it as a failed request in the story, and a rejected result comes again', async () => {
    let failures = 0;
    // Fails the first delivery of each result, as a flaky downstream call would.
    const flaky = asyncBusinessApp(
      (io) => {
        const inner = new SimpleOrderService(io);
        return Object.assign(Object.create(inner) as SimpleOrderService, {
          onPaymentResult: async (result: { orderId: string; outTradeNo: string; amount: number }) => {
            if (failures++ === 0) throw new Error('inventory service 503');
            return inner.onPaymentResult(result);
          },
        });
      },
      { project: orderFacts },
    );
    const one = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };
    const result = await replay(hardened, { workload: one, picks: [] }, { faults, businessApp: flaky });
    expect(result.violations).toEqual([]);
    const notes = result.trace.filter((e) => e.kind === 'note').map((e) => (e as { text: string }).text);
    expect(notes).toContain('onPaymentResult for o1.1 failed: Error: inventory service 503');
    expect(notes.some((n) => /requeues .*: the consumer rejected it \(nack\)/.test(n))).toBe(true);
  });
});
