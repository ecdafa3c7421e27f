// Derived designs: one mitigation switched off, one write guard made plain, or a design moved to
// another provider or channel.

import { idleBecause } from '../faults/catalogue.ts';
import type { Design, MitigationName, Mitigations } from './design.ts';
import { mitigationHelp } from './mitigation-help.ts';

/** Every mitigation, in the order designs and reports list them (the order of their one-line help). */
export const mitigationNames = Object.keys(mitigationHelp) as readonly MitigationName[];

export function isOn(design: Design, name: MitigationName): boolean {
  return design.mitigations[name] !== false;
}

/** Mitigations against one fault only: where that fault never strikes, they have nothing to do. */
const answersOnly: Partial<Record<MitigationName, string>> = {
  watchProcessing: 'pay.processing',
  renewClosedRefunds: 'refund.outcome',
};

/** Why `name` has nothing to do in `design` (the one fault it answers never strikes there), if so. */
export function idleMitigationBecause(design: Design, name: MitigationName): string | undefined {
  const fault = answersOnly[name];
  const why = fault === undefined ? undefined : idleBecause(fault, design);
  return why === undefined ? undefined : `${fault} never strikes it: ${why}`;
}

export function withoutMitigation(design: Design, name: MitigationName): Design {
  const mitigations: Mitigations = { ...design.mitigations, [name]: false };
  return { ...design, name: `${design.name},-${name}`, mitigations };
}

export const services = ['paymentCenter', 'businessApp'] as const;

/** `payment center 2× conditional writes, business app 1× plain writes`: how a design is deployed. */
export function describeDeployment(design: Design, yours: readonly ServiceName[] = []): string {
  // A service of your own writes as its code does: the design's write guard is the model's.
  const one = (name: string, service: ServiceName) => {
    const d = design[service];
    return yours.includes(service)
      ? `${name} ${d.replicas}× (your code)`
      : `${name} ${d.replicas}× ${d.writes} writes`;
  };
  return `${one('payment center', 'paymentCenter')}, ${one('business app', 'businessApp')}`;
}
export type ServiceName = (typeof services)[number];

/** The design with `service`'s status updates written as plain UPDATEs: check-then-act across an await. */
export function withPlainWrites(design: Design, service: ServiceName): Design {
  return {
    ...design,
    name: `${design.name},${service}.writes=plain`,
    [service]: { ...design[service], writes: 'plain' },
  };
}

/**
 * Every weakening the necessity matrix tries, by the spec change that names it: each mitigation
 * that is on switched off, and each guarded write made plain.
 */
export function weakenings(design: Design): Array<{ change: string; design: Design }> {
  return [
    ...mitigationNames
      .filter((name) => isOn(design, name))
      .map((name) => ({ change: name as string, design: withoutMitigation(design, name) })),
    ...services
      .filter((service) => design[service].writes !== 'plain')
      .map((service) => ({ change: `${service}.writes=plain`, design: withPlainWrites(design, service) })),
  ];
}
