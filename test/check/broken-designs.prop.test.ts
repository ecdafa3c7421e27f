import { describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';

async function brokenBy(design: Design, faults: readonly string[], seed = 1) {
  const report = await explore({ design, runs: 1000, seed, maxOrders: 2, faults: new Set(faults) });
  return report.counterexample;
}

const invariantsOf = (c: Awaited<ReturnType<typeof brokenBy>>) =>
  new Set(c?.violations.map((v) => v.invariant));

describe('the naive design', () => {
  it('is broken under every fault, with a short shrunk story', async () => {
    const c = await brokenBy(presets.naive as Design, allFaults);
    expect(c).toBeDefined();
    expect(c?.story.picks.length).toBeLessThanOrEqual(3);
  });

  it.each([
    ['notify.outage', 'no-paid-but-unrecorded'],
    ['notify.duplicated', 'exactly-once-fulfilment'],
    ['notify.forged', 'inert-bad-input'],
    ['notify.tampered', 'inert-bad-input'],
    ['user.submit', 'no-duplicate-orders'],
  ])('loses to %s: %s breaks', async (fault, invariant) => {
    expect(invariantsOf(await brokenBy(presets.naive as Design, [fault]))).toContain(invariant);
  });
});

describe("the article's seed design", () => {
  it('is broken under every fault', async () => {
    expect(await brokenBy(presets.seed as Design, allFaults)).toBeDefined();
  });

  it.each([
    ['user.submit', 'no-duplicate-orders', 'its Redis check-then-set lets a double click through'],
    [
      'user.pay',
      'no-paid-but-unrecorded',
      'it gives up without closing the gateway order, so a late payment is kept',
    ],
    [
      'forward.duplicated',
      'exactly-once-fulfilment',
      'forwarding with retry delivers twice to a business app that is not idempotent',
    ],
    ['notify.tampered', 'inert-bad-input', 'it does not verify callbacks'],
    ['app.crash', 'closed-loop', 'nothing re-drives an order whose timers died with the process'],
  ])('loses to %s: %s breaks (%s)', async (fault, invariant) => {
    expect(invariantsOf(await brokenBy(presets.seed as Design, [fault]))).toContain(invariant);
  });

  it('survives a lost callback thanks to its timeout query', async () => {
    expect(await brokenBy(presets.seed as Design, ['notify.outage', 'notify.lost'])).toBeUndefined();
  });
});
