// The shoppers: one user actor per purchase intent. Their behaviour is drawn from the choices seam
// when the run starts (`user.submit`, `user.pay`), defaulting to one submit and a prompt payment.

import { MachineHost, type World } from '../kernel/index.ts';
import { payBehaviours, submitBehaviours, type UserInput, userMachine } from '../machines/user.machine.ts';
import type { Workload } from './workload.ts';

export function users(
  world: World,
  workload: Workload,
  enabled: ReadonlySet<string>,
): MachineHost<UserInput> {
  const draw = <T>(label: string, options: readonly T[]): T =>
    options[enabled.has(label) ? world.choose(label, options.length) : 0] as T;
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
            submit: draw('user.submit', submitBehaviours),
            pay: draw('user.pay', payBehaviours),
          },
        ];
      }
    },
  });
}
