import { describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.ts';
import { formatReplayCommand } from '../../src/check/story.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';

const hardened = presets.hardened as Design;

async function expectHolds(design: Design, runs: number, seed: number, maxOrders = 4) {
  const report = await explore({ design, runs, seed, maxOrders, faults: new Set(allFaults) });
  const c = report.counterexample;
  // On failure, print the story so the run can be replayed at once.
  expect(c && `${c.violations[0]?.message}\n${formatReplayCommand(c.story)}`).toBeUndefined();
  expect(report.runs).toBe(runs);
}

describe('the hardened design', () => {
  it('holds every invariant in 2,000 generated runs of up to 4 concurrent orders with every fault enabled', async () => {
    await expectHolds(hardened, 2000, 20261125);
  });

  it('holds 2,000 runs of up to 3 orders with every fault, running 2 instances of each service', async () => {
    const twoEach: Design = {
      ...hardened,
      name: 'hardened,replicas=2',
      paymentCenter: { ...hardened.paymentCenter, replicas: 2 },
      businessApp: { ...hardened.businessApp, replicas: 2 },
    };
    await expectHolds(twoEach, 2000, 4, 3);
  });

  it('holds 2,000 runs on Alipay, whose close does not take before the buyer acts', async () => {
    await expectHolds({ ...hardened, provider: 'alipay' }, 2000, 7, 3);
  });

  it('holds 2,000 runs on Stripe: delayed methods, unordered webhooks, cancel that fails once paid', async () => {
    await expectHolds({ ...hardened, provider: 'stripe' }, 2000, 13, 3);
  });

  it('holds when results are forwarded by direct call instead of MQ', async () => {
    await expectHolds({ ...hardened, forwarding: 'direct' }, 500, 11);
  });
});
