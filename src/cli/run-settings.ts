// The settings shared by `check`, and how a run's settings are printed first so that any run can be
// repeated exactly.

import type { Design } from '../designs/design.ts';
import { allFaults } from '../faults/catalogue.ts';

export interface CheckSettings {
  readonly design: Design;
  readonly runs: number;
  readonly seed: number;
  readonly maxOrders: number;
  readonly faults: readonly string[];
}

export function describeSettings(s: CheckSettings, designArg: string): string {
  const faults =
    s.faults.length === allFaults.length
      ? `all ${allFaults.length}`
      : s.faults.length === 0
        ? 'none'
        : s.faults.join(',');
  return [
    `paysim check --design ${designArg} --runs ${s.runs} --seed ${s.seed} --orders ${s.maxOrders} --provider ${s.design.provider}`,
    `  design ${s.design.name}: ${s.design.description}`,
    `  forwarding ${s.design.forwarding}; faults: ${faults}; up to ${s.maxOrders} concurrent orders per run`,
  ].join('\n');
}
