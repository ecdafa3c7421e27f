// Safety: a hostile message (a forged callback, a callback altered in flight) changes no durable
// state of the service that receives it. Does not require that the sender gets an error reply.

import type { Invariant, Violation } from './run-view.ts';

export const inertBadInput: Invariant = {
  name: 'inert-bad-input',
  kind: 'safety',
  statement: 'a callback that fails verification changes no state',
  check(view) {
    const out: Violation[] = [];
    const trace = view.facts.trace;
    for (let i = 0; i < trace.length; i++) {
      const e = trace[i];
      if (e?.kind !== 'deliver' || e.env.tag === undefined) continue;
      for (let j = i + 1; j < trace.length && trace[j]?.step === e.step; j++) {
        const w = trace[j];
        if (w?.kind === 'write' && w.owner === e.env.to) {
          out.push(
            view.violation(
              this.name,
              [w.key],
              `a ${e.env.tag} callback made ${w.owner} write ${w.table}/${w.key}`,
              e.step,
              e.atMs,
            ),
          );
          break;
        }
      }
    }
    return out;
  },
};
