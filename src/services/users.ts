// The shoppers: one user actor per purchase intent. Their behaviour is drawn from the choices seam
// when the run starts (`user.submit`, `user.pay`), defaulting to one submit and a prompt payment.

import { MachineHost, type World } from '../kernel/index.ts';
import {
  behaviourStory,
  payBehaviours,
  submitBehaviours,
  type UserInput,
  userMachine,
} from '../machines/user.machine.ts';
import type { Workload } from './workload.ts';

export function users(
  world: World,
  workload: Workload,
  enabled: ReadonlySet<string>,
): MachineHost<UserInput> {
  const draw = <T extends keyof typeof behaviourStory | 'once' | 'prompt'>(
    label: string,
    options: readonly T[],
    intentId: string,
  ): T => {
    const option = options[enabled.has(label) ? world.choose(label, options.length) : 0] as T;
    // A user's deviation is part of the story: record it where the timeline will show it.
    if (option !== 'once' && option !== 'prompt')
      world.recordFault(
        label,
        `the user of ${intentId} ${behaviourStory[option as keyof typeof behaviourStory]}`,
        undefined,
        `${intentId}.1`,
      );
    return option;
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
            submit: draw('user.submit', submitBehaviours, intent.intentId),
            pay: draw('user.pay', payBehaviours, intent.intentId),
          },
        ];
      }
    },
  });
}
