// explore() and assertHolds() from JavaScript: each mistake in their options is refused up front,
// naming the function, the option and the value it got.

import { expect, it } from 'vitest';
import { assertHolds } from '../../src/check/assert-holds.ts';
import { explore, replay } from '../../src/check/explore.ts';
import type { Design } from '../../src/designs/design.ts';
import { presets } from '../../src/designs/presets.ts';
import { allFaults } from '../../src/faults/catalogue.ts';
import { parsePicks, parseWorkload } from '../../src/index.ts';
import { traceHash } from '../../src/kernel/index.ts';

const good = {
  design: presets.hardened as Design,
  runs: 5,
  seed: 1,
  maxOrders: 2,
  faults: new Set(allFaults),
};

it.each([
  [{ design: 'hardened' }, /^explore: design: expected a Design object .*, got "hardened"$/],
  [{ faults: [...allFaults] }, /^explore: faults: expected a Set of fault ids .*, got an array$/],
  [{ faults: new Set(['notify.lots']) }, /^explore: faults: "notify\.lots" is not a fault id/],
  [{ runs: 0 }, /^explore: runs: expected a whole number of 1 or more, got 0$/],
  [{ maxOrders: 99 }, /^explore: maxOrders: expected a whole number from 1 to 12 .*, got 99$/],
  [{ faults: new Set(['notify.lots']) }, /\(did you mean "notify\.lost"\?\)/],
  [{ seed: '7' }, /^explore: seed: expected a whole number, got "7"$/],
  [{ engine: 'fast' }, /^explore: engine: expected "compiled" or "xstate", got "fast"$/],
  [{ run: 5 }, /^explore: unknown option run \(did you mean "runs"\?\)/],
])('refuses %j', async (change, message) => {
  await expect(explore({ ...good, ...change } as never)).rejects.toThrow(message);
});

it('takes good options', async () => {
  expect((await explore(good)).runs).toBe(5);
});

it.each([
  [undefined, /^assertHolds: expected an options object, got undefined$/],
  [
    { design: 'hardened', faults: 'notify.lost' },
    /^assertHolds: faults: expected a list of fault ids, e\.g\. \["notify\.lost"\], got "notify\.lost"$/,
  ],
  [{ design: 'hardened', runs: 2.5 }, /^assertHolds: runs: expected a whole number of 1 or more, got 2\.5$/],
  [{ design: 'hardened', maxOrders: 99 }, /^assertHolds: maxOrders: .* got 99$/],
  [
    { design: 'hardened', failOnErrors: 'yes' },
    /^assertHolds: failOnErrors: expected true or false, got "yes"$/,
  ],
  [
    { design: 7 },
    /^assertHolds: design: expected a design spec such as "hardened", or a Design object, got 7$/,
  ],
  [
    { design: 'hardened', faults: ['notify.lsot'] },
    /^assertHolds: faults: "notify\.lsot" is not a fault id \(did you mean "notify\.lost"\?\)/,
  ],
])('assertHolds refuses %j, naming itself', async (options, message) => {
  await expect(assertHolds(options as never)).rejects.toThrow(message);
});

it('assertHolds takes a design by name and faults as a list, with defaults for the rest', async () => {
  expect((await assertHolds({ design: 'hardened', runs: 3, faults: ['notify.lost'] })).runs).toBe(3);
});

it('replay refuses a pick it would never take: a choice that does not exist, or a fault left out', async () => {
  const workload = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };
  const design = presets.hardened as Design;
  await expect(
    replay(
      design,
      { workload, picks: [{ label: 'user.sumbit', nth: 0, index: 1 }] },
      { faults: new Set(allFaults) },
    ),
  ).rejects.toThrow(
    /^replay\(design, \{ workload, picks \}, \{ faults \}\): picks: pick user\.sumbit#0=1: unknown choice "user\.sumbit" \(did you mean "user\.submit"\?\)/,
  );
  await expect(
    replay(design, { workload, picks: [{ label: 'user.submit', nth: 0, index: 1 }] }, { faults: new Set() }),
  ).rejects.toThrow(
    /^replay\(design, \{ workload, picks \}, \{ faults \}\): pick user\.submit#0=1 names the fault user\.submit, which options\.faults leaves out/,
  );
  const taken = await replay(
    design,
    { workload, picks: [{ label: 'user.submit', nth: 0, index: 1 }] },
    { faults: new Set(allFaults) },
  );
  expect(taken.picks).toEqual([{ label: 'user.submit', nth: 0, index: 1 }]);
});

