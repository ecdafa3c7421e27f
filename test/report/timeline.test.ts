import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/check/explore.ts';
import type { Story } from '../../src/check/story.ts';
import { resolveDesign } from '../../src/designs/load-design.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import { orderOutcomes, renderOutcomes } from '../../src/report/final-state.ts';
import { finalStateHeading, renderTimeline } from '../../src/report/timeline.ts';

async function story(file: string) {
  const s = JSON.parse(readFileSync(`scenarios/${file}.json`, 'utf8')) as Story;
  const result = await replay(await resolveDesign(s.design, 'scenarios'), s, { faults: new Set(allFaults) });
  const orders = [...new Set(result.violations.flatMap((v) => v.orders))];
  return [
    ...renderTimeline(result.trace, { orders }),
    '',
    ...renderOutcomes(orderOutcomes(result, orders)),
  ].join('\n');
}

// The explanation of a known counterexample is stored as text, so a change in it is a visible diff.
describe('the timeline of a counterexample', () => {
  it.each(['seed-redis-race', 'naive-lost-callback', 'seed-app-crash'])(
    'tells the %s story as stored',
    async (name) => {
      await expect(`${await story(name)}\n`).toMatchFileSnapshot(`./expected/${name}.timeline.txt`);
    },
  );
});

describe('what the story says of a decision nothing else in it explains', () => {
  it('gives the reason an order went to exception', async () => {
    expect(await story('close-before-give-up-refuses-late-payment')).toMatch(
      /pc: payment o1\.1 closing → exception \(no close at the gateway took\)/,
    );
  });

  it('says an order was created without its duplicate-submission key when Redis never answered', async () => {
    const workload = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };
    const picks = [
      { label: 'user.submit', nth: 0, index: 1 },
      { label: 'redis.lost', nth: 0, index: 1 },
    ];
    const result = await replay('hardened,-dbUniqueGuard', { workload, picks });
    const lines = renderTimeline(result.trace);
    const note = lines.findIndex((l) =>
      l.endsWith(
        "app heard nothing from Redis about o1.1's duplicate-submission key in 5 s: creates the order without it (fail open)",
      ),
    );
    expect(note).toBeGreaterThan(0);
    expect(lines[note + 1]).toMatch(/app: order o1\.1 new → created$/);
  });
});

describe('news of a payment that the record did not take', () => {
  it('is told with its answer, though nothing was written: the callback acknowledged after the close', async () => {
    expect(await story('seed-paid-after-close')).toMatch(
      /20:00\.130 {2}gateway → pc {2}gateway\.notify \(o1\.1~1 SUCCESS amount 100\)\n +20:00\.142 {2}pc → gateway {2}gateway\.notify\.ack \(o1\.1~1, httpStatus=204\)\n/,
    );
  });

  it('callbacks rejected again and again are told once, then how often', async () => {
    const told = await story('clock-skew-rejects-every-callback');
    expect(told).toMatch(
      /00:02\.108 {2}gateway → pc {2}gateway\.notify \(o1\.1~1 SUCCESS amount 100\)\n +00:02\.120 {2}pc → gateway {2}gateway\.notify\.ack \(o1\.1~1, httpStatus=400\)\n +… the same 5 more times, the last at 14:02\.108\n/,
    );
    expect(told).toContain('… the same 9 more times, the last at 24h04:02.108');
  });

  it('is not told once the record says paid (a duplicate callback, acknowledged)', async () => {
    const workload = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };
    const result = await replay('hardened', {
      workload,
      picks: [{ label: 'notify.duplicated', nth: 0, index: 2 }],
    });
    const notifies = renderTimeline(result.trace).filter((l) => l.includes('gateway → pc  gateway.notify ('));
    expect(notifies).toHaveLength(1);
  });
});

describe('a story of events that come again and again', () => {
  it('tells a run of three once, then how often; --verbose tells each', async () => {
    const s = JSON.parse(
      readFileSync('scenarios/stripe-delayed-payment-outlives-its-webhooks.json', 'utf8'),
    ) as Story;
    const result = await replay(await resolveDesign(s.design, 'scenarios'), s);
    const told = renderTimeline(result.trace).join('\n');
    expect(told).toMatch(
      /15:20\.054 {2}pc: payment o1\.1 closing → exception \(no close at the gateway took\)\n +15:35\.050 {2}app → pc {2}payment\.close \(o1\.1\)\n +15:35\.052 {2}pc: payment o1\.1 exception → closing\n +… the same 6 more times, the last at 30:30\.068\n +35:30\.070 /,
    );
    const verbose = renderTimeline(result.trace, { verbose: true });
    expect(verbose.filter((l) => l.includes('… the same'))).toEqual([]);
    expect(result.violations[0]?.message).toContain('became paid only after 30 min and 34 ms (bound 30 min)');
  });
});

describe('a message that arrives after its sender crashed', () => {
  it('says it was sent before the crash, in flight since', async () => {
    expect(await story('broker-crash-ships-twice')).toMatch(
      /⚡ mq crashes .*\n +00:02\.152 {2}mq → pc {2}mq\.confirm \(o1\.1\) {2}\(sent before mq crashed\)\n +00:02\.152 {2}mq → app {2}payment\.succeeded \(o1\.1~1\) {2}\(sent before mq crashed\)\n/,
    );
    // Once it is back up, what it sends is its own again.
    expect(await story('broker-crash-ships-twice')).toMatch(
      /restarts from its database\n +00:07\.152 {2}mq → app {2}payment\.succeeded \(o1\.1~1\)\n/,
    );
  });
});

describe('a service running more than one instance', () => {
  it('names the instance that sent a message as well as the one that took it', async () => {
    const workload = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };
    const result = await replay('hardened,replicas=2', {
      workload,
      picks: [{ label: 'pc.crash', nth: 0, index: 1 }],
    });
    expect(renderTimeline(result.trace)).toContainEqual(
      expect.stringMatching(/pc#1 → app#1 {2}payment\.closed \(o1\.1\)$/),
    );
  });
});

describe('the final state after a story cut at its last break', () => {
  it('says when the run ended and when the story stopped, since the state may show what came after', async () => {
    const s = JSON.parse(readFileSync('scenarios/without-paying-lock-double-charge.json', 'utf8')) as Story;
    const result = await replay(await resolveDesign(s.design, 'scenarios'), s);
    expect(finalStateHeading(result.violations, false, result.final.endMs)).toBe(
      'Final state, when the run ended at 12h00:00.036 (the story above stops at its last break, at 00:02.188; what happened after is not told):',
    );
  });
});
