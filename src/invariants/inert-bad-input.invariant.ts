// Safety: a hostile message (a forged callback, a callback altered in flight, a stale replay of a
// genuine one) has no effect but a rejection: its handler states no fact (writes no order or payment
// row) and sends nothing except a reply to whoever sent it, and nothing it caused downstream does either. Effects are followed by cause (the message whose
// handler produced them), so a write one await after the callback is still its effect. Does not
// require that the sender gets an error reply.

import { factsOf } from '../domain/facts.ts';
import type { TraceEntry } from '../kernel/index.ts';
import type { Invariant, Violation } from './run-view.ts';

export const inertBadInput: Invariant = {
  name: 'inert-bad-input',
  kind: 'safety',
  statement:
    'a hostile callback (forged, altered in flight, or a genuine one replayed past the timestamp tolerance) changes no state and sets nothing in motion',
  check(view) {
    const out: Violation[] = [];
    /** Hostile message ids, and the ids of messages they caused, with the hostile tag and its sender. */
    const tainted = new Map<number, { tag: string; replyTo: string }>();
    const report = (e: TraceEntry, orderId: string, what: string, tag: string) =>
      out.push(
        view.violation(this.name, [orderId], `a ${tag} callback (${hostile[tag]}) ${what}`, e.step, e.atMs),
      );
    for (const e of view.facts.trace) {
      if (e.kind === 'deliver') {
        const env = e.env;
        if (env.tag === 'notify.forged' || env.tag === 'notify.tampered' || env.tag === 'notify.replayed') {
          tainted.set(env.id, { tag: env.tag, replyTo: env.from });
          continue;
        }
        const origin = env.cause === undefined ? undefined : tainted.get(env.cause);
        if (origin === undefined) continue;
        if (env.to !== origin.replyTo) {
          report(
            e,
            orderOf(env.msg) ?? '?',
            `made ${env.from} send ${env.msg.type} to ${env.to}`,
            origin.tag,
          );
        }
        tainted.set(env.id, origin);
      } else if (
        (e.kind === 'write' || e.kind === 'commit' || e.kind === 'observe') &&
        e.cause !== undefined
      ) {
        const origin = tainted.get(e.cause);
        // State is what the services say about orders and payments (their facts): a row that states
        // none (an audit log of every callback) changes nothing the business could tell.
        const fact = factsOf(e)[0];
        if (origin === undefined || fact === undefined) continue;
        const what =
          e.kind === 'write'
            ? `write ${e.table}/${e.key}`
            : e.kind === 'commit'
              ? `commit ${e.statements.join('; ')}`
              : `report ${fact.kind} ${fact.orderId} ${(fact as { status?: string }).status ?? ''}`.trim();
        report(e, fact.orderId, `made ${e.owner} ${what}`, origin.tag);
      }
    }
    return out;
  },
};

/** What makes each kind of hostile callback one, for the verdict: a replay carries a genuine signature. */
const hostile: Record<string, string> = {
  'notify.forged': "not signed with the provider's key",
  'notify.tampered': 'altered in flight: its signature no longer matches',
  'notify.replayed': "a genuine one, captured and sent again later, past the provider's timestamp tolerance",
};

function orderOf(msg: object): string | undefined {
  const m = msg as { orderId?: string; outTradeNo?: string };
  return m.orderId ?? m.outTradeNo;
}