it('replay refuses a pick whose numbers would match no choice point, or one picked twice', async () => {
  const workload = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };
  const design = presets.seed as Design;
  const faults = { faults: new Set(allFaults) };
  for (const [pick, message] of [
    [
      { label: 'user.submit', nth: 0, index: 'double-click' },
      /picks\[0\]\.index: expected the option's number, .* got "double-click"$/,
    ],
    [
      { label: 'user.submit', nth: 0.5, index: 1 },
      /picks\[0\]\.nth: expected a whole number of 0 or more .* got 0\.5$/,
    ],
    [{ label: 'user.submit', nth: 0, index: 0 }, /option 0 is the default; list only deviations$/],
  ] as const)
    await expect(replay(design, { workload, picks: [pick as never] }, faults)).rejects.toThrow(message);
  const twice = [
    { label: 'user.submit', nth: 0, index: 1 },
    { label: 'user.submit', nth: 0, index: 2 },
  ];
  await expect(replay(design, { workload, picks: twice }, faults)).rejects.toThrow(
    /pick user\.submit#0 is given twice: a choice point takes one option$/,
  );
});

it('replay takes a design spec and faults as a list, and names what it takes when given something else', async () => {
  const workload = { intents: [{ intentId: 'o1', userId: 'u1', amount: 100, atMs: 0 }] };
  const story = { workload, picks: [{ label: 'user.submit', nth: 0, index: 1 }] };
  const result = await replay('seed', story, { faults: ['user.submit'] });
  expect(result.violations.map((v) => v.invariant)).toContain('no-duplicate-orders');
  // Without faults, every fault, as the command line replays: the same story.
  const everyFault = await replay('seed', story);
  expect(traceHash(everyFault.trace)).toBe(traceHash(result.trace));
  await expect(replay('seed', story, { faults: 'user.submit' as never })).rejects.toThrow(
    /options\.faults: expected the fault ids the story ran with \(leave it out for every fault\)/,
  );
  await expect(replay({} as never, story, { faults: allFaults })).rejects.toThrow(
    /design: expected a Design or a design spec/,
  );
  await expect(replay('seed', {} as never, { faults: allFaults })).rejects.toThrow(
    /the story: expected \{ workload: \{ intents \}, picks \}/,
  );
});

it('reads a workload and picks as replay lines write them, an option by number or by name', async () => {
  const story = {
    workload: parseWorkload('o1:100@0'),
    picks: parsePicks('user.submit#0=1 notify.duplicated#0=at-once'),
  };
  expect(story.picks).toEqual([
    { label: 'user.submit', nth: 0, index: 1 },
    { label: 'notify.duplicated', nth: 0, index: 1 },
  ]);
  expect((await replay('seed', story)).picks).toEqual(story.picks);
  expect(() => parsePicks('notify.duplicated#0=twice')).toThrow(
    /notify\.duplicated has no option "twice".*the names notify\.duplicated accepts are at-once, later/,
  );
});

it('assertHolds refuses faults of which none can strike the design: every run would take the happy path', async () => {
  await expect(
    assertHolds({ design: 'hardened,provider=stripe', faults: ['query.lag', 'pc.replica'], runs: 5 }),
  ).rejects.toThrow(
    "assertHolds: faults: none of them can strike hardened,provider=stripe (query.lag: Stripe's reads are consistent; pc.replica: one payment center instance), so every run would take the happy path",
  );
  // One that can strike is enough; an empty list is a choice (the happy path only), not a mistake.
  await expect(
    assertHolds({ design: 'hardened,provider=stripe', faults: ['query.lag', 'notify.lost'], runs: 5 }),
  ).resolves.toMatchObject({ runs: 5 });
  await expect(assertHolds({ design: 'hardened', faults: [], runs: 5 })).resolves.toMatchObject({ runs: 5 });
});

it('refuses a fault given twice, as the command line does', async () => {
  await expect(assertHolds({ design: 'hardened', faults: ['notify.lost', 'notify.lost'] })).rejects.toThrow(
    'assertHolds: faults: "notify.lost" is given twice; give it once',
  );
});
