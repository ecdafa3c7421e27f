// fast-check arbitraries for what a run is made of: the workload (which purchases happen, when)
// and the script of deviations (which faults strike, at which occurrence). Both shrink towards
// the plainest run: fewer orders, fewer faults, earlier occurrences.
//
// The script is aimed: each label's occurrence numbers range over how often a happy run of this
// design asks it (`reach`), so picks land on choice points runs actually reach, and half the fault
// picks are aimed by time instead: the first time the label is asked after a moment near one of
// the design's own timers (`marksMs`), where races live. And it is a swarm
// (Groce et al., ISSTA 2012): each run draws its deviations from a small random subset of the
// enabled labels, so a rare pair of faults meets far more often than in a full mix.

import fc from 'fast-check';
import type { RawPick } from '../kernel/index.ts';
import type { Workload } from '../services/workload.ts';

const amounts = [100, 2_500, 9_999] as const;

export function workloadArbitrary(maxOrders: number): fc.Arbitrary<Workload> {
  const intent = fc.record({ amount: fc.constantFrom(...amounts), atMs: fc.nat({ max: 3_000 }) });
  return fc.array(intent, { minLength: 1, maxLength: maxOrders }).map((intents) => ({
    intents: intents.map((i, n) => ({
      intentId: `o${n + 1}`,
      userId: `u${n + 1}`,
      amount: i.amount,
      atMs: i.atMs,
    })),
  }));
}

/** How often each label is asked in a happy run of one order; labels a happy run never asks get 1. */
export type Reach = ReadonlyMap<string, number>;

/** A swarm draws its faults from at most a third of the catalogue per run (Groce et al. use a half). */
const swarmShare = 1 / 3;

/**
 * The most labels one run's swarm may hold: a third of them, but room for two at least, so that a
 * short fault list (`--faults a,b`) still puts two different faults in one run.
 */
export function swarmSize(labelCount: number): number {
  return Math.max(Math.min(2, labelCount), Math.ceil(labelCount * swarmShare));
}

/**
 * A user's behaviour is asked once per order, at the start: it is drawn on its own, not through
 * the swarm, so that "the user pays at a timer's edge" meets every fault as often as it can.
 */
const isUserLabel = (label: string) => label.startsWith('user.');

/** How far from a design timer a time-aimed pick may land, either side. */
const nearTimerMs = 1_500;

/**
 * One of the design's timers, and the `user.pay` values that make a user pay around it: a run
 * focuses on one timer, so the user's payment and the faults aimed by time meet at the same edge.
 */
export interface TimerFocus {
  readonly atMs: number;
  readonly userPayValues: readonly number[];
}

export function picksArbitrary(
  labels: readonly string[],
  maxOrders: number,
  reach: Reach = new Map(),
  focuses: readonly TimerFocus[] = [],
  maxPicks = 8,
): fc.Arbitrary<RawPick[]> {
  const byOccurrence = (label: string) =>
    fc.record({
      label: fc.constant(label),
      nth: fc.nat({ max: Math.max(1, reach.get(label) ?? 1) * maxOrders - 1 }),
      value: fc.nat({ max: 1_000 }),
    });
  const byTime = (label: string, focus: TimerFocus) =>
    fc
      .tuple(fc.integer({ min: -nearTimerMs, max: nearTimerMs }), fc.nat({ max: 1_000 }))
      .map(([offset, value]) => ({ label, nth: 0, value, atMs: Math.max(0, focus.atMs + offset) }));
  const userLabels = labels.filter(isUserLabel);
  const faultLabels = labels.filter((l) => !isUserLabel(l));
  const picks = (focus: TimerFocus | undefined) => {
    const userPick = (label: string) =>
      focus === undefined || label !== 'user.pay' || focus.userPayValues.length === 0
        ? byOccurrence(label)
        : fc.oneof(
            byOccurrence(label),
            fc.record({
              label: fc.constant(label),
              nth: fc.nat({ max: maxOrders - 1 }),
              value: fc.constantFrom(...focus.userPayValues),
            }),
          );
    const faultPick = (label: string) =>
      focus === undefined
        ? byOccurrence(label)
        : fc.oneof(
            { weight: 1, arbitrary: byOccurrence(label) },
            { weight: 1, arbitrary: byTime(label, focus) },
          );
    const users =
      userLabels.length === 0
        ? fc.constant([])
        : fc.array(fc.constantFrom(...userLabels).chain(userPick), { maxLength: 2 });
    const faults =
      faultLabels.length === 0
        ? fc.constant([])
        : fc
            .shuffledSubarray(faultLabels, {
              minLength: 1,
              maxLength: swarmSize(faultLabels.length),
            })
            .chain((swarm) => fc.array(fc.constantFrom(...swarm).chain(faultPick), { maxLength: maxPicks }));
    return fc.tuple(users, faults).map(([u, f]) => [...u, ...f]);
  };
  return focuses.length === 0 ? picks(undefined) : fc.constantFrom(...focuses).chain(picks);
}

/**
 * The search before it was aimed (kept as the benchmark's baseline): labels drawn uniformly from
 * every enabled fault, occurrence numbers from a fixed guess of how often each label is asked.
 */
export function plainPicksArbitrary(labels: readonly string[], maxOrders: number, maxPicks = 8) {
  if (labels.length === 0) return fc.constant([] as RawPick[]);
  const occurrencesPerOrder = (label: string) => (label.endsWith('.crash') ? 16 : 4);
  const pick = fc.constantFrom(...labels).chain((label) =>
    fc.record({
      label: fc.constant(label),
      nth: fc.nat({ max: occurrencesPerOrder(label) * maxOrders - 1 }),
      value: fc.nat({ max: 1_000 }),
    }),
  );
  return fc.array(pick, { maxLength: maxPicks });
}
