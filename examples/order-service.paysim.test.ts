// How a team wires paysim into its CI: the order service's own vitest suite checks it against the
// hardened design under every fault, and shows that the suite would catch each planted bug.

import { describe, expect, it } from 'vitest';
import { assertHolds } from '../src/check/assert-holds.ts';
import { orderService } from './simple-order-service.ts';

describe('our order service', () => {
  it('never loses a payment, ships twice or duplicates an order (hardened, every fault)', async () => {
    await assertHolds({
      design: 'hardened',
      runs: 500,
      seed: 2,
      businessApp: orderService({ store: 'sql' }),
    });
  });

  it.each([
    ['ships-every-delivery', /exactly-once-fulfilment/],
    ['get-then-set', /no-duplicate-orders/],
    ['release-key-on-timeout', /closed-loop|no-duplicate-orders/],
  ] as const)('would fail CI with the story if it had the bug %s', async (bug, invariant) => {
    await expect(
      assertHolds({
        design: 'hardened',
        runs: 500,
        seed: 1,
        businessApp: orderService({ plantedBug: bug, store: 'sql' }),
      }),
    ).rejects.toThrow(invariant);
  });
});
