import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/check/explore.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import { traceHash } from '../../src/kernel/index.ts';
import { renderTimeline } from '../../src/report/timeline.ts';

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

  it.each([1, 2, 3])(
    'on seed %i, has the check-then-act race of its measure 4: two callbacks both read paying, both forward, the order ships twice',
    async (seed) => {
      const faults = new Set(['notify.duplicated', 'pc.interleave', 'app.interleave']);
      const report = await explore({
        design: presets.seed as Design,
        runs: 2000,
        seed,
        maxOrders: 2,
        faults,
      });
      const c = report.counterexample;
      expect(c?.violations[0]?.invariant).toBe('exactly-once-fulfilment');
      const story = renderTimeline(c?.result.trace ?? []).join('\n');
      // The two interleaved steps, side by side: the second handler decides on a row read before the first wrote.
      expect(story).toMatch(
        /pc handles gateway\.notify for o\d\.1 on the row it read at 00:02\.\d{3}: paying/,
      );
      // It replays exactly.
      const again = await replay(presets.seed as Design, c?.story as NonNullable<typeof c>['story'], {
        faults,
      });
      expect(traceHash(again.trace)).toBe(traceHash(c?.result.trace ?? []));
    },
  );

  it('survives a lost callback thanks to its timeout query', async () => {
    expect(await brokenBy(presets.seed as Design, ['notify.outage', 'notify.lost'])).toBeUndefined();
  });
});
