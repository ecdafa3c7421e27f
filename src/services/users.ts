// The shoppers: one user actor per purchase intent. Their behaviour is drawn from the choices seam
// when the run starts (`user.submit`, `user.pay`), defaulting to one submit and a prompt payment.
// Besides the fixed behaviours, a user may pay at a moment placed around one of the design's own
// timers (just before, at, just after the callback timeout, each query, the give-up, the app's
// queries, the order timeout): races live at those edges, and fixed delays rarely hit them.

import type { Design } from '../designs/design.ts';
import { designTimers } from '../designs/timers.ts';
import { MachineHost, type World } from '../kernel/index.ts';
import {
  behaviourStory,
  type PayBehaviour,
  payBehaviours,
  payDelayFor,
  submitBehaviours,
  type UserInput,
  userMachine,
} from '../machines/user.machine.ts';
import type { Workload } from './workload.ts';

export interface PayMoment {
  readonly delayMs: number;
  readonly story: string;
}

/** How far either side of a design timer a user pays: one second, the width of a click. */
const nearMs = 1_000;

/** Pay moments around the design's timers, in a fixed order (stories name them by index). */
export function payMoments(design: Design): PayMoment[] {
  const moments: PayMoment[] = [];
  for (const { what, atMs } of designTimers(design)) {
    for (const [offsetMs, where] of [
      [-nearMs, 'just before'],
      [0, 'at'],
      [nearMs, 'just after'],
    ] as const) {
      const delayMs = atMs + offsetMs;
      if (delayMs <= 0) continue;
      moments.push({
        delayMs,
        story: `will pay ${delayMs / 1000} s after the pay page opens, ${where} ${what}`,
      });
    }
  }
  return moments;
}

/** payMoments per design object, built once: a run reads them, never changes them. */
const momentsOf = new WeakMap<Design, readonly PayMoment[]>();

export function users(
  world: World,
  workload: Workload,
  enabled: ReadonlySet<string>,
  design: Design,
): MachineHost<UserInput> {
  let moments = momentsOf.get(design);
  if (moments === undefined) {
    moments = payMoments(design);
    momentsOf.set(design, moments);
  }
  const draws = new Draws(world, enabled, moments);
  return new MachineHost<UserInput>(world, {
    address: 'users',
    machine: userMachine,
    route(env) {
      const intentId = (env.msg as { intentId?: string }).intentId;
      return intentId === undefined ? undefined : { key: intentId };
    },
    restore() {
      return restoreUsers(workload, draws);
    },
  });
}

/**
 * How each user behaves, drawn from the choices seam when their actor is built. A class, not
 * closures per run: tsx names each named arrow it creates, which showed per run.
 */
class Draws {
  constructor(
    private readonly world: World,
    private readonly enabled: ReadonlySet<string>,
    private readonly moments: readonly PayMoment[],
  ) {}

  private ask(label: string, optionCount: number): number {
    return this.enabled.has(label) ? this.world.choose(label, optionCount) : 0;
  }

  // A user's deviation is part of the story: record it where the timeline will show it.
  private tell(label: string, intentId: string, story: string): void {
    this.world.recordFault(label, `the user of ${intentId} ${story}`, undefined, `${intentId}.1`);
  }

  submit(intentId: string): UserInput['submit'] {
    const submit = submitBehaviours[this.ask('user.submit', submitBehaviours.length)] ?? 'once';
    if (submit !== 'once') this.tell('user.submit', intentId, behaviourStory[submit]);
    return submit;
  }

  pay(intentId: string): { pay: PayBehaviour | 'timed'; payDelayMs: number } {
    const option = this.ask('user.pay', payBehaviours.length + this.moments.length);
    const fixed = payBehaviours[option];
    if (fixed !== undefined) {
      if (fixed !== 'prompt') this.tell('user.pay', intentId, behaviourStory[fixed]);
      return { pay: fixed, payDelayMs: payDelayFor(fixed) };
    }
    const moment = this.moments[option - payBehaviours.length] as PayMoment;
    this.tell('user.pay', intentId, moment.story);
    return { pay: 'timed', payDelayMs: moment.delayMs };
  }

  abandons(intentId: string): boolean {
    if (this.ask('user.abandon', 2) === 0) return false;
    this.tell('user.abandon', intentId, 'will scan the pay page, then leave without paying');
    return true;
  }
}

// A generator function made once, not per run: each new generator function costs V8 a hidden class
// that keeps the whole run reachable until a full GC (half of what a run allocated survived scavenges).
function* restoreUsers(workload: Workload, draws: Draws): Generator<[string, UserInput]> {
  for (const intent of workload.intents) {
    yield [
      intent.intentId,
      {
        userId: intent.userId,
        intentId: intent.intentId,
        amount: intent.amount,
        startAfterMs: intent.atMs,
        submit: draws.submit(intent.intentId),
        ...draws.pay(intent.intentId),
        abandons: draws.abandons(intent.intentId),
      },
    ];
  }
}
