// explore() is called from JavaScript too, where nothing checks its options before they are used:
// a design given by name or faults given as an array failed deep inside as "faults is not
// iterable". Each mistake is refused up front, naming the option and what it takes.

import { refuseUnknownOptions } from '../adapters/known-options.ts';
import { ContractError } from '../adapters/service-ports.ts';
import { allFaults } from '../faults/catalogue.ts';
import { machineEngines } from '../kernel/index.ts';

/** The options a search shares with assertHolds (which adds its own; explore adds search, engine, onRun). */
export const searchOptions = [
  'design',
  'runs',
  'seed',
  'maxOrders',
  'faults',
  'paymentCenter',
  'businessApp',
  'app',
  'expectedErrors',
] as const;

export function checkExploreOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null)
    throw new ContractError(`explore: expected an options object, got ${String(options)}`);
  refuseUnknownOptions('explore', options, [...searchOptions, 'search', 'engine', 'onRun']);
  const o = options as Record<string, unknown>;
  const refuse = (name: string, expected: string) => {
    const value = o[name];
    throw new ContractError(
      `explore: ${name}: expected ${expected}, got ${typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  };
  const design = o.design as { name?: unknown; mitigations?: unknown } | undefined;
  if (
    typeof design !== 'object' ||
    design === null ||
    typeof design.name !== 'string' ||
    typeof design.mitigations !== 'object'
  )
    refuse(
      'design',
      'a Design object (resolveDesign("hardened") gives one; assertHolds also takes the name)',
    );
  for (const name of ['runs', 'maxOrders'])
    if (!Number.isSafeInteger(o[name]) || (o[name] as number) < 1)
      refuse(name, 'a whole number of 1 or more');
  if (!Number.isSafeInteger(o.seed)) refuse('seed', 'a whole number');
  const faults = o.faults;
  if (!(faults instanceof Set)) refuse('faults', 'a Set of fault ids (new Set(allFaults) for every fault)');
  for (const id of faults as Set<unknown>)
    if (!(allFaults as readonly unknown[]).includes(id))
      throw new ContractError(
        `explore: faults: ${JSON.stringify(id)} is not a fault id (\`paysim faults\` and allFaults list them)`,
      );
  if (o.app !== undefined && typeof o.app !== 'string') refuse('app', 'the path of a paysim config');
  if (o.search !== undefined && o.search !== 'aimed' && o.search !== 'plain')
    refuse('search', '"aimed" or "plain"');
  if (o.engine !== undefined && !(machineEngines as readonly unknown[]).includes(o.engine))
    refuse('engine', machineEngines.map((e) => `"${e}"`).join(' or '));
  if (
    o.expectedErrors !== undefined &&
    !(Array.isArray(o.expectedErrors) && o.expectedErrors.every((e) => typeof e === 'string'))
  )
    refuse('expectedErrors', 'a list of error class names');
  if (o.onRun !== undefined && typeof o.onRun !== 'function') refuse('onRun', 'a function');
}
