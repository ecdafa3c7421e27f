import { describe, expect, it } from 'vitest';
import { type MatrixRow, necessityMatrix } from '../../src/check/matrix.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';

const hardened = presets.hardened as Design;
const budget = { seeds: [1, 2], runsPerSeed: 1000, maxOrders: 3, faults: new Set(allFaults) };
const table = (rows: MatrixRow[]) =>
  Object.fromEntries(rows.map((r) => [r.mitigation, r.invariant ?? 'held']));

// What the simulator finds, written down; a row that says "held" is a mitigation that the rest of
// the design covers (see the README's necessity matrix), not a weakened check.
describe('necessity matrix: each mitigation of hardened switched off alone', () => {
  it('on WeChat Pay with MQ forwarding', async () => {
    const rows = await necessityMatrix({ base: hardened, ...budget });
    expect(table(rows)).toEqual({
      payingLock: 'no-double-charge',
      timeoutQuery: 'held',
      forwardRetry: 'held',
      idempotentNotify: 'held',
      appQuery: 'held',
      dedupe: 'held',
      verifyNotifications: 'inert-bad-input',
      closeBeforeGiveUp: 'held',
      refundUnmatched: 'held',
      outbox: 'held',
      recoveryJob: 'closed-loop',
      idempotentConsumer: 'exactly-once-fulfilment',
      dbUniqueGuard: 'no-duplicate-orders',
      reconciliation: 'held',
    });
    for (const row of rows.filter((r) => r.invariant)) {
      expect(row.report.counterexample?.story.picks.length).toBeLessThanOrEqual(3);
    }
  });

  it('on Alipay, where a close before the buyer acts does not take, refunds and reconciliation become necessary', async () => {
    const rows = await necessityMatrix({ base: { ...hardened, provider: 'alipay' }, ...budget });
    expect(table(rows)).toMatchObject({
      refundUnmatched: 'no-paid-but-unrecorded',
      reconciliation: 'no-paid-but-unrecorded',
    });
  });
});
