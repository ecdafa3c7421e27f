// Picks may name an option (`notify.duplicated#0=at-once`) as well as number it. The names are the
// fault catalogue's data; this file only reads them, for parsing and for `paysim faults`.

import { suggest } from '../designs/load-design.ts';
import { allFaults, type FaultSpec, faultCatalogue } from './catalogue.ts';

function specOf(label: string): FaultSpec {
  const spec = faultCatalogue.find((f) => f.id === label);
  if (spec === undefined)
    throw new Error(`unknown choice "${label}"${suggest(label, allFaults)}; \`paysim faults\` lists them`);
  return spec;
}

/** The number of the option `name` of choice `label`; an Error listing the valid names otherwise. */
export function optionByName(label: string, name: string): number {
  const spec = specOf(label);
  const index = spec.options.indexOf(name);
  if (index >= 0) return index + 1;
  const valid =
    spec.options.length === 0
      ? `${label} takes option numbers only (${spec.more})`
      : `the names ${label} accepts are ${spec.options.join(', ')}${spec.more ? `; ${spec.more}, by number` : ''}`;
  throw new Error(`${label} has no option "${name}"${suggest(name, spec.options)}; ${valid}`);
}

/** `1=at-once, 2=later`: a choice's named options, as `paysim faults` lists them. */
export function describeOptions(spec: FaultSpec): string {
  const named = spec.options.map((name, i) => `${i + 1}=${name}`).join(', ');
  if (spec.more === undefined) return named;
  return named === '' ? spec.more : `${named}; ${spec.more}`;
}
