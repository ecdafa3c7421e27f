// Options objects from plain JavaScript (or a TypeScript config that tsx does not type-check) can
// carry a misspelled name that would silently fall back to a default: `{ run: 5 }` runs 500, and
// `{ sq: {...} }` leaves the service without SQL. Every public options object is checked by name.

import { suggest } from '../designs/load-design.ts';
import { ContractError } from './service-ports.ts';

/** Throws, naming the option and what it may be, when `options` has a name not in `known`. */
export function refuseUnknownOptions(
  where: string,
  options: object | undefined,
  known: readonly string[],
): void {
  for (const name of Object.keys(options ?? {}))
    if (!known.includes(name))
      throw new ContractError(
        `${where}: unknown option ${name}${suggest(name, known)}; the options are ${known.join(', ')}`,
      );
}

/** The same for a role adapter's options and the `sql` options inside them. */
export function refuseUnknownAdapterOptions(
  where: string,
  options: { readonly sql?: object } | undefined,
  known: readonly string[],
): void {
  refuseUnknownOptions(where, options, known);
  refuseUnknownOptions(`${where}: sql`, options?.sql, ['schema', 'facts', 'server']);
}
