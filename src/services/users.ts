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

export function users(
  world: World,
  workload: Workload,
  enabled: ReadonlySet<string>,
  design: Design,
): MachineHost<UserInput> {
  const moments = payMoments(design);
  const ask = (label: string, optionCount: number) =>
    enabled.has(label) ? world.choose(label, optionCount) : 0;
  // A user's deviation is part of the story: record it where the timeline will show it.
  const tell = (label: string, intentId: string, story: string) =>
    world.recordFault(label, `the user of ${intentId} ${story}`, undefined, `${intentId}.1`);
  const drawSubmit = (intentId: string) => {
    const submit = submitBehaviours[ask('user.submit', submitBehaviours.length)] ?? 'once';
    if (submit !== 'once') tell('user.submit', intentId, behaviourStory[submit]);
    return submit;
  };
  const drawPay = (intentId: string): { pay: PayBehaviour | 'timed'; payDelayMs: number } => {
    const option = ask('user.pay', payBehaviours.length + moments.length);
    const fixed = payBehaviours[option];
    if (fixed !== undefined) {
      if (fixed !== 'prompt') tell('user.pay', intentId, behaviourStory[fixed]);
      return { pay: fixed, payDelayMs: payDelayFor(fixed) };
    }
    const moment = moments[option - payBehaviours.length] as PayMoment;
    tell('user.pay', intentId, moment.story);
    return { pay: 'timed', payDelayMs: moment.delayMs };
  };
  const drawAbandon = (intentId: string): boolean => {
    if (ask('user.abandon', 2) === 0) return false;
    tell('user.abandon', intentId, 'will scan the pay page, then leave without paying');
    return true;
  };
  return new MachineHost<UserInput>(world, {
    address: 'users',
    machine: userMachine,
    route(env) {
      const intentId = (env.msg as { intentId?: string }).intentId;
      return intentId === undefined ? undefined : { key: intentId };
    },
    *restore() {
      for (const intent of workload.intents) {
        yield [
          intent.intentId,
          {
            userId: intent.userId,
            intentId: intent.intentId,
            amount: intent.amount,
            startAfterMs: intent.atMs,
            submit: drawSubmit(intent.intentId),
            ...drawPay(intent.intentId),
            abandons: drawAbandon(intent.intentId),
          },
        ];
      }
    },
  });
}
