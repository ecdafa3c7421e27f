// How a check's settings are printed first: as the exact command that repeats the run, then the
// design and faults in words.

import type { Design } from '../designs/design.ts';
import { describeDeployment } from '../designs/variants.ts';
import { serviceName } from '../domain/service-name.ts';
import { allFaults, idleFaults } from '../faults/catalogue.ts';
import { defaultEngine, type MachineEngine } from '../kernel/index.ts';

export interface CheckSettings {
  readonly design: Design;
  readonly runs: number;
  readonly seed: number;
  readonly maxOrders: number;
  readonly faults: readonly string[];
  /** The --app config whose services run in place of the models. */
  readonly app?: string;
  /** Which of its roles the config fills. */
  readonly yours?: readonly ('paymentCenter' | 'businessApp')[];
  /** Named in the command only when it is not the default. */
  readonly engine?: MachineEngine;
  /** The environment variables the --app config read as it loaded. */
  readonly environment?: readonly string[];
}

/** `your payment center and your order service`: the roles an --app config fills, undefined for none. */
export function yourCode(
  yours: readonly ('paymentCenter' | 'businessApp')[] | undefined,
): string | undefined {
  if (yours === undefined || yours.length === 0) return undefined;
  return yours.map((role) => serviceName(role === 'paymentCenter' ? 'pc' : 'app')).join(' and ');
}

export function describeSettings(s: CheckSettings): string {
  const all = s.faults.length === allFaults.length;
  // Most faults but a few reads shorter as what is left out, as it was likely given.
  const left = allFaults.filter((f) => !s.faults.includes(f));
  const allBut = !all && left.length < s.faults.length;
  const idle = idleFaults(s.faults, s.design);
  const faults = all
    ? ''
    : allBut
      ? ` --no-faults ${left.join(',')}`
      : ` --faults ${s.faults.join(',') || 'none'}`;
  return [
    `npx paysim check --design ${s.design.name} --runs ${s.runs} --seed ${s.seed} --orders ${s.maxOrders}${faults}${s.app === undefined ? '' : ` --app ${s.app}`}${s.engine === undefined || s.engine === defaultEngine ? '' : ` --engine ${s.engine}`}`,
    `  design: ${s.design.description}`,
    `  provider ${s.design.provider}, forwarding ${s.design.forwarding}; ${describeDeployment(s.design, s.yours)}`,
    ...(s.app === undefined || s.yours === undefined
      ? []
      : [
          `  your code: ${yourCode(s.yours)?.replace(/^your /, 'the ')} from ${s.app}, in place of the model`,
          ...(s.environment === undefined || s.environment.length === 0
            ? []
            : [`  it read ${s.environment.join(', ')} from the environment as it loaded`]),
        ]),
    `  faults: ${all ? `all ${allFaults.length}` : allBut ? `${s.faults.length} (all but ${left.join(', ')})` : s.faults.length}${idle.length > 0 ? `, ${s.faults.length - idle.length} of which can strike this design` : ''}; up to ${s.maxOrders} concurrent orders per run`,
    // Named on purpose but impossible here: say so, rather than let "not found" mislead.
    ...(all || allBut
      ? []
      : idle.map(({ fault, why }) => `  note: ${fault} never strikes this design (${why})`)),
    // The model order service downstream of your payment center absorbs what it forwards twice.
    ...(s.yours?.includes('paymentCenter') &&
    !s.yours.includes('businessApp') &&
    s.design.mitigations.idempotentConsumer
      ? [
          '  note: the model order service ships once however often your payment center forwards a payment (idempotentConsumer); add -idempotentConsumer to the design to hold your payment center to forwarding once',
        ]
      : []),
  ].join('\n');
}
