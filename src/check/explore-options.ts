// explore() and assertHolds() are called from JavaScript too, where nothing checks their options
// before they are used: a design given by name or faults given as an array failed deep inside as
// "faults is not iterable", and a string of faults was read letter by letter. Each mistake is refused
// up front, naming the function, the option, what it takes and what it got.

import { refuseUnknownOptions } from '../adapters/known-options.ts';
import { ContractError } from '../adapters/service-ports.ts';
import { suggest } from '../designs/load-design.ts';
import { allFaults } from '../faults/catalogue.ts';
import { machineEngines } from '../kernel/index.ts';
import { maxOrdersHonoured } from './limits.ts';

/** The options a search shares with assertHolds (which adds its own; explore adds search, engine, onRun). */
const searchOptions = [
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

type Caller = 'explore' | 'assertHolds';

/**
 * Refuses options `caller` cannot take. explore() takes a full search (a Design, a Set of faults, a
 * seed, runs and maxOrders); assertHolds() also takes a design by name and faults as any list, and
 * has defaults for the numbers.
 */
export function checkSearchOptions(caller: Caller, options: unknown): void {
  if (typeof options !== 'object' || options === null)
    throw new ContractError(`${caller}: expected an options object, got ${shown(options)}`);
  refuseUnknownOptions(
    caller,
    options,
    caller === 'explore'
      ? [...searchOptions, 'search', 'engine', 'onRun']
      : [...searchOptions, 'failOnErrors'],
  );
  const o = options as Record<string, unknown>;
  const lenient = caller === 'assertHolds';
  const refuse = (name: string, expected: string): never => {
    throw new ContractError(`${caller}: ${name}: expected ${expected}, got ${shown(o[name])}`);
  };
  const given = (name: string) => !lenient || o[name] !== undefined;
  if (!isDesign(o.design) && !(lenient && typeof o.design === 'string'))
    refuse(
      'design',
      lenient
        ? 'a design spec such as "hardened", or a Design object'
        : 'a Design object (resolveDesign("hardened") gives one; assertHolds also takes the name)',
    );
  if (given('runs') && !(Number.isSafeInteger(o.runs) && (o.runs as number) >= 1))
    refuse('runs', 'a whole number of 1 or more');
  if (
    given('maxOrders') &&
    !(
      Number.isSafeInteger(o.maxOrders) &&
      (o.maxOrders as number) >= 1 &&
      (o.maxOrders as number) <= maxOrdersHonoured
    )
  )
    refuse('maxOrders', `a whole number from 1 to ${maxOrdersHonoured} (the most a generated run has)`);
  if (given('seed') && !Number.isSafeInteger(o.seed)) refuse('seed', 'a whole number');
  if (given('faults')) {
    const faults = o.faults;
    if (!(lenient ? isIdList(faults) : faults instanceof Set))
      refuse(
        'faults',
        lenient
          ? 'a list of fault ids, e.g. ["notify.lost"]'
          : 'a Set of fault ids (new Set(allFaults) for every fault)',
      );
    const seen = new Set<unknown>();
    for (const id of faults as Iterable<unknown>) {
      if (!(allFaults as readonly unknown[]).includes(id))
        throw new ContractError(
          `${caller}: faults: ${JSON.stringify(id)} is not a fault id${typeof id === 'string' ? suggest(id, allFaults) : ''} (\`paysim faults\` and allFaults list them)`,
        );
      if (seen.has(id))
        throw new ContractError(`${caller}: faults: ${JSON.stringify(id)} is given twice; give it once`);
      seen.add(id);
    }
  }
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
  if (o.failOnErrors !== undefined && typeof o.failOnErrors !== 'boolean')
    refuse('failOnErrors', 'true or false');
}

/** Whether `value` is a Design object (what resolveDesign gives), not a spec naming one. */
export function isDesign(value: unknown): boolean {
  const design = value as { name?: unknown; mitigations?: unknown } | null | undefined;
  return (
    typeof design === 'object' &&
    design !== null &&
    typeof design.name === 'string' &&
    typeof design.mitigations === 'object'
  );
}

/** Whether `value` is a list of ids (an array, a Set): iterable, and not one string read letter by letter. */
export function isIdList(value: unknown): boolean {
  return (
    typeof value !== 'string' && typeof (value as Iterable<unknown> | null)?.[Symbol.iterator] === 'function'
  );
}

/** A value as a message shows it: strings quoted, numbers as they are, anything else by its kind. */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}
